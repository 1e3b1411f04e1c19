/**
 * How exponential backoff grows and where it stops.
 *
 * @example const policy: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 8_000, random: Math.random }
 */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay. */
  baseDelayMs: number;
  /** No delay exceeds this, however many retries. */
  maxDelayMs: number;
  /**
   * No delay is shorter than this (capped by the ceiling); default 0. A floor for waits where
   * coming back within seconds is pointless, such as a rate limit counted over an hour.
   */
  minDelayMs?: number;
  /** `Math.random`-like: a number in [0, 1). */
  random: () => number;
}

/**
 * The delay before retry number `retry` (0 for the first retry): exponential backoff with full
 * jitter, a uniformly random delay between `minDelayMs` (default 0) and
 * `min(maxDelayMs, baseDelayMs * 2^retry)`. Jitter spreads out clients that failed together, so
 * they do not all come back at once.
 *
 * @example
 * backoffDelay(0, { baseDelayMs: 250, maxDelayMs: 8000, random: () => 0.5 }) // 125
 * backoffDelay(3, { baseDelayMs: 250, maxDelayMs: 8000, random: () => 0.5 }) // 1000
 * backoffDelay(9, { baseDelayMs: 250, maxDelayMs: 8000, random: () => 0.5 }) // 4000
 * backoffDelay(0, { baseDelayMs: 60_000, maxDelayMs: 240_000, minDelayMs: 30_000, random: () => 0 }) // 30000
 */
export function backoffDelay(retry: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  const floor = Math.min(Math.max(policy.minDelayMs ?? 0, 0), ceiling);
  // Clamp: a `random` that returns exactly 1 (or worse) must not exceed the ceiling.
  const fraction = Math.min(Math.max(policy.random(), 0), 1);
  return Math.floor(floor + fraction * (ceiling - floor));
}
