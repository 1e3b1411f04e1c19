import { describe, expect, it } from 'vitest';
import { installFetchGuard, type FetchHolder } from './fetch-guard.ts';
import { isLoopbackUrl } from '../../src/http/loopback.ts';

describe('isLoopbackUrl', () => {
  it.each([
    ['http://localhost:3000/installed', true],
    ['http://LOCALHOST/', true],
    ['https://127.0.0.1/x', true],
    ['http://127.45.3.2:8080', true],
    ['http://[::1]:3000/', true],
    ['https://api.bitbucket.org/2.0/user', false],
    ['http://localhost.example.com/', false],
    ['http://127.0.0.1.example.com/', false],
    ['http://128.0.0.1/', false],
    ['ftp://localhost/file', false],
    ['not a url', false],
  ])('%s: %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});

describe('installFetchGuard', () => {
  function holder() {
    const sent: string[] = [];
    const original: typeof fetch = async (input) => {
      sent.push(input instanceof Request ? input.url : String(input));
      return new Response('from the network');
    };
    return { holder: { fetch: original } as FetchHolder, original, sent };
  }

  it('lets loopback requests through, in every form fetch takes', async () => {
    const { holder: h, sent } = holder();
    installFetchGuard(h);
    expect(await (await h.fetch('http://127.0.0.1:3000/healthcheck')).text()).toBe('from the network');
    await h.fetch(new URL('http://localhost/a'));
    await h.fetch(new Request('http://[::1]/b'));
    expect(sent).toEqual(['http://127.0.0.1:3000/healthcheck', 'http://localhost/a', 'http://[::1]/b']);
  });

  it('refuses anything else with ERR_OFFLINE_REQUEST, naming the request without its query, and sends nothing', async () => {
    const { holder: h, sent } = holder();
    installFetchGuard(h);
    const refused = h.fetch('https://api.bitbucket.org/2.0/user?access_token=abc', { method: 'post' });
    await expect(refused).rejects.toMatchObject({ code: 'ERR_OFFLINE_REQUEST' });
    const message = await refused.catch((error: Error) => error.message);
    expect(message).toContain('Offline, POST https://api.bitbucket.org/2.0/user was not sent');
    expect(message, 'tells the author what to do').toContain('ctx.fetch');
    expect(message).not.toContain('access_token');
    await expect(h.fetch(new Request('https://example.com/', { method: 'PUT' }))).rejects.toThrow(/PUT https:\/\/example\.com\//);
    expect(sent).toEqual([]);
  });

  it('puts the original fetch back, but not over one installed since', () => {
    const first = holder();
    const restore = installFetchGuard(first.holder);
    expect(first.holder.fetch).not.toBe(first.original);
    restore();
    expect(first.holder.fetch).toBe(first.original);

    const second = holder();
    const restoreSecond = installFetchGuard(second.holder);
    const later: typeof fetch = async () => new Response('later');
    second.holder.fetch = later;
    restoreSecond();
    expect(second.holder.fetch).toBe(later);
  });
});
