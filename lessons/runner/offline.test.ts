import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createMemoryRegistry } from '../../mocks/registry.ts';
import type { FetchHolder } from './fetch-guard.ts';
import { startOfflineBitbucket, type OfflineBitbucket } from './offline.ts';

const config = loadConfig({ DATA_DIR: '/nonexistent' });
let started: OfflineBitbucket | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

function holder(): FetchHolder & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    fetch: async (input) => {
      sent.push(String(input instanceof Request ? input.url : input));
      return new Response('network');
    },
  };
}

describe('startOfflineBitbucket', () => {
  it('loads the mock only on the first request to Bitbucket, and guards the global fetch until stopped', async () => {
    const h = holder();
    const original = h.fetch;
    started = await startOfflineBitbucket({ config, registry: createMemoryRegistry(), now: Date.now, need: undefined, holder: h });
    expect(started.mock(), 'nothing loaded yet').toBeUndefined();
    await expect(h.fetch('https://api.bitbucket.org/2.0/user')).rejects.toMatchObject({ code: 'ERR_OFFLINE_REQUEST' });
    expect(await (await h.fetch('http://127.0.0.1:9/')).text()).toBe('network');

    const response = await started.fetch('https://api.bitbucket.org/2.0/user');
    expect(response.status, 'the mock: no token, 401').toBe(401);
    expect(started.mock()?.state.counts.apiCalls).toBe(1);
    expect(started.issuedTokens()).toEqual([]);
    expect(h.sent, 'the mock answered in-process').toEqual(['http://127.0.0.1:9/']);

    await started.stop();
    expect(h.fetch).toBe(original);
  });

  it("loads the mock before step 1 for a lesson that declares mock: 'state'", async () => {
    started = await startOfflineBitbucket({ config: loadConfig({ SCENARIO: 'rate-limited' }), registry: createMemoryRegistry(), now: Date.now, need: 'state', holder: holder() });
    expect(started.mock()?.state.scenario).toBe('rate-limited');
  });

  it("intercepts the process's own fetch for a lesson that declares mock: 'intercept'", async () => {
    started = await startOfflineBitbucket({ config, registry: createMemoryRegistry(), now: Date.now, need: 'intercept' });
    const response = await globalThis.fetch('https://api.bitbucket.org/2.0/user');
    expect(response.status).toBe(401);
    expect(started.mock()?.state.counts.apiCalls).toBe(1);
  });
});
