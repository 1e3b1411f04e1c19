/**
 * How the REST client waits out Bitbucket's rate limit, in one place for every caller.
 *
 * What is known (docs/protocol.md, section 8): Bitbucket counts calls in rolling one-hour windows,
 * 1,000 an hour for most authenticated calls of a Connect app (the scaled limits, up to 10,000,
 * apply to access tokens of other kinds and Forge, not to Connect tokens) [F]
 * support.atlassian.com/bitbucket-cloud/docs/api-request-limits/. Past the limit it answers 429
 * with a `text/plain` body, "Rate limit for this resource has been exceeded", and **no
 * `Retry-After`** in the captured answers (the full header dump in the Jenkins Bitbucket branch
 * source plugin's PR 414, 2021). So the client picks its own wait: bounded, with full jitter, and
 * `Retry-After` is still honoured if it ever comes.
 *
 * Two policies, chosen by the mode (`config.live`) of whoever builds the client:
 * - live: minutes, not seconds. A window that is full frees up as its oldest calls age out, which
 *   takes minutes; coming back after 2 s only spends another call.
 * - offline: the simulated Bitbucket lifts its one-off 429 at once, so waiting minutes would only
 *   stall a lesson or a test: 100 to 500 ms.
 */

/**
 * What the client does about a 429.
 *
 * @example
 * createBitbucketClient({ apiUrl, token, rateLimit: rateLimitPolicy(config.live) })
 */
export interface RateLimitPolicy {
  /** Repeats after 429s, at most, for one call (429s are not counted in `retry.maxRetries`). */
  maxRetries: number;
  /** Without `Retry-After`: the ceiling of the first wait; each later ceiling doubles. */
  firstDelayMs: number;
  /** Without `Retry-After`: no wait is shorter (full jitter above this floor). */
  minDelayMs: number;
  /** Without `Retry-After`: no single wait is longer. */
  maxDelayMs: number;
  /** All the waits for 429s of one call together never exceed this: past it, ERR_RATE_LIMITED at once. */
  maxTotalMs: number;
  /** A `Retry-After` asking for longer than this fails at once with ERR_RATE_LIMITED. */
  maxRetryAfterMs: number;
}

/**
 * The two policies. `live`: first wait 30 s to 1 min, then up to 2 and 4 min, three repeats,
 * 10 min in all. `offline`: 100 to 500 ms per wait, 2 s in all.
 *
 * @example
 * RATE_LIMIT_POLICIES.live.firstDelayMs // 60000
 */
export const RATE_LIMIT_POLICIES: Readonly<{ live: Readonly<RateLimitPolicy>; offline: Readonly<RateLimitPolicy> }> = Object.freeze({
  live: Object.freeze({
    maxRetries: 3,
    firstDelayMs: 60_000,
    minDelayMs: 30_000,
    maxDelayMs: 240_000,
    maxTotalMs: 600_000,
    maxRetryAfterMs: 300_000,
  }),
  offline: Object.freeze({
    maxRetries: 3,
    firstDelayMs: 250,
    minDelayMs: 100,
    maxDelayMs: 500,
    maxTotalMs: 2_000,
    maxRetryAfterMs: 5_000,
  }),
});

/**
 * The policy for a mode: `live` (real Bitbucket) or not (the simulated one).
 *
 * @example
 * rateLimitPolicy(config.live) // RATE_LIMIT_POLICIES.live when LIVE=1
 */
export function rateLimitPolicy(live: boolean): Readonly<RateLimitPolicy> {
  return live ? RATE_LIMIT_POLICIES.live : RATE_LIMIT_POLICIES.offline;
}
