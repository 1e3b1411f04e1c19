import { describe, expect, it } from 'vitest';
import { makeInstallation } from '../../test/support/store/installations.ts';
import type { Installation } from '../store/installation.ts';
import { createMemoryStore } from '../store/memory.ts';
import { createInstallVerifier, type InstallVerifierOptions } from './install-verifier.ts';

const BITBUCKET = 'https://bitbucket.example';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const pending = (id = 'a', overrides: Partial<Installation> = {}) =>
  makeInstallation(id, { state: 'pending', updatedAt: new Date(T0).toISOString(), ...overrides });

type Answer = Response | Error | 'hang';

const token = () => Response.json({ access_token: 'an-access-token-0123456789abcdef', expires_in: 7200, scopes: 'account', token_type: 'bearer' });
const refused = () => Response.json({ error: 'unauthorized_client', error_description: 'Unknown client' }, { status: 401 });
const serverError = () => new Response('oops', { status: 500 });

/**
 * A verifier over a memory store, with a scripted token endpoint, a clock that only sleeping
 * moves, and a sleep that fails the test after a bounded number of waits instead of hanging it.
 */
function harness(answers: Array<() => Answer>, o: Partial<InstallVerifierOptions> = {}) {
  const store = createMemoryStore();
  let clock = T0;
  const sent: { url: string; authorization: string | null; aborted: () => boolean }[] = [];
  const delays: number[] = [];
  const lines: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    sent.push({ url: request.url, authorization: request.headers.get('authorization'), aborted: () => init?.signal?.aborted === true });
    // The last answer repeats.
    const next = answers.length > 1 ? answers.shift() : answers[0];
    const answer = next ? next() : new Error('no scripted answer');
    if (answer === 'hang') {
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    }
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const verifier = createInstallVerifier({
    store,
    bitbucketUrl: BITBUCKET,
    fetch,
    now: () => clock,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
      if (delays.length > 50) throw new Error('the verifier kept sleeping: more than 50 waits');
      clock += ms;
    },
    log: { info: (line) => lines.push(`info ${line}`), error: (line) => lines.push(`error ${line}`) },
    ...o,
  });
  return { store, verifier, sent, delays, lines, advance: (ms: number) => (clock += ms) };
}

describe('createInstallVerifier', () => {
  it('one exchange that gets a token makes the pending installation active, signed with its own secret, at the configured Bitbucket', async () => {
    const h = harness([token]);
    // The payload's baseUrl is not where the proof goes: anyone could have chosen it.
    const installation = pending('a', { baseUrl: 'https://evil.example' });
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    expect(await h.store.get(installation.clientKey)).toMatchObject({ state: 'active', sharedSecret: installation.sharedSecret });
    expect(h.sent.map((s) => s.url)).toEqual([`${BITBUCKET}/site/oauth2/access_token`]);
    expect(h.sent[0]?.authorization).toMatch(/^JWT ey/);
    expect(h.lines).toEqual([`info install proven clientKey=${installation.clientKey} state=active`]);
    expect(h.verifier.inFlight()).toBe(0);
  });

  it('a refusal is asked once more after a short delay (the lab\'s choice), then the pending installation is deleted', async () => {
    const h = harness([refused, refused]);
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    expect(h.sent).toHaveLength(2);
    expect(h.delays).toEqual([5_000]);
    expect(await h.store.get(installation.clientKey)).toBeUndefined();
    expect(h.lines.at(-1)).toContain('Bitbucket refused the token exchange (ERR_GRANT_UNAUTHORIZED_CLIENT, HTTP 401); pending installation deleted');
  });

  it('a refusal followed by a token: active (Bitbucket\'s record was not usable yet)', async () => {
    const h = harness([refused, token], { refusalRetryDelayMs: 250 });
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    expect(h.delays).toEqual([250]);
    expect((await h.store.get(installation.clientKey))?.state).toBe('active');
  });

  it('retries transient failures with exponential backoff and full jitter, then succeeds', async () => {
    const h = harness([serverError, () => new TypeError('fetch failed'), serverError, token]);
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    // random() = 0.5 of a ceiling doubling from 1 s.
    expect(h.delays).toEqual([500, 1_000, 2_000]);
    expect((await h.store.get(installation.clientKey))?.state).toBe('active');
  });

  it('honours a 429\'s Retry-After when it asks for longer than the backoff', async () => {
    const limited = () => new Response('Rate limit for this resource has been exceeded', { status: 429, headers: { 'Retry-After': '30' } });
    const h = harness([limited, token]);
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    expect(h.delays).toEqual([30_000]);
  });

  it('gives up after maxDurationMs of transient failures: deletes the pending installation and says why', async () => {
    const h = harness([serverError], { maxDurationMs: 60_000 });
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    expect(h.delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(h.delays.length).toBeGreaterThan(3);
    expect(await h.store.get(installation.clientKey)).toBeUndefined();
    expect(h.lines.at(-1)).toMatch(/^error install not proven .* no answer from Bitbucket within 60 s \(last: ERR_SERVER\); pending installation deleted$/);
  });

  it('leaves a row that changed meanwhile (a newer first install, another secret) as it is, on success and on refusal', async () => {
    for (const answers of [[token], [refused]]) {
      const h = harness(answers, { refusalRetryDelayMs: 0 });
      const installation = pending();
      const newer = pending('a', { sharedSecret: 'a-newer-install-secret-0123456789' });
      await h.store.save(newer);
      h.verifier.verify(installation);
      await h.verifier.idle();
      expect(await h.store.get(installation.clientKey)).toStrictEqual(newer);
      expect(h.lines.at(-1)).toContain('changed meanwhile');
    }
  });

  it('a newer first install of the same clientKey cancels the proof of the older one', async () => {
    const h = harness([() => 'hang', token]);
    const older = pending();
    const newer = pending('a', { sharedSecret: 'a-newer-install-secret-0123456789' });
    await h.store.save(older);
    h.verifier.verify(older);
    for (let tick = 0; h.sent.length === 0 && tick < 1000; tick++) await new Promise((resolve) => setImmediate(resolve));
    await h.store.save(newer);
    h.verifier.verify(newer);
    await h.verifier.idle();
    expect(h.sent[0]?.aborted()).toBe(true);
    expect(await h.store.get(newer.clientKey)).toMatchObject({ state: 'active', sharedSecret: newer.sharedSecret });
  });

  it('close() cancels proofs in flight and leaves their rows pending; later verify() calls do nothing', async () => {
    const h = harness([() => 'hang']);
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    expect(h.verifier.inFlight()).toBe(1);
    await h.verifier.close();
    expect(h.verifier.inFlight()).toBe(0);
    expect((await h.store.get(installation.clientKey))?.state).toBe('pending');
    h.verifier.verify(installation);
    expect(h.verifier.inFlight()).toBe(0);
  });

  it('resume() proves the pending installations a previous run left, after deleting the stale ones', async () => {
    const h = harness([token]);
    const fresh = pending('fresh');
    const stale = pending('stale', { updatedAt: new Date(T0 - 6 * 60_000).toISOString() });
    const active = makeInstallation('active');
    for (const row of [fresh, stale, active]) await h.store.save(row);
    await h.verifier.resume();
    await h.verifier.idle();
    expect((await h.store.list()).map((i) => [i.clientKey, i.state])).toEqual([
      [active.clientKey, 'active'],
      [fresh.clientKey, 'active'],
    ]);
  });

  it('never lets an error escape: a store failure is logged, and idle() still resolves', async () => {
    const h = harness([token]);
    const installation = pending();
    await h.store.save(installation);
    await h.store.close();
    h.verifier.verify(installation);
    await h.verifier.idle();
    expect(h.lines.at(-1)).toContain('stopped: ERR_STORE_CLOSED');
  });

  it('logs no secret: not the installation\'s, not the token', async () => {
    const h = harness([refused, refused]);
    const installation = pending();
    await h.store.save(installation);
    h.verifier.verify(installation);
    await h.verifier.idle();
    const logged = h.lines.join('\n');
    expect(logged).not.toContain(installation.sharedSecret);
    expect(logged).not.toContain('an-access-token');
  });
});
