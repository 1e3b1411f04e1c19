/**
 * A moment shown as people read it: an ISO date and how far it is from now ("3 min ago",
 * "in 58 min"), the way a debugging tool should show `iat` and `exp`.
 */

/**
 * A moment, as an ISO date and relative to the clock.
 *
 * @example const { iso, relative, secondsFromNow }: Moment = momentOf(claims.exp, Date.now())
 */
export interface Moment {
  /** `2025-01-01T01:00:00.000Z`, or the value as given when it is no date at all. */
  iso: string;
  /** `now`, `12 s ago`, `in 3 min`, `2 h ago`, `in 4 days`. */
  relative: string;
  /** Positive in the future, negative in the past; NaN when the value is no date. */
  secondsFromNow: number;
}

/**
 * How long `seconds` is, in the largest unit that keeps it readable: `45 s`, `3 min`, `5 h`, `12 days`.
 *
 * @example
 * duration(180) // '3 min'
 * duration(86_400 * 3) // '3 days'
 */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/**
 * A Unix time in seconds, as a {@link Moment} relative to `nowMs` (epoch milliseconds).
 *
 * @example
 * momentOf(1_735_693_200, Date.UTC(2025, 0, 1, 1, 3)) // { iso: '2025-01-01T01:00:00.000Z', relative: '3 min ago', secondsFromNow: -180 }
 */
export function momentOf(epochSeconds: number, nowMs: number): Moment {
  const date = new Date(epochSeconds * 1000);
  // A value beyond what a Date holds (1e300) is shown as it is, not thrown.
  if (!Number.isFinite(epochSeconds) || Number.isNaN(date.getTime())) {
    return { iso: String(epochSeconds), relative: 'not a date', secondsFromNow: Number.NaN };
  }
  const secondsFromNow = epochSeconds - nowMs / 1000;
  const relative = Math.abs(secondsFromNow) < 1 ? 'now' : secondsFromNow > 0 ? `in ${duration(secondsFromNow)}` : `${duration(secondsFromNow)} ago`;
  return { iso: date.toISOString(), relative, secondsFromNow };
}
