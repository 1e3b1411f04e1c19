import { backoffDelay } from '../../../../src/http/backoff.ts';
import { parseRetryAfter } from '../../../../src/http/retry-after.ts';
import type { RateLimitPolicy } from '../../../../src/bitbucket/rate-limit.ts';

/**
 * How long the REST client waits after a 429 before it repeats the call, or whether it gives up
 * (docs/protocol.md §8; lesson 5's notes, "Rate limits"). Bitbucket's captured 429s carry **no
 * `Retry-After`**: the client picks its own wait, by the policy of its mode (rate-limit.ts), growing
 * and jittered, within bounds. A `Retry-After`, should one ever come, is honoured as it is.
 *
 * Lesson 5's exercise `back-off` is this file with the `#region exercise` part left for the learner
 * to write (lessons/05-api-call/exercises/back-off/); a test keeps the two equal outside that region.
 */

/**
 * What the client knows when a 429 arrives.
 *
 * @example
 * const input: RateLimitInput = { retryAfter: response.headers.get('retry-after'), repeats: 0, waitedMs: 0,
 *   policy: RATE_LIMIT_POLICIES.live, now: Date.now(), random: Math.random }
 */
export interface RateLimitInput {
  /** The 429's `Retry-After` header (seconds, or an HTTP date); null when absent, as from Bitbucket. */
  retryAfter: string | null;
  /** How many times this call was already repeated after a 429 (0 at the first 429). */
  repeats: number;
  /** How long this call already waited for 429s, in milliseconds. */
  waitedMs: number;
  /** The mode's policy: `rateLimitPolicy(config.live)`. */
  policy: RateLimitPolicy;
  /** Epoch milliseconds, to read a `Retry-After` date. */
  now: number;
  /** `Math.random`-like, for the jitter. */
  random: () => number;
}

/**
 * The decision: wait `waitMs` then repeat the call, or (`waitMs` undefined) give up with
 * `ERR_RATE_LIMITED`. `retryAfterMs` is what `Retry-After` asked for, when it was there and
 * readable, for the error's message.
 *
 * @example { waitMs: 41_250, retryAfterMs: undefined }
 */
export interface RateLimitWait {
  waitMs: number | undefined;
  retryAfterMs: number | undefined;
}

/**
 * The wait after one 429: `Retry-After` when the answer has one (`parseRetryAfter`), otherwise the
 * policy's own backoff (`backoffDelay`: between `minDelayMs` and `firstDelayMs` at random for the
 * first repeat, each later ceiling twice the last, never above `maxDelayMs`). Gives up (`waitMs`
 * undefined) once `maxRetries` repeats were made, when `Retry-After` asks for more than
 * `maxRetryAfterMs`, or when the wait would take this call's waiting past `maxTotalMs`.
 *
 * @example
 * rateLimitWait({ retryAfter: null, repeats: 0, waitedMs: 0, policy: RATE_LIMIT_POLICIES.live, now, random: () => 0 })
 * // { waitMs: 30_000, retryAfterMs: undefined }
 * rateLimitWait({ retryAfter: '120', repeats: 0, waitedMs: 0, policy: RATE_LIMIT_POLICIES.live, now, random })
 * // { waitMs: 120_000, retryAfterMs: 120_000 }
 */
export function rateLimitWait(o: RateLimitInput): RateLimitWait {
  const { policy } = o;
  // #region exercise: the wait after a 429
  // Bitbucket's 429 names no wait: the client picks its own (lesson 5's notes, "Rate limits").
  // TODO (rule 1, the first wait): without Retry-After, wait what the policy's backoff gives:
  //   backoffDelay(o.repeats, { baseDelayMs: policy.firstDelayMs, maxDelayMs: policy.maxDelayMs,
  //   minDelayMs: policy.minDelayMs, random: o.random }): between minDelayMs and firstDelayMs at random.
  // TODO (rule 2, growing): later repeats (o.repeats 1, 2...) wait up to twice as long each time,
  //   never above maxDelayMs (the same call does it, with o.repeats).
  // TODO (rules 3 and 4, Retry-After): when the answer has one, parseRetryAfter(o.retryAfter, o.now)
  //   reads it (seconds or an HTTP date): wait exactly that, and return it as retryAfterMs too.
  // TODO (rule 5, bounded repeats): after policy.maxRetries repeats, give up (waitMs undefined).
  // TODO (rule 6, too long): a Retry-After beyond policy.maxRetryAfterMs: give up at once.
  // TODO (rule 7, bounded in all): give up when this wait would take o.waitedMs past policy.maxTotalMs.
  // A start that comes back after a fixed second, forever (each try spends another call):
  return { waitMs: 1_000, retryAfterMs: undefined };
  // #endregion
}
