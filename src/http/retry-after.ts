/**
 * `Retry-After` (RFC 9110, section 10.2.3): either a whole number of seconds or an HTTP date.
 *
 * Returns the wait in milliseconds (a date in the past gives 0), or undefined when the header is
 * absent or unreadable: the caller then falls back to its own backoff. Fractions, negative numbers
 * and bare numbers that `Date.parse` would happily turn into a year are refused, not guessed at.
 *
 * @param now Epoch milliseconds, for HTTP dates.
 *
 * @example
 * parseRetryAfter('120', Date.now())                                  // 120000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:30 GMT')) // 30000
 * parseRetryAfter(null, Date.now())                                   // undefined
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // HTTP dates always name a weekday or month; requiring a letter keeps `1.5` from parsing as 2001.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
