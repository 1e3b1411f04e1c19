import { redactText } from '../redact.ts';

/**
 * How much of a server's answer an error message quotes.
 *
 * @example quoteServerText(body).length <= SERVER_TEXT_MAX_CHARS + 1 // + 1 for the ellipsis
 */
export const SERVER_TEXT_MAX_CHARS = 200;

/**
 * A server's own words, made safe to put in an error message: secrets redacted (before
 * truncating, so a cut can never leave a secret half-shown), control characters removed (a body
 * must not drive the learner's terminal with escape sequences), whitespace collapsed, and at most
 * `maxChars` characters kept.
 *
 * @example
 * quoteServerText('<html>\n  <h1>502 Bad Gateway</h1>') // '<html> <h1>502 Bad Gateway</h1>'
 * quoteServerText(`echo ${token}`, [token])            // 'echo abcd…(40 chars)'
 */
export function quoteServerText(
  text: string,
  secrets: Iterable<string | undefined> = [],
  maxChars: number = SERVER_TEXT_MAX_CHARS,
): string {
  const clean = redactText(text, secrets)
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...clean];
  return chars.length > maxChars ? `${chars.slice(0, maxChars).join('')}…` : clean;
}
