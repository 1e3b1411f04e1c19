import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { makeInstallation, tombstoneOf } from '../../test/support/store/installations.ts';
import { latestInstallation, noInstallationError } from './installation.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

describe('latestInstallation: the installation the lessons act for', () => {
  it('is the most recently updated active one: never a pending first install or a tombstone, however recent', async () => {
    const store = createMemoryStore([
      makeInstallation('old', { updatedAt: at(1) }),
      makeInstallation('new', { updatedAt: at(2), origin: 'simulated' }),
      makeInstallation('pending', { updatedAt: at(3), state: 'pending' }),
      tombstoneOf(makeInstallation('gone'), at(4)),
    ]);
    expect((await latestInstallation(store))?.clientKey).toBe(makeInstallation('new').clientKey);
  });

  it('live, is never one the simulated Bitbucket made', async () => {
    const store = createMemoryStore([makeInstallation('real', { updatedAt: at(1) }), makeInstallation('sim', { updatedAt: at(2), origin: 'simulated' })]);
    expect((await latestInstallation(store, { live: true }))?.clientKey).toBe(makeInstallation('real').clientKey);
    expect(await latestInstallation(createMemoryStore([makeInstallation('sim', { origin: 'simulated' })]), { live: true })).toBeUndefined();
  });
});

describe('noInstallationError', () => {
  it('live, says how many simulated installations it will not use, and how to get a real one', async () => {
    const store = createMemoryStore([makeInstallation('a', { origin: 'simulated' }), makeInstallation('b', { origin: 'simulated' })]);
    const error = await noInstallationError(loadConfig({ LIVE: '1', BASE_URL: 'https://abc.ngrok.app' }), undefined, store);
    expect(error.code).toBe('ERR_NO_INSTALLATION');
    expect(error.message).toContain("2 installations made by the lab's simulated Bitbucket");
    expect(error.message).toContain('without LIVE=1');
    expect(error.message).toContain('https://abc.ngrok.app/atlassian-connect.json');
  });

  it('offline, says which lesson makes one', async () => {
    const error = await noInstallationError(loadConfig({}), { number: 2, slug: 'lifecycle', title: 'Installed', provides: 'installation' });
    expect(error.message).toContain('npm run lesson 2');
  });
});
