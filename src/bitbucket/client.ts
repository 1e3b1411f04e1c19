import { isLabError } from '../errors.ts';
import { backoffDelay } from '../http/backoff.ts';
import type { BackoffPolicy } from '../http/backoff.ts';
import { normaliseBaseUrl } from '../http/base-url.ts';
import { AbortedError, InvalidOptionError, RateLimitedError, ServerError } from '../http/errors.ts';
import { checkTimeoutMs, sendRequest } from '../http/send.ts';
import type { SentResponse } from '../http/send.ts';
import { quoteServerText } from '../http/server-text.ts';
import { sleep as defaultSleep } from '../http/sleep.ts';
import type { TokenProvider } from '../oauth/token-cache.ts';
import { followPages } from './follow-pages.ts';
import { RATE_LIMIT_POLICIES, type RateLimitPolicy } from './rate-limit.ts';
import { rateLimitWait } from './rate-limit-wait.ts';
import { refreshOnce } from './refresh-once.ts';
import type { ApiErrorDetails } from './errors.ts';
import {
  ApiError,
  ApiNotFoundError,
  ApiResponseInvalidError,
  ApiUnauthorizedError,
  PagelenError,
} from './errors.ts';

/**
 * A small client for Bitbucket's REST API 2.0 (docs/protocol.md, section 8), authenticated with the
 * access token of the JWT grant: `Authorization: Bearer <token>`.
 */

/**
 * Query parameters; `undefined` values are left out.
 *
 * @example client.get('/2.0/repositories/acme', { role: 'member', q: undefined })
 */
export type Query = Record<string, string | number | undefined>;

/**
 * When and how long the client retries a failure that is not a rate limit (see `rateLimit` for 429).
 *
 * @example createBitbucketClient({ apiUrl, token, retry: { maxRetries: 5, maxDelayMs: 4_000 } })
 */
export interface RetryOptions {
  /** Retries after 5xx, network errors and one timeout, together; default 3. */
  maxRetries?: number;
  /** Ceiling of the first backoff delay; default 250. */
  baseDelayMs?: number;
  /** No backoff delay exceeds this; default 8 000. */
  maxDelayMs?: number;
}

/**
 * What {@link BitbucketClientOptions.onRequest} is told.
 *
 * @example
 * const onRequest = ({ method, url, attempt, status }: RequestAttempt) =>
 *   console.log(status === undefined ? `→ ${method} ${url} (attempt ${attempt})` : `← ${status}`)
 */
export interface RequestAttempt {
  method: string;
  url: string;
  /** 1 for the first try of a call, then 2, 3, ... */
  attempt: number;
  /** Absent before the attempt is sent; the HTTP status once its answer arrived. */
  status?: number;
}

/**
 * Options of {@link createBitbucketClient}; `apiUrl` and `token` are required.
 *
 * @example
 * createBitbucketClient({ apiUrl: 'https://api.bitbucket.org', token: cache.provider(installation), timeoutMs: 5_000 })
 */
export interface BitbucketClientOptions {
  /** The API origin, e.g. `https://api.bitbucket.org`; paths start with `/2.0/`. */
  apiUrl: string;
  /** Called for every attempt; after a 401 it is called with `{ refresh: true }` and the call is retried once. */
  token: TokenProvider;
  fetch?: typeof fetch;
  /** Deadline of each attempt, in milliseconds; default 10 000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /**
   * How 429s are waited out: `rateLimitPolicy(config.live)` (src/bitbucket/rate-limit.ts). Default
   * the live policy (minutes), the safe one against real Bitbucket.
   */
  rateLimit?: RateLimitPolicy;
  /** Waits between retries; default a real, abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For backoff jitter; default `Math.random`. */
  random?: () => number;
  /** Epoch milliseconds, to read `Retry-After` dates; default `Date.now`. */
  now?: () => number;
  /** Called before each attempt (no `status`) and when its answer arrives (with `status`). */
  onRequest?: (info: RequestAttempt) => void;
  /** Follows `next` from page to page; default `followPages` (follow-pages.ts). `--mine` passes the learner's. */
  followPages?: typeof followPages;
  /** Meets a 401 with a fresh token, once; default `refreshOnce` (refresh-once.ts). `--mine` passes the learner's. */
  refreshOnce?: typeof refreshOnce;
  /** Decides the wait after a 429; default `rateLimitWait` (rate-limit-wait.ts). `--mine` passes the learner's. */
  rateLimitWait?: typeof rateLimitWait;
}

/** Where one call stands: its attempts, and the retries counted against the call's bounds. */
interface CallState {
  attempt: number;
  retries: number;
  rateLimitRetries: number;
  rateLimitWaitedMs: number;
  timeoutRetried: boolean;
}

/** How a run of attempts ended, short of an error: a success, or a 401 (`unauthorized`) for `refreshOnce` to judge. */
interface Attempted {
  status: number;
  data: unknown;
  unauthorized?: ApiErrorDetails;
}

/**
 * Options of {@link BitbucketClient.paginate}.
 *
 * @example client.paginate('/2.0/repositories/acme', { pagelen: 100, query: { role: 'member' }, maxPages: 5 })
 */
export interface PaginateOptions {
  /** Values per page, 1 to 100; Bitbucket's default is 10. */
  pagelen?: number;
  query?: Query;
  signal?: AbortSignal;
  /** Stop after this many pages, without error; default no limit. */
  maxPages?: number;
}

/**
 * The client {@link createBitbucketClient} returns.
 *
 * @example
 * const user = await client.get<{ display_name: string }>('/2.0/user')
 * for await (const repo of client.paginate<{ slug: string }>('/2.0/repositories/acme')) console.log(repo.slug)
 */
export interface BitbucketClient {
  /** GETs one resource and returns its JSON. */
  get<T>(path: string, query?: Query, o?: { signal?: AbortSignal }): Promise<T>;
  /** Yields the `values` of every page, following `next`. */
  paginate<T>(path: string, o?: PaginateOptions): AsyncIterableIterator<T>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_PAGELEN = 100;
/** Generous for a 100-value page of full repository objects; a bound against runaway bodies. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** Node timers hold at most this; a longer sleep would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const LESSON = 5;

/**
 * Encodes one path segment the way Bitbucket expects, so a workspace or repository `{uuid}`
 * becomes `%7B...%7D` and a slash cannot open another segment. `.` and `..` are refused: URL
 * parsing would resolve them into another path.
 *
 * @example
 * `/2.0/repositories/${encodePathSegment('{2f3e4d5c-0000-4000-8000-000000000001}')}`
 * // '/2.0/repositories/%7B2f3e4d5c-0000-4000-8000-000000000001%7D'
 */
export function encodePathSegment(segment: string): string {
  if (typeof segment !== 'string' || segment === '' || segment === '.' || segment === '..') {
    throw new InvalidOptionError(
      `A path segment must be a non-empty string other than "." and "..": got ${JSON.stringify(segment)}.`,
    );
  }
  return encodeURIComponent(segment);
}

/**
 * Creates a REST client bound to one API origin and one token provider.
 *
 * - A 401 triggers one token refresh (`token({ refresh: true })`) and one retry; a second 401 is
 *   `ERR_API_UNAUTHORIZED` (`refreshOnce`, refresh-once.ts).
 * - 5xx answers and network errors are retried after exponential backoff with full jitter, at
 *   most `retry.maxRetries` times in all; then `ERR_SERVER` or `ERR_NETWORK`.
 * - A 429 is waited out as `rateLimit` says (src/bitbucket/rate-limit.ts): after its
 *   `Retry-After` when it has one (seconds or an HTTP date; beyond `maxRetryAfterMs`, at once
 *   `ERR_RATE_LIMITED`), otherwise after the policy's own backoff, which is what Bitbucket's
 *   captured 429s call for (they carry none). At most `rateLimit.maxRetries` repeats and
 *   `rateLimit.maxTotalMs` of waiting for one call; then `ERR_RATE_LIMITED` (`rateLimitWait`,
 *   rate-limit-wait.ts).
 * - A timeout (`ERR_TIMEOUT`) is retried once: every call is a GET, so repeating it is safe, and a
 *   single stall is common; two in a row mean waiting longer would not help.
 * - Other errors: `ERR_API_NOT_FOUND` (404), `ERR_API` (quoting Bitbucket's `error.message` and
 *   `id`), `ERR_API_RESPONSE_INVALID`, `ERR_ABORTED`.
 * - The token never leaves the origin of `apiUrl`: redirects are followed only within it, and a
 *   `next` link elsewhere is `ERR_API_PAGINATION` (`followPages`, follow-pages.ts).
 *
 * @example
 * const client = createBitbucketClient({ apiUrl: installation.baseApiUrl, token: cache.provider(installation) })
 * const user = await client.get<{ display_name: string }>('/2.0/user')
 * for await (const repo of client.paginate<{ full_name: string }>(`/2.0/repositories/${encodePathSegment(ws)}`, { pagelen: 100 })) {
 *   console.log(repo.full_name)
 * }
 */
export function createBitbucketClient(o: BitbucketClientOptions): BitbucketClient {
  const apiUrl = normaliseBaseUrl(o.apiUrl, 'apiUrl');
  if (/\/2\.0$/.test(apiUrl)) {
    throw new InvalidOptionError(`apiUrl="${apiUrl}" ends in /2.0, but paths carry it: use ${apiUrl.slice(0, -4) || 'the origin'}.`);
  }
  const base = new URL(apiUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const fetchFn = o.fetch ?? fetch;
  const timeoutMs = checkTimeoutMs(o.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const maxRetries = count(o.retry?.maxRetries ?? 3, 'retry.maxRetries');
  const random = o.random ?? Math.random;
  const policy: BackoffPolicy = {
    baseDelayMs: count(o.retry?.baseDelayMs ?? 250, 'retry.baseDelayMs', MAX_TIMER_MS),
    maxDelayMs: count(o.retry?.maxDelayMs ?? 8_000, 'retry.maxDelayMs', MAX_TIMER_MS),
    random,
  };
  const rateLimit = checkRateLimit(o.rateLimit ?? RATE_LIMIT_POLICIES.live);
  const sleep = o.sleep ?? defaultSleep;
  const now = o.now ?? Date.now;
  const follow = o.followPages ?? followPages;
  const refresh = o.refreshOnce ?? refreshOnce;
  const waitAfter429 = o.rateLimitWait ?? rateLimitWait;

  /** True when `url` is under `apiUrl`: the only place the token may go. */
  function withinApi(url: URL): boolean {
    return url.origin === base.origin && (basePath === '' || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`));
  }

  function buildUrl(path: string, query: Query | undefined): URL {
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
      throw new InvalidOptionError(`path must start with a single "/", like "/2.0/user": got ${JSON.stringify(path)}.`);
    }
    const url = new URL(`${apiUrl}${path}`);
    if (!withinApi(url)) throw new InvalidOptionError(`path ${JSON.stringify(path)} resolves outside apiUrl ${apiUrl}.`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  async function pause(ms: number, signal: AbortSignal | undefined, target: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (error) {
      if (signal?.aborted) throw new AbortedError(target, signal.reason, LESSON);
      throw error;
    }
    if (signal?.aborted) throw new AbortedError(target, signal.reason, LESSON);
  }

  /**
   * One call: `refreshOnce` gives `attempts` a token, and a fresh one after a 401 (once); the
   * retries for 429s, 5xx, network errors and timeouts are counted over the whole call.
   */
  async function request(start: URL, signal: AbortSignal | undefined): Promise<{ status: number; data: unknown }> {
    const call: CallState = { attempt: 0, retries: 0, rateLimitRetries: 0, rateLimitWaitedMs: 0, timeoutRetried: false };
    const answer = await refresh(o.token, (accessToken) => attempts(start, signal, accessToken, call));
    if (answer.unauthorized) throw new ApiUnauthorizedError(answer.unauthorized);
    return answer;
  }

  /** Sends `start` with `accessToken` until an answer settles it: a success, a 401 (for `refreshOnce`), or an error thrown. */
  async function attempts(start: URL, signal: AbortSignal | undefined, accessToken: string, call: CallState): Promise<Attempted> {
    let url = start;
    let redirects = 0;
    for (;;) {
      const target = `GET ${url.href}`;
      call.attempt += 1;
      const attempt = call.attempt;
      o.onRequest?.({ method: 'GET', url: url.href, attempt });
      let response: SentResponse;
      try {
        response = await sendRequest({
          fetch: fetchFn,
          url: url.href,
          init: { method: 'GET', headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }, redirect: 'manual' },
          timeoutMs,
          signal,
          maxBodyBytes: MAX_RESPONSE_BYTES,
          target,
          lesson: LESSON,
        });
      } catch (error) {
        const timedOut = isLabError(error, 'ERR_TIMEOUT');
        const retryable = isLabError(error, 'ERR_NETWORK') || (timedOut && !call.timeoutRetried);
        if (!retryable || call.retries >= maxRetries) throw error;
        call.timeoutRetried ||= timedOut;
        await pause(backoffDelay(call.retries, policy), signal, target);
        call.retries += 1;
        continue;
      }
      const { status } = response;
      o.onRequest?.({ method: 'GET', url: url.href, attempt, status });
      const secrets = [accessToken];

      if (status >= 200 && status < 300) return { status, data: parseBody(response, target, secrets) };
      if (status >= 300 && status < 400) {
        const location = response.headers.get('location');
        const next = location === null ? undefined : parseUrl(location, url);
        if (next && withinApi(next) && redirects < MAX_REDIRECTS) {
          redirects += 1;
          url = next;
          continue;
        }
        const where = next ? ` to ${next.origin}${next.pathname}` : '';
        throw new ApiError(
          errorDetails(response, target, secrets),
          `It redirects${where}, which is not followed with the token (outside apiUrl, or too many redirects). Request the final URL's path instead.`,
        );
      }
      if (status === 401) return { status, data: undefined, unauthorized: errorDetails(response, target, secrets) };
      if (status === 429) {
        const { waitMs, retryAfterMs } = waitAfter429({
          retryAfter: response.headers.get('retry-after'),
          repeats: call.rateLimitRetries,
          waitedMs: call.rateLimitWaitedMs,
          policy: rateLimit,
          now: now(),
          random,
        });
        if (waitMs !== undefined) {
          await pause(waitMs, signal, target);
          call.rateLimitRetries += 1;
          call.rateLimitWaitedMs += waitMs;
          continue;
        }
        throw new RateLimitedError({
          target,
          retryAfterMs,
          serverText: errorDetails(response, target, secrets).serverText,
          hint: rateLimitHint({ retryAfterMs, policy: rateLimit, repeats: call.rateLimitRetries, waitedMs: call.rateLimitWaitedMs }),
          lesson: LESSON,
        });
      }
      if (status >= 500) {
        if (call.retries < maxRetries) {
          await pause(backoffDelay(call.retries, policy), signal, target);
          call.retries += 1;
          continue;
        }
        throw new ServerError({ target, status, serverText: errorDetails(response, target, secrets).serverText, attempts: attempt, lesson: LESSON });
      }
      const details = errorDetails(response, target, secrets);
      if (status === 404) throw new ApiNotFoundError(details);
      throw new ApiError(details);
    }
  }

  return {
    async get<T>(path: string, query?: Query, opts?: { signal?: AbortSignal }): Promise<T> {
      return (await request(buildUrl(path, query), opts?.signal)).data as T;
    },
    paginate<T>(path: string, opts: PaginateOptions = {}): AsyncIterableIterator<T> {
      const { maxPages = Number.POSITIVE_INFINITY } = opts;
      // A pagelen given in `query` is checked too, not silently dropped or sent unchecked.
      const requested = opts.pagelen ?? opts.query?.pagelen;
      const pagelen = requested === undefined ? undefined : Number(requested);
      if (pagelen !== undefined && (!Number.isInteger(pagelen) || pagelen < 1 || pagelen > MAX_PAGELEN)) {
        throw new PagelenError(requested);
      }
      if (maxPages !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxPages) || maxPages < 1)) {
        throw new InvalidOptionError(`maxPages=${maxPages} must be a whole number, 1 or more.`);
      }
      // Checked here, not on the first next(): a bad path or pagelen fails where it is written.
      const first = buildUrl(path, { ...opts.query, pagelen });
      return follow<T>(first, { get: (url) => request(url, opts.signal), withinApi, apiUrl, maxPages });
    },
  };
}

/** Why the client stopped waiting out a 429, and what to do. */
function rateLimitHint(o: { retryAfterMs: number | undefined; policy: RateLimitPolicy; repeats: number; waitedMs: number }): string {
  const why =
    o.retryAfterMs !== undefined && o.retryAfterMs > o.policy.maxRetryAfterMs
      ? `That is longer than this client waits (rateLimit.maxRetryAfterMs, ${formatWait(o.policy.maxRetryAfterMs)}).`
      : `The client repeated the call ${o.repeats} time${o.repeats === 1 ? '' : 's'}, waiting ${formatWait(o.waitedMs)} in all, and stops there (its rateLimit policy).`;
  return (
    `${why} Bitbucket counts calls in rolling one-hour windows (1,000 an hour for a Connect app): wait some minutes, ` +
    'then make fewer calls (pagelen: 100 fetches 10 times fewer pages).'
  );
}

/** `450 ms`, `2.5 s`, `4 min`. */
function formatWait(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

/** Every field of a rate-limit policy is a whole number a timer can hold. */
function checkRateLimit(policy: RateLimitPolicy): RateLimitPolicy {
  return {
    maxRetries: count(policy.maxRetries, 'rateLimit.maxRetries'),
    firstDelayMs: count(policy.firstDelayMs, 'rateLimit.firstDelayMs', MAX_TIMER_MS),
    minDelayMs: count(policy.minDelayMs, 'rateLimit.minDelayMs', MAX_TIMER_MS),
    maxDelayMs: count(policy.maxDelayMs, 'rateLimit.maxDelayMs', MAX_TIMER_MS),
    maxTotalMs: count(policy.maxTotalMs, 'rateLimit.maxTotalMs'),
    maxRetryAfterMs: count(policy.maxRetryAfterMs, 'rateLimit.maxRetryAfterMs', MAX_TIMER_MS),
  };
}

function count(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new InvalidOptionError(`${name}=${value} must be a whole number from 0 to ${max}.`);
  }
  return value;
}

/** `new URL(value, base)`, or undefined when it does not parse (Node 20 has no `URL.parse`). */
function parseUrl(value: string, base: URL): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

function parseBody(response: SentResponse, target: string, secrets: string[]): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    throw new ApiResponseInvalidError({
      target,
      status: response.status,
      problem: 'the body is not JSON',
      serverText: quoteServerText(response.body, secrets),
    });
  }
}

/** Bitbucket's error JSON (`{"type": "error", "error": {"message", "detail", "id"}}`), or the body's start. */
function errorDetails(response: SentResponse, target: string, secrets: string[]): ApiErrorDetails {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  if (error && typeof error.message === 'string') {
    const detail = typeof error.detail === 'string' ? ` ${error.detail}` : '';
    const id = typeof error.id === 'string' ? error.id : isRecord(json) && typeof json.id === 'string' ? json.id : undefined;
    return {
      target,
      status: response.status,
      serverText: quoteServerText(`${error.message}${detail}`, secrets),
      errorId: id === undefined ? undefined : quoteServerText(id, [], 80),
    };
  }
  return { target, status: response.status, serverText: quoteServerText(response.body, secrets), errorId: undefined };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
