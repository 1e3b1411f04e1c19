import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketClient, type BitbucketClient } from '../src/bitbucket/client.ts';
import { RATE_LIMIT_POLICIES } from '../src/bitbucket/rate-limit.ts';
import { loadConfig, SCENARIOS } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';
import { createTokenCache, type TokenCache } from '../src/oauth/token-cache.ts';
import { createScenarioPlayer, describeScenario, SCENARIO_GUIDES } from './scenarios.ts';
import { API, startTestBitbucket, T0, type TestBitbucket } from './test-support.ts';

/**
 * Each scenario against the project's own client (src/bitbucket/client.ts + src/oauth/exchange.ts
 * + the token cache): it recovers, or reports the failure, as the scenario's guide says it should.
 * `sleep` is injected, so no test waits for real; only `slow` lets a real 50 ms deadline pass.
 */

let bb: TestBitbucket;
const running: TestBitbucket[] = [];
function start(o: Parameters<typeof startTestBitbucket>[0] = {}): void {
  bb = startTestBitbucket(o);
  running.push(bb);
}
afterEach(() => {
  for (const mock of running.splice(0)) mock.stop();
});

interface Rig {
  client: BitbucketClient;
  cache: TokenCache;
  sleeps: number[];
}

/** More waits than any scenario calls for: past it the fake sleep throws rather than let a retry loop spin. */
const MAX_FAKE_SLEEPS = 20;

function rig(o: { timeoutMs?: number } = {}): Rig {
  const sleeps: number[] = [];
  const now = () => bb.clock.now;
  const cache = createTokenCache({ now });
  const client = createBitbucketClient({
    apiUrl: API,
    token: cache.provider(bb.installation),
    sleep: async (ms) => {
      sleeps.push(ms);
      if (sleeps.length > MAX_FAKE_SLEEPS) throw new Error(`the client slept ${sleeps.length} times: a retry without bound`);
    },
    random: () => 0.5,
    now,
    timeoutMs: o.timeoutMs,
    // The simulated Bitbucket's policy, as the lessons pick it offline.
    rateLimit: RATE_LIMIT_POLICIES.offline,
  });
  return { client, cache, sleeps };
}

const statuses = () => bb.mock.state.log.filter((e) => e.endpoint !== 'POST /site/oauth2/access_token').map((e) => e.status);

describe('scenario guides', () => {
  it('describe every scenario, in the order of SCENARIOS, with what the mock and the client do', () => {
    expect(SCENARIO_GUIDES.map((g) => g.name)).toEqual([...SCENARIOS]);
    for (const guide of SCENARIO_GUIDES) {
      expect(guide.title).not.toBe('');
      expect(guide.mock).not.toBe('');
      expect(guide.client).not.toBe('');
      expect(describeScenario(guide.name)).toBe(guide);
    }
  });

  it('an unknown name is ERR_MOCK_OPTIONS, naming the valid ones', () => {
    start();
    expect(() => bb.mock.setScenario('flaky' as never)).toThrow(/happy, rate-limited, server-error, slow, expired-token/);
    expect(() => createScenarioPlayer({ name: 'nope' as never, now: Date.now })).toThrowError(
      expect.objectContaining({ code: 'ERR_MOCK_OPTIONS' }),
    );
    expect(() => createScenarioPlayer({ name: 'slow', slowMs: -1, now: Date.now })).toThrowError(
      expect.objectContaining({ code: 'ERR_MOCK_OPTIONS' }),
    );
  });
});

describe('happy', () => {
  it('lists the 23 repositories over 3 pages with one exchange', async () => {
    start({ scenario: loadConfig({ SCENARIO: 'happy' }).scenario });
    const { client } = rig();
    const slugs: string[] = [];
    for await (const repo of client.paginate<{ slug: string }>('/2.0/repositories/teamsinspace')) slugs.push(repo.slug);
    expect(slugs).toHaveLength(23);
    expect(bb.mock.state.counts).toMatchObject({ exchanges: 1, apiCalls: 3 });
  });
});

describe('rate-limited', () => {
  it('answers the first API call with Bitbucket\'s 429: text/plain, no Retry-After (docs/protocol.md section 8, Jenkins plugin PR 414), then normally', async () => {
    start({ scenario: 'rate-limited' });
    const token = await bb.accessToken();
    const call = () => fetch(`${API}/2.0/user`, { headers: { Authorization: `Bearer ${token}` } });
    const first = await call();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBeNull();
    expect(first.headers.get('content-type')).toBe('text/plain');
    expect(await first.text()).toBe('Rate limit for this resource has been exceeded');
    expect((await call()).status).toBe(200);
  });

  it('the client backs off on its own (the offline policy: 100 to 500 ms) and retries', async () => {
    start({ scenario: loadConfig({ SCENARIO: 'rate-limited' }).scenario });
    const { client, sleeps } = rig();
    await expect(client.get('/2.0/user')).resolves.toMatchObject({ type: 'app_user' });
    expect(sleeps).toEqual([175]);
    expect(statuses()).toEqual([429, 200]);
  });

  it('fires again after setScenario, and not for an unauthenticated call', async () => {
    start({ scenario: 'rate-limited' });
    const token = await bb.accessToken();
    const call = (auth = `Bearer ${token}`) => fetch(`${API}/2.0/user`, { headers: { Authorization: auth } });
    expect((await call('Bearer wrong')).status).toBe(401);
    expect((await call()).status).toBe(429);
    expect((await call()).status).toBe(200);
    bb.mock.setScenario('rate-limited');
    expect((await call()).status).toBe(429);
    expect(bb.mock.state.scenario).toBe('rate-limited');
  });
});

describe('server-error', () => {
  it('the client retries the 500 after a backoff and succeeds', async () => {
    start({ scenario: 'server-error' });
    const { client, sleeps } = rig();
    await expect(client.get('/2.0/workspaces/teamsinspace')).resolves.toMatchObject({ slug: 'teamsinspace' });
    expect(sleeps).toHaveLength(1);
    expect(statuses()).toEqual([500, 200]);
    expect(bb.mock.state.log.find((e) => e.status === 500)?.endpoint).toBe('GET /2.0/workspaces/{workspace}');
  });
});

describe('slow', () => {
  it('the client gives up with ERR_TIMEOUT, and the aborted requests end at once', async () => {
    start({ scenario: 'slow' });
    const { client } = rig({ timeoutMs: 50 });
    const error = await client.get('/2.0/user').catch((e: unknown) => e);
    expect(isLabError(error, 'ERR_TIMEOUT')).toBe(true);
    // One timeout is retried once, then reported; both requests were abandoned, not answered.
    expect(statuses()).toEqual([null, null]);
  });

  it('answers after slowMs when nobody aborts', async () => {
    start({ scenario: 'slow', slowMs: 10 });
    const token = await bb.accessToken();
    const response = await fetch(`${API}/2.0/user`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });

  it('switching to happy makes calls fast again', async () => {
    start({ scenario: 'slow' });
    bb.mock.setScenario('happy');
    const { client } = rig({ timeoutMs: 50 });
    await expect(client.get('/2.0/user')).resolves.toMatchObject({ type: 'app_user' });
  });
});

describe('expired-token', () => {
  it('answers 401 "Access token expired." and keeps that token expired; a new one works', async () => {
    start({ scenario: 'expired-token' });
    const old = await bb.accessToken();
    const call = (token: string) => fetch(`${API}/2.0/user`, { headers: { Authorization: `Bearer ${token}` } });
    for (let i = 0; i < 2; i += 1) {
      const response = await call(old);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ type: 'error', error: { message: 'Access token expired.' } });
    }
    expect(bb.mock.state.tokens.get(old)?.expiresAt).toBe(T0);
    expect((await call(await bb.accessToken())).status).toBe(200);
  });

  it('the client refreshes the token through the cache (a new JWT, a new exchange) and retries', async () => {
    start({ scenario: 'expired-token' });
    const { client, cache } = rig();
    await expect(client.get('/2.0/repositories/teamsinspace/docs')).resolves.toMatchObject({ slug: 'docs' });
    expect(statuses()).toEqual([401, 200]);
    expect(bb.mock.state.counts.tokensIssued).toBe(2);
    expect(cache.stats().exchanges).toBe(2);
  });
});
