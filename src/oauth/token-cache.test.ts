import { describe, expect, it } from 'vitest';
import type { Installation } from '../store/installation.ts';
import type { AccessToken, ExchangeOptions } from './exchange.ts';
import { createTokenCache } from './token-cache.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

function installationFor(clientKey: string, sharedSecret = `secret-of-${clientKey}-0123456789`): Installation {
  return {
    clientKey,
    key: 'jwt-grant-tutorial',
    sharedSecret,
    baseUrl: 'https://bitbucket.example',
    baseApiUrl: 'https://api.bitbucket.example',
    productType: 'bitbucket',
    principal: undefined,
    state: 'active',
    origin: 'bitbucket',
    installedAt: '2026-03-01T00:00:00Z',
    updatedAt: '2026-03-01T00:00:00Z',
  };
}

const alpha = installationFor('ari:cloud:bitbucket::app/{a}/jwt-grant-tutorial');
const beta = installationFor('ari:cloud:bitbucket::app/{b}/jwt-grant-tutorial');

/** A clock the test moves by hand. */
function clock(start = T0) {
  let time = start;
  return { now: () => time, set: (t: number) => (time = t) };
}

/** An exchange that counts its calls and mints token-1, token-2, ... living `lifetimeMs`. */
function fakeExchange(now: () => number, lifetimeMs = HOUR) {
  const calls: ExchangeOptions[] = [];
  const exchange = async (opts: ExchangeOptions): Promise<AccessToken> => {
    calls.push(opts);
    return { accessToken: `token-${calls.length}`, scopes: opts.scope ?? ['account'], expiresAt: now() + lifetimeMs, tokenType: 'bearer' };
  };
  return { calls, exchange };
}

/** A promise the test settles by hand (Node 20 has no Promise.withResolvers). */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createTokenCache', () => {
  it('reuses a token until expiresAt - refreshMarginMs, then exchanges again', async () => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now, refreshMarginMs: 60_000 });

    expect((await cache.getToken(alpha)).accessToken).toBe('token-1');
    time.set(T0 + HOUR - 60_001);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-1');
    time.set(T0 + HOUR - 60_000);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-2');
    expect(calls).toHaveLength(2);
    expect(cache.stats()).toEqual({ exchanges: 2, hits: 1 });
  });

  it('exchanges again once the token has expired', async () => {
    const time = clock();
    const { exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    await cache.getToken(alpha);
    time.set(T0 + 2 * HOUR);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-2');
  });

  it('keeps a short-lived token for half its life when it lives less than twice the margin', async () => {
    const time = clock();
    const { exchange } = fakeExchange(time.now, 30_000);
    const cache = createTokenCache({ exchange, now: time.now, refreshMarginMs: 60_000 });
    await cache.getToken(alpha);
    time.set(T0 + 14_999);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-1');
    time.set(T0 + 15_000);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-2');
  });

  it('makes exactly one exchange for 100 concurrent callers (single flight)', async () => {
    const time = clock();
    const gate = deferred<void>();
    let exchanges = 0;
    const exchange = async (): Promise<AccessToken> => {
      exchanges += 1;
      await gate.promise;
      return { accessToken: 'shared', scopes: [], expiresAt: time.now() + HOUR, tokenType: 'bearer' };
    };
    const cache = createTokenCache({ exchange, now: time.now });
    const pending = Array.from({ length: 100 }, () => cache.getToken(alpha));
    gate.resolve();
    const tokens = await Promise.all(pending);
    expect(exchanges).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['shared']));
    expect(cache.stats()).toEqual({ exchanges: 1, hits: 99 });
  });

  it('does not cache a failure: every waiting caller gets it, the next call retries', async () => {
    const time = clock();
    let attempt = 0;
    const gate = deferred<void>();
    const exchange = async (): Promise<AccessToken> => {
      attempt += 1;
      if (attempt === 1) {
        await gate.promise;
        throw Object.assign(new Error('token endpoint down'), { code: 'ERR_SERVER' });
      }
      return { accessToken: 'after-failure', scopes: [], expiresAt: time.now() + HOUR, tokenType: 'bearer' };
    };
    const cache = createTokenCache({ exchange, now: time.now });
    const waiting = [cache.getToken(alpha), cache.getToken(alpha), cache.getToken(alpha)];
    gate.resolve();
    for (const result of await Promise.allSettled(waiting)) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SERVER' } });
    }
    expect((await cache.getToken(alpha)).accessToken).toBe('after-failure');
    expect(attempt).toBe(2);
  });

  it('keeps tokens of different restrictions apart, ignoring scope order and duplicates', async () => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    const repository = '{5a1b2c3d-0000-4000-8000-00000000abcd}';

    const full = await cache.getToken(alpha);
    const narrow = await cache.getToken(alpha, { scope: ['repository', 'account'] });
    const sameNarrow = await cache.getToken(alpha, { scope: ['account', 'repository', 'account'] });
    const oneRepo = await cache.getToken(alpha, { scope: ['account', 'repository'], repository });
    const emptyScope = await cache.getToken(alpha, { scope: [] });

    expect([full, narrow, sameNarrow, oneRepo, emptyScope].map((t) => t.accessToken)).toEqual([
      'token-1',
      'token-2',
      'token-2',
      'token-3',
      'token-1',
    ]);
    expect(calls.map((c) => [c.scope, c.repository])).toEqual([
      [undefined, undefined],
      [['account', 'repository'], undefined],
      [['account', 'repository'], repository],
    ]);
  });

  it('never reuses a token across a rotated sharedSecret', async () => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    const before = await cache.getToken(alpha);
    const reinstalled = { ...alpha, sharedSecret: 'a-brand-new-secret-after-reinstall' };
    const after = await cache.getToken(reinstalled);
    expect(before.accessToken).not.toBe(after.accessToken);
    expect(calls.map((c) => c.installation.sharedSecret)).toEqual([alpha.sharedSecret, reinstalled.sharedSecret]);
  });

  it('invalidates one restriction, or every token of an installation, and nothing of another one', async () => {
    const time = clock();
    const { exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    const narrow = { scope: ['repository'] };
    await cache.getToken(alpha); // token-1
    await cache.getToken(alpha, narrow); // token-2
    await cache.getToken(beta); // token-3

    cache.invalidate(alpha.clientKey, { scope: ['repository', 'repository'] });
    expect((await cache.getToken(alpha)).accessToken).toBe('token-1');
    expect((await cache.getToken(alpha, narrow)).accessToken).toBe('token-4');

    cache.invalidate(alpha.clientKey);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-5');
    expect((await cache.getToken(alpha, narrow)).accessToken).toBe('token-6');
    expect((await cache.getToken(beta)).accessToken).toBe('token-3');
  });

  it('does not store a token whose exchange finished after an invalidate', async () => {
    const time = clock();
    const gate = deferred<void>();
    let count = 0;
    const exchange = async (): Promise<AccessToken> => {
      count += 1;
      if (count === 1) await gate.promise;
      return { accessToken: `token-${count}`, scopes: [], expiresAt: time.now() + HOUR, tokenType: 'bearer' };
    };
    const cache = createTokenCache({ exchange, now: time.now });
    const pending = cache.getToken(alpha);
    cache.invalidate(alpha.clientKey); // say, the app was uninstalled meanwhile
    gate.resolve();
    expect((await pending).accessToken).toBe('token-1');
    expect((await cache.getToken(alpha)).accessToken).toBe('token-2');
  });

  it('forces a new exchange on refresh: true, still one for concurrent refreshers', async () => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    await cache.getToken(alpha);
    const refreshed = await Promise.all(Array.from({ length: 10 }, () => cache.getToken(alpha, undefined, { refresh: true })));
    expect(new Set(refreshed.map((t) => t.accessToken))).toEqual(new Set(['token-2']));
    expect(calls).toHaveLength(2);
    expect((await cache.getToken(alpha)).accessToken).toBe('token-2');
  });

  it('after a failed refresh: true, never hands out the token that was refused', async () => {
    const time = clock();
    let calls = 0;
    const exchange = async (): Promise<AccessToken> => {
      calls += 1;
      if (calls === 2) throw new Error('the token endpoint is down');
      return { accessToken: `token-${calls}`, scopes: ['account'], expiresAt: time.now() + HOUR, tokenType: 'bearer' };
    };
    const cache = createTokenCache({ exchange, now: time.now });
    expect((await cache.getToken(alpha)).accessToken).toBe('token-1');
    // The API refused token-1 (a 401): the caller asks for a fresh one, and that exchange fails.
    await expect(cache.getToken(alpha, undefined, { refresh: true })).rejects.toThrow('the token endpoint is down');
    const next = await cache.getToken(alpha);
    expect(next.accessToken, 'the refused token-1 is gone: a new exchange gives token-3').toBe('token-3');
    expect(calls).toBe(3);
  });

  it.each([
    ['pending', { state: 'pending' as const }, 'ERR_INSTALLATION_PENDING'],
    ['uninstalled', { state: 'uninstalled' as const, principal: undefined, uninstalledAt: '2026-03-01T00:00:00Z' }, 'ERR_INSTALLATION_UNINSTALLED'],
  ])('refuses to act for a %s installation, exchanging nothing', async (_what, overrides, code) => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    await expect(cache.getToken({ ...alpha, ...overrides })).rejects.toMatchObject({ code });
    expect(calls).toHaveLength(0);
  });

  it('live, refuses an installation the simulated Bitbucket made; offline it is fine', async () => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const simulated = { ...alpha, origin: 'simulated' as const };
    await expect(createTokenCache({ exchange, now: time.now, live: true }).getToken(simulated)).rejects.toMatchObject({
      code: 'ERR_INSTALLATION_SIMULATED',
      message: expect.stringContaining('without LIVE=1'),
    });
    expect(calls).toHaveLength(0);
    expect((await createTokenCache({ exchange, now: time.now }).getToken(simulated)).accessToken).toBe('token-1');
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const time = clock();
    const { exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now, maxEntries: 2 });
    const gamma = installationFor('ari:cloud:bitbucket::app/{c}/jwt-grant-tutorial');
    await cache.getToken(alpha); // token-1
    await cache.getToken(beta); // token-2
    await cache.getToken(alpha); // used: beta is now the oldest
    await cache.getToken(gamma); // token-3, evicts beta
    expect((await cache.getToken(alpha)).accessToken).toBe('token-1');
    expect((await cache.getToken(beta)).accessToken).toBe('token-4');
  });

  it('hands out frozen tokens, so a caller cannot corrupt the cached one', async () => {
    const time = clock();
    const { exchange } = fakeExchange(time.now);
    const cache = createTokenCache({ exchange, now: time.now });
    const token = await cache.getToken(alpha);
    expect(() => {
      (token as { accessToken: string }).accessToken = 'tampered';
    }).toThrow(TypeError);
    expect(() => token.scopes.push('admin')).toThrow(TypeError);
  });

  it('passes exchangeOptions and its clock to the exchange; provider() gives the token string', async () => {
    const time = clock();
    const { calls, exchange } = fakeExchange(time.now);
    const fetchStub = (async () => new Response()) as typeof fetch;
    const cache = createTokenCache({
      exchange,
      now: time.now,
      exchangeOptions: { fetch: fetchStub, bitbucketUrl: 'https://mock.example', timeoutMs: 5_000 },
    });
    const provider = cache.provider(alpha, { scope: ['repository'] });
    expect(await provider()).toBe('token-1');
    expect(await provider()).toBe('token-1');
    expect(await provider({ refresh: true })).toBe('token-2');
    expect(calls[0]).toMatchObject({
      installation: alpha,
      scope: ['repository'],
      fetch: fetchStub,
      bitbucketUrl: 'https://mock.example',
      timeoutMs: 5_000,
      now: time.now,
    });
  });

  it('works with the real exchange: one HTTP call for repeated getToken', async () => {
    let posts = 0;
    const fetchStub = (async () => {
      posts += 1;
      return Response.json({ access_token: `real-${posts}`, expires_in: 7200, scopes: 'account', token_type: 'bearer' });
    }) as typeof fetch;
    const cache = createTokenCache({ exchangeOptions: { fetch: fetchStub }, now: () => T0 });
    expect((await cache.getToken(alpha)).accessToken).toBe('real-1');
    expect((await cache.getToken(alpha)).accessToken).toBe('real-1');
    expect(posts).toBe(1);
  });

  it("lets the exchange name an installation without a sharedSecret, and caches nothing", async () => {
    const cache = createTokenCache({ exchangeOptions: { fetch: (async () => Response.json({})) as typeof fetch } });
    const broken = { ...alpha, sharedSecret: undefined as unknown as string };
    await expect(cache.getToken(broken)).rejects.toMatchObject({ code: 'ERR_INSTALLATION_INCOMPLETE' });
    expect(cache.stats()).toEqual({ exchanges: 1, hits: 0 });
    await expect(cache.getToken(broken)).rejects.toMatchObject({ code: 'ERR_INSTALLATION_INCOMPLETE' });
    expect(cache.stats()).toEqual({ exchanges: 2, hits: 0 });
  });

  it('refuses nonsensical options', () => {
    expect(() => createTokenCache({ maxEntries: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => createTokenCache({ refreshMarginMs: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
