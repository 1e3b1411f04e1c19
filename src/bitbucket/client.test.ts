import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBitbucketClient, encodePathSegment } from './client.ts';
import type { BitbucketClientOptions, RequestAttempt } from './client.ts';
import { RATE_LIMIT_POLICIES, rateLimitPolicy } from './rate-limit.ts';

const API = 'https://api.bitbucket.example';
const NOW = Date.parse('2026-03-01T12:00:00Z');

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A token provider that hands out token-1, then token-2 after each refresh, and records its calls. */
function tokens() {
  const calls: Array<{ refresh?: boolean } | undefined> = [];
  let current = 1;
  const token = async (o?: { refresh?: boolean }) => {
    calls.push(o);
    if (o?.refresh) current += 1;
    return `token-${current}`;
  };
  return { calls, token };
}

/** More delays than any bounded retry policy here asks for: a client past it is looping. */
const MAX_FAKE_SLEEPS = 20;

/**
 * A sleep that records its delays and returns at once: no real time passes. Past
 * {@link MAX_FAKE_SLEEPS} it throws, so a client that retries without bound fails the test at
 * once instead of spinning until the test times out.
 */
function sleeps() {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
    if (delays.length > MAX_FAKE_SLEEPS) {
      throw new Error(`the client slept ${delays.length} times (${delays.slice(0, 5).join(', ')}, ...): a retry without bound`);
    }
  };
  return { delays, sleep };
}

function client(extra: Partial<BitbucketClientOptions> = {}) {
  const t = tokens();
  const s = sleeps();
  const requests: RequestAttempt[] = [];
  const bitbucket = createBitbucketClient({
    apiUrl: API,
    token: t.token,
    sleep: s.sleep,
    random: () => 0.5,
    now: () => NOW,
    onRequest: (info) => requests.push(info),
    ...extra,
  });
  return { bitbucket, tokenCalls: t.calls, delays: s.delays, requests };
}

/** Serves `answers` in turn to GET `url`, recording each request's Authorization header. */
function answers(url: string, ...responses: Array<() => Response>): string[] {
  const auth: string[] = [];
  server.use(
    http.get(url, ({ request }) => {
      auth.push(request.headers.get('authorization') ?? '');
      const respond = responses[Math.min(auth.length - 1, responses.length - 1)];
      return respond ? respond() : new HttpResponse(null, { status: 500 });
    }),
  );
  return auth;
}

const errorBody = (message: string, status: number, id?: string) =>
  HttpResponse.json({ type: 'error', error: { message, ...(id ? { id } : {}) } }, { status });

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterator) values.push(value);
  return values;
}

describe('encodePathSegment', () => {
  it('encodes a {uuid} as %7B...%7D and keeps a slug as is', () => {
    expect(encodePathSegment('{2f3e4d5c-0000-4000-8000-000000000001}')).toBe('%7B2f3e4d5c-0000-4000-8000-000000000001%7D');
    expect(encodePathSegment('my-workspace')).toBe('my-workspace');
  });

  it('keeps a slash or a query inside the segment', () => {
    expect(encodePathSegment('a/b?c#d')).toBe('a%2Fb%3Fc%23d');
  });

  it.each(['', '.', '..'])('refuses %j, which would change the path', (segment) => {
    expect(() => encodePathSegment(segment)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

describe('createBitbucketClient: get', () => {
  it('sends the Bearer token and query, and returns the JSON', async () => {
    let seen: Request | undefined;
    server.use(
      http.get(`${API}/2.0/repositories/:workspace`, ({ request }) => {
        seen = request;
        return HttpResponse.json({ ok: true });
      }),
    );
    const { bitbucket } = client();
    const ws = encodePathSegment('{2f3e4d5c-0000-4000-8000-000000000001}');
    const result = await bitbucket.get<{ ok: boolean }>(`/2.0/repositories/${ws}?role=member`, { q: 'name ~ "x"', page: 2, skip: undefined });
    expect(result).toEqual({ ok: true });
    expect(seen?.headers.get('authorization')).toBe('Bearer token-1');
    expect(seen?.headers.get('accept')).toBe('application/json');
    const url = new URL(seen?.url ?? '');
    expect(url.pathname).toBe('/2.0/repositories/%7B2f3e4d5c-0000-4000-8000-000000000001%7D');
    expect(Object.fromEntries(url.searchParams)).toEqual({ role: 'member', q: 'name ~ "x"', page: '2' });
  });

  it('refuses a path that is not a single-slash absolute path', () => {
    const { bitbucket } = client();
    for (const path of ['2.0/user', '//evil.example/2.0/user', 'https://evil.example/2.0/user']) {
      expect(() => bitbucket.paginate(path)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    }
  });

  it('refuses an apiUrl that already ends in /2.0', () => {
    expect(() => createBitbucketClient({ apiUrl: `${API}/2.0`, token: async () => 't' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(API) }),
    );
  });

  it('quotes the message and id of Bitbucket\'s error body (ERR_API)', async () => {
    answers(`${API}/2.0/repositories/acme/widget`, () =>
      errorBody('Your credentials lack one or more required privilege scopes.', 403, 'a1b2c3d4'),
    );
    const error = await client().bitbucket.get('/2.0/repositories/acme/widget').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_API',
      status: 403,
      lesson: 5,
      serverText: 'Your credentials lack one or more required privilege scopes.',
      errorId: 'a1b2c3d4',
    });
    expect((error as Error).message).toContain('"Your credentials lack one or more required privilege scopes."');
    expect((error as Error).message).toContain('error id a1b2c3d4');
    expect((error as Error).message).toContain('scopes');
  });

  it('quotes the start of a body that is not Bitbucket\'s error JSON', async () => {
    answers(`${API}/2.0/user`, () => new HttpResponse(`<html>${'teapot '.repeat(100)}</html>`, { status: 418 }));
    const error = (await client().bitbucket.get('/2.0/user').catch((e: unknown) => e)) as { code: string; serverText: string };
    expect(error.code).toBe('ERR_API');
    expect(error.serverText.startsWith('<html>teapot teapot')).toBe(true);
    expect(error.serverText.length).toBeLessThanOrEqual(201);
  });

  it('maps 404 to ERR_API_NOT_FOUND with a hint about {uuid} segments', async () => {
    answers(`${API}/2.0/repositories/acme/nope`, () => errorBody('Repository acme/nope not found', 404));
    const error = await client().bitbucket.get('/2.0/repositories/acme/nope').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_API_NOT_FOUND', status: 404, serverText: 'Repository acme/nope not found' });
    expect((error as Error).message).toContain('encodePathSegment');
  });

  it('maps a 200 that is not JSON to ERR_API_RESPONSE_INVALID', async () => {
    answers(`${API}/2.0/user`, () => new HttpResponse('<html>sign in</html>', { status: 200 }));
    await expect(client().bitbucket.get('/2.0/user')).rejects.toMatchObject({
      code: 'ERR_API_RESPONSE_INVALID',
      status: 200,
      serverText: '<html>sign in</html>',
    });
  });

  it('never puts the access token in an error, even when the server echoes it', async () => {
    answers(`${API}/2.0/user`, () => errorBody('bad request for token-1-is-a-long-secret-value', 400));
    const error = await client({ token: async () => 'token-1-is-a-long-secret-value' })
      .bitbucket.get('/2.0/user')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_API', status: 400 });
    expect((error as Error).message).not.toContain('token-1-is-a-long-secret-value');
  });
});

describe('createBitbucketClient: 401 and refresh', () => {
  it('refreshes the token once after a 401 and retries with the new one', async () => {
    const auth = answers(`${API}/2.0/user`, () => errorBody('Access token expired.', 401), () => HttpResponse.json({ username: 'ada' }));
    const { bitbucket, tokenCalls, delays } = client();
    await expect(bitbucket.get('/2.0/user')).resolves.toEqual({ username: 'ada' });
    expect(auth).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(tokenCalls).toEqual([undefined, { refresh: true }]);
    expect(delays).toEqual([]);
  });

  it('gives ERR_API_UNAUTHORIZED when the fresh token is refused too', async () => {
    const auth = answers(`${API}/2.0/user`, () => errorBody('Token is invalid, expired, or not supported for this endpoint.', 401));
    const error = await client().bitbucket.get('/2.0/user').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_API_UNAUTHORIZED',
      status: 401,
      serverText: 'Token is invalid, expired, or not supported for this endpoint.',
    });
    expect(auth).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});

/** Bitbucket's 429 as captured (Jenkins Bitbucket branch source plugin, PR 414): text/plain, no Retry-After. */
const bitbucket429 = () =>
  new HttpResponse('Rate limit for this resource has been exceeded', { status: 429, headers: { 'Content-Type': 'text/plain' } });

describe('createBitbucketClient: rate limits (docs/protocol.md section 8: 429, text/plain, no Retry-After)', () => {
  it('backs off on its own after a 429 without Retry-After, then succeeds', async () => {
    const auth = answers(`${API}/2.0/user`, bitbucket429, () => HttpResponse.json({ ok: 1 }));
    const { bitbucket, delays } = client({ rateLimit: RATE_LIMIT_POLICIES.offline });
    await expect(bitbucket.get('/2.0/user')).resolves.toEqual({ ok: 1 });
    expect(delays).toEqual([175]); // the 100 ms floor plus half of the 150 ms up to the 250 ms ceiling
    expect(auth).toEqual(['Bearer token-1', 'Bearer token-1']);
  });

  it('live: waits minutes, not seconds, growing per repeat within the total cap, then ERR_RATE_LIMITED', async () => {
    const auth = answers(`${API}/2.0/user`, bitbucket429);
    const { bitbucket, delays } = client({ rateLimit: rateLimitPolicy(true) });
    const error = await bitbucket.get('/2.0/user').catch((e: unknown) => e);
    expect(delays).toEqual([45_000, 75_000, 135_000]); // floors of 30 s, ceilings of 1, 2 and 4 min, random 0.5
    expect(delays.reduce((a, b) => a + b)).toBeLessThanOrEqual(RATE_LIMIT_POLICIES.live.maxTotalMs);
    expect(auth).toHaveLength(4);
    expect(error).toMatchObject({
      code: 'ERR_RATE_LIMITED',
      status: 429,
      retryAfterMs: undefined,
      serverText: 'Rate limit for this resource has been exceeded',
    });
    expect((error as Error).message).toContain('no Retry-After');
    expect((error as Error).message).toContain('repeated the call 3 times, waiting 4.3 min in all');
    expect((error as Error).message).toContain('1,000 an hour');
  });

  it('defaults to the live policy, the safe one against real Bitbucket', async () => {
    answers(`${API}/2.0/user`, bitbucket429, () => HttpResponse.json({}));
    const { bitbucket, delays } = client();
    await bitbucket.get('/2.0/user');
    expect(delays).toEqual([45_000]);
  });

  it('offline: 100 to 500 ms per wait, whatever the jitter', async () => {
    for (const random of [0, 0.999_999]) {
      answers(`${API}/2.0/user`, bitbucket429);
      const { bitbucket, delays } = client({ rateLimit: rateLimitPolicy(false), random: () => random });
      await expect(bitbucket.get('/2.0/user')).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
      expect(delays).toHaveLength(RATE_LIMIT_POLICIES.offline.maxRetries);
      for (const ms of delays) {
        expect(ms).toBeGreaterThanOrEqual(100);
        expect(ms).toBeLessThanOrEqual(500);
      }
    }
  });

  it('stops before a wait that would pass maxTotalMs', async () => {
    const auth = answers(`${API}/2.0/user`, bitbucket429);
    const policy = { ...RATE_LIMIT_POLICIES.offline, maxRetries: 10, maxTotalMs: 500 };
    const { bitbucket, delays } = client({ rateLimit: policy });
    await expect(bitbucket.get('/2.0/user')).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
    expect(delays).toEqual([175, 300]); // a third wait (300 again, at the 500 ms ceiling) would make 775 > 500
    expect(auth).toHaveLength(3);
  });

  it('does not count 429s against retry.maxRetries, nor 5xx against rateLimit.maxRetries', async () => {
    answers(
      `${API}/2.0/user`,
      bitbucket429,
      () => errorBody('Something went wrong', 500),
      bitbucket429,
      () => errorBody('Something went wrong', 500),
      () => HttpResponse.json({ ok: true }),
    );
    const { bitbucket, delays } = client({ retry: { maxRetries: 2 }, rateLimit: { ...RATE_LIMIT_POLICIES.offline, maxRetries: 2 } });
    await expect(bitbucket.get('/2.0/user')).resolves.toEqual({ ok: true });
    expect(delays).toHaveLength(4);
  });

  it('still honours Retry-After seconds if a 429 ever carries one', async () => {
    const auth = answers(
      `${API}/2.0/user`,
      () => new HttpResponse('Rate limit for this resource has been exceeded', { status: 429, headers: { 'Retry-After': '7' } }),
      () => HttpResponse.json({ ok: 1 }),
    );
    const { bitbucket, delays } = client();
    await expect(bitbucket.get('/2.0/user')).resolves.toEqual({ ok: 1 });
    expect(delays).toEqual([7_000]);
    expect(auth).toEqual(['Bearer token-1', 'Bearer token-1']);
  });

  it('honours a Retry-After HTTP date, measured with the injected clock', async () => {
    let n = 0;
    server.use(
      http.get(`${API}/2.0/user`, () =>
        ++n === 1 ? new HttpResponse(null, { status: 429, headers: { 'Retry-After': 'Sun, 01 Mar 2026 12:00:42 GMT' } }) : HttpResponse.json({}),
      ),
    );
    const { bitbucket, delays } = client();
    await bitbucket.get('/2.0/user');
    expect(delays).toEqual([42_000]);
  });

  it('fails at once with ERR_RATE_LIMITED when Retry-After is beyond rateLimit.maxRetryAfterMs', async () => {
    const auth = answers(`${API}/2.0/user`, () =>
      HttpResponse.json({ type: 'error', error: { message: 'Rate limit exceeded' } }, { status: 429, headers: { 'Retry-After': '3600' } }),
    );
    const { bitbucket, delays } = client();
    const error = await bitbucket.get('/2.0/user').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RATE_LIMITED', status: 429, retryAfterMs: 3_600_000, serverText: 'Rate limit exceeded' });
    expect((error as Error).message).toContain('longer than this client waits');
    expect(delays).toEqual([]);
    expect(auth).toHaveLength(1);
  });

  it('gives ERR_RATE_LIMITED once the 429 repeats are spent', async () => {
    const auth = answers(`${API}/2.0/user`, () => new HttpResponse(null, { status: 429, headers: { 'Retry-After': '1' } }));
    const { bitbucket, delays } = client({ rateLimit: { ...RATE_LIMIT_POLICIES.live, maxRetries: 2 } });
    await expect(bitbucket.get('/2.0/user')).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED', retryAfterMs: 1_000 });
    expect(delays).toEqual([1_000, 1_000]);
    expect(auth).toHaveLength(3);
  });

  it('refuses a rate-limit policy a timer cannot hold', () => {
    expect(() => client({ rateLimit: { ...RATE_LIMIT_POLICIES.live, maxRetryAfterMs: 2 ** 31 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('rateLimit.maxRetryAfterMs') }),
    );
    expect(() => client({ rateLimit: { ...RATE_LIMIT_POLICIES.live, maxRetries: -1 } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

describe('createBitbucketClient: the fake sleep of these tests', () => {
  it('fails fast when a client retries without bound, instead of hanging the run', async () => {
    answers(`${API}/2.0/user`, bitbucket429);
    const unbounded = { ...RATE_LIMIT_POLICIES.offline, maxRetries: 1_000_000, maxTotalMs: Number.MAX_SAFE_INTEGER };
    const { bitbucket, delays } = client({ rateLimit: unbounded });
    await expect(bitbucket.get('/2.0/user')).rejects.toThrow(/retry without bound/);
    expect(delays).toHaveLength(MAX_FAKE_SLEEPS + 1);
  });
});

describe('createBitbucketClient: retries', () => {
  it('retries a 500 after a jittered backoff, then succeeds', async () => {
    answers(`${API}/2.0/user`, () => errorBody('Something went wrong', 500), () => HttpResponse.json({ ok: true }));
    const { bitbucket, delays, requests } = client();
    await expect(bitbucket.get('/2.0/user')).resolves.toEqual({ ok: true });
    expect(delays).toEqual([125]);
    expect(requests).toEqual([
      { method: 'GET', url: `${API}/2.0/user`, attempt: 1 },
      { method: 'GET', url: `${API}/2.0/user`, attempt: 1, status: 500 },
      { method: 'GET', url: `${API}/2.0/user`, attempt: 2 },
      { method: 'GET', url: `${API}/2.0/user`, attempt: 2, status: 200 },
    ]);
  });

  it('gives ERR_SERVER, quoting the last answer, when 5xx outlasts the retries', async () => {
    const auth = answers(`${API}/2.0/user`, () => errorBody('Service temporarily unavailable', 503, 'deadbeef'));
    const { bitbucket, delays } = client({ retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 300 } });
    const error = await bitbucket.get('/2.0/user').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SERVER', status: 503, attempts: 4, serverText: 'Service temporarily unavailable' });
    expect((error as Error).message).toContain('after 4 attempts');
    expect(delays).toEqual([50, 100, 150]); // half of 100, 200, then the 300 cap
    expect(auth).toHaveLength(4);
  });

  it('retries network errors, then gives ERR_NETWORK', async () => {
    let calls = 0;
    const refused = async () => {
      calls += 1;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    const { bitbucket, delays } = client({ fetch: refused, retry: { maxRetries: 2 } });
    await expect(bitbucket.get('/2.0/user')).rejects.toMatchObject({ code: 'ERR_NETWORK', systemCode: 'ECONNREFUSED' });
    expect(calls).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it('retries a timeout once, then gives ERR_TIMEOUT', async () => {
    let calls = 0;
    const hanging = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        calls += 1;
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const { bitbucket } = client({ fetch: hanging, timeoutMs: 20 });
    await expect(bitbucket.get('/2.0/user')).rejects.toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 20 });
    expect(calls).toBe(2);
  });

  it('succeeds when the retry after a timeout answers', async () => {
    let calls = 0;
    const slowThenFast = (_url: string | URL | Request, init?: RequestInit) =>
      ++calls === 1
        ? new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
        : Promise.resolve(Response.json({ ok: true }));
    const { bitbucket } = client({ fetch: slowThenFast, timeoutMs: 20 });
    await expect(bitbucket.get('/2.0/user')).resolves.toEqual({ ok: true });
  });

  it('stops with ERR_ABORTED when the caller aborts during a retry wait', async () => {
    answers(`${API}/2.0/user`, () => new HttpResponse(null, { status: 503 }));
    const controller = new AbortController();
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
        controller.abort();
      });
    const { bitbucket } = client({ sleep });
    await expect(bitbucket.get('/2.0/user', {}, { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('refuses retry options a timer cannot hold', () => {
    expect(() => client({ retry: { maxDelayMs: 2 ** 31 } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => client({ retry: { maxRetries: -1 } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

describe('createBitbucketClient: redirects', () => {
  it('follows a redirect within apiUrl, with the token', async () => {
    answers(`${API}/2.0/repositories/acme/old-name`, () => new HttpResponse(null, { status: 301, headers: { Location: '/2.0/repositories/acme/new-name' } }));
    const auth = answers(`${API}/2.0/repositories/acme/new-name`, () => HttpResponse.json({ slug: 'new-name' }));
    await expect(client().bitbucket.get('/2.0/repositories/acme/old-name')).resolves.toEqual({ slug: 'new-name' });
    expect(auth).toEqual(['Bearer token-1']);
  });

  it('does not follow a redirect to another origin', async () => {
    answers(`${API}/2.0/user`, () => new HttpResponse(null, { status: 302, headers: { Location: 'https://evil.example/steal' } }));
    const stolen = answers('https://evil.example/steal', () => HttpResponse.json({}));
    const error = await client().bitbucket.get('/2.0/user').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_API', status: 302 });
    expect((error as Error).message).toContain('https://evil.example/steal');
    expect(stolen).toEqual([]);
  });
});

describe('createBitbucketClient: paginate', () => {
  const REPOS = `${API}/2.0/repositories/acme`;
  const all = Array.from({ length: 23 }, (_, i) => ({ slug: `repo-${i + 1}` }));

  /** Serves `all` in pages the way Bitbucket does: absolute `next`, none on the last page. */
  function pagedRepositories(next: (page: number, url: URL) => string | undefined = (page, url) => {
    const following = new URL(url);
    following.searchParams.set('page', String(page + 1));
    return following.href;
  }): URL[] {
    const seen: URL[] = [];
    server.use(
      http.get(REPOS, ({ request }) => {
        const url = new URL(request.url);
        seen.push(url);
        const pagelen = Number(url.searchParams.get('pagelen') ?? 10);
        const page = Number(url.searchParams.get('page') ?? 1);
        const values = all.slice((page - 1) * pagelen, page * pagelen);
        const last = page * pagelen >= all.length;
        return HttpResponse.json({ pagelen, page, size: all.length, values, ...(last ? {} : { next: next(page, url) }) });
      }),
    );
    return seen;
  }

  it('follows next through 3 pages of 10 and yields all 23 values in order', async () => {
    const seen = pagedRepositories();
    const values = await collect(client().bitbucket.paginate<{ slug: string }>('/2.0/repositories/acme', { pagelen: 10 }));
    expect(values.map((v) => v.slug)).toEqual(all.map((v) => v.slug));
    expect(seen.map((u) => u.search)).toEqual(['?pagelen=10', '?pagelen=10&page=2', '?pagelen=10&page=3']);
  });

  it('takes a pagelen given in query like the option', async () => {
    const seen = pagedRepositories();
    const values = await collect(client().bitbucket.paginate('/2.0/repositories/acme', { query: { pagelen: 20 } }));
    expect(values).toHaveLength(23);
    expect(seen.map((u) => u.searchParams.get('pagelen'))).toEqual(['20', '20']);
  });

  it('stops after maxPages without error', async () => {
    const seen = pagedRepositories();
    const values = await collect(client().bitbucket.paginate('/2.0/repositories/acme', { pagelen: 10, maxPages: 2 }));
    expect(values).toHaveLength(20);
    expect(seen).toHaveLength(2);
  });

  it('is lazy: breaking out early fetches no further page', async () => {
    const seen = pagedRepositories();
    for await (const _value of client().bitbucket.paginate('/2.0/repositories/acme', { pagelen: 10 })) break;
    expect(seen).toHaveLength(1);
  });

  it('refuses a next link on another origin, never sending it the token', async () => {
    pagedRepositories(() => 'https://evil.example/2.0/repositories/acme?page=2');
    const stolen = answers('https://evil.example/2.0/repositories/acme', () => HttpResponse.json({ values: [] }));
    const iterator = client().bitbucket.paginate('/2.0/repositories/acme', { pagelen: 10 });
    const values: unknown[] = [];
    const error = await (async () => {
      for await (const value of iterator) values.push(value);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_API_PAGINATION', lesson: 5 });
    expect((error as Error).message).toContain('https://evil.example');
    expect(values).toHaveLength(10);
    expect(stolen).toEqual([]);
  });

  it('refuses a next link that repeats a page (no endless loop)', async () => {
    pagedRepositories((_page, url) => url.href);
    await expect(collect(client().bitbucket.paginate('/2.0/repositories/acme', { pagelen: 10 }))).rejects.toMatchObject({
      code: 'ERR_API_PAGINATION',
    });
  });

  it('refuses a pagelen outside 1..100 before sending anything', () => {
    const { bitbucket } = client();
    for (const pagelen of [0, 101, 10.5]) {
      expect(() => bitbucket.paginate('/2.0/repositories/acme', { pagelen })).toThrow(
        expect.objectContaining({ code: 'ERR_PAGELEN', pagelen }),
      );
    }
    expect(() => bitbucket.paginate('/2.0/repositories/acme', { query: { pagelen: '500' } })).toThrow(
      expect.objectContaining({ code: 'ERR_PAGELEN', pagelen: '500' }),
    );
  });

  it('refuses a body that is not a page', async () => {
    answers(REPOS, () => HttpResponse.json({ slug: 'not-a-page' }));
    await expect(collect(client().bitbucket.paginate('/2.0/repositories/acme'))).rejects.toMatchObject({
      code: 'ERR_API_RESPONSE_INVALID',
    });
  });
});
