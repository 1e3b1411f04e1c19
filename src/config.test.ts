import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_APP_KEY, loadConfig } from './config.ts';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to an offline lab on localhost talking to bitbucket.org', () => {
    expect(loadConfig({})).toEqual({
      dataDir: '.data',
      appKey: DEFAULT_APP_KEY,
      baseUrl: 'http://localhost:3000',
      bitbucketUrl: 'https://bitbucket.org',
      bitbucketApiUrl: 'https://api.bitbucket.org',
      live: false,
      verifyInstalls: true,
      scenario: 'happy',
      port: 3000,
    });
  });

  it('reads every variable, dropping a trailing slash from URLs and keeping a context path', () => {
    const config = loadConfig({
      DATA_DIR: '/var/lib/lab',
      APP_KEY: 'my-app.key_1',
      BASE_URL: 'https://abc.ngrok.app/app/',
      BITBUCKET_URL: 'http://127.0.0.1:4000/',
      BITBUCKET_API_URL: 'http://127.0.0.1:4000',
      LIVE: '1',
      SCENARIO: 'rate-limited',
      PORT: '8080',
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/lab',
      appKey: 'my-app.key_1',
      baseUrl: 'https://abc.ngrok.app/app',
      bitbucketUrl: 'http://127.0.0.1:4000',
      live: true,
      scenario: 'rate-limited',
      port: 8080,
    });
  });

  it('derives the default BASE_URL from PORT', () => {
    expect(loadConfig({ PORT: '4567' }).baseUrl).toBe('http://localhost:4567');
  });

  it.each([
    [{ BASE_URL: 'abc.ngrok.app' }, 'BASE_URL'],
    [{ BASE_URL: 'ftp://example.com' }, 'BASE_URL'],
    [{ BITBUCKET_URL: 'https://bitbucket.org/?x=1' }, 'BITBUCKET_URL'],
    [{ BITBUCKET_API_URL: 'not a url' }, 'BITBUCKET_API_URL'],
    [{ LIVE: 'maybe' }, 'LIVE'],
    [{ VERIFY_INSTALLS: 'sometimes' }, 'VERIFY_INSTALLS'],
    [{ SCENARIO: 'flaky' }, 'SCENARIO'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '3000abc' }, 'PORT'],
    [{ APP_KEY: 'my app' }, 'APP_KEY'],
  ])('refuses %o, naming %s and what to write instead', (env, name) => {
    const error = configError(env);
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.message).toContain(name);
  });

  it('lists the known scenarios when SCENARIO is wrong', () => {
    expect(configError({ SCENARIO: 'flaky' }).message).toContain('rate-limited, server-error, slow, expired-token');
  });

  it.each(['0', 'false', 'no', 'off', ''])('reads LIVE=%j as off', (value) => {
    expect(loadConfig({ LIVE: value }).live).toBe(false);
  });

  it.each([['0', false], ['off', false], ['1', true], ['', true]])('reads VERIFY_INSTALLS=%j as %s (on unless turned off)', (value, on) => {
    expect(loadConfig({ VERIFY_INSTALLS: value }).verifyInstalls).toBe(on);
  });

  it('says how to turn VERIFY_INSTALLS off when its value is no flag', () => {
    expect(configError({ VERIFY_INSTALLS: 'sometimes' }).message).toContain('VERIFY_INSTALLS=0');
  });
});
