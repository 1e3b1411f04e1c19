import { JwtAmbiguousError, JwtMissingError, JwtSchemeError } from '../../../../src/jwt/errors.ts';
import type { RequestLike } from '../../../../src/jwt/request.ts';

/**
 * Finding the JWT of a request Bitbucket sent to the app: page modules (iframes) carry it in the
 * `jwt` query parameter, lifecycle calls and webhooks in `Authorization: JWT <token>`. Anything
 * ambiguous is refused before any cryptography (verify.ts does that part).
 *
 * Lesson 6's exercise `find-the-token` is this file with the `#region exercise` part left for the
 * learner to write (lessons/06-incoming-jwt/exercises/find-the-token/); a test keeps the two equal
 * outside that region.
 */

/** Every value of a header; a `Record` is searched case-insensitively, as HTTP names are. */
function headerValues(headers: RequestLike['headers'], name: string): string[] {
  const values: string[] = [];
  if (headers instanceof Headers) {
    const value = headers.get(name);
    if (value !== null) values.push(value);
  } else {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() !== name || value === undefined) continue;
      values.push(...(Array.isArray(value) ? value : [value]));
    }
  }
  return values.filter((value) => value.trim() !== '');
}

/** Every value of a query parameter, parsed as the qsh parses the query (so both see one `jwt`). */
function queryValues(url: string, name: string): string[] {
  const start = url.indexOf('?');
  if (start === -1) return [];
  const end = url.indexOf('#', start);
  // Keeping the `?` matters: URLSearchParams drops one, and a second one belongs to the first name.
  return new URLSearchParams(url.slice(start, end === -1 ? undefined : end)).getAll(name);
}

/**
 * The JWT of a request: from `Authorization: JWT <token>` or from the `jwt` query parameter.
 *
 * Both at once (or either twice) is refused. A non-JWT Authorization header (a proxy's Basic
 * credentials) is ignored when the query carries the token; otherwise it is a scheme error. A
 * lower-case `jwt` scheme is always an error: it is a typo, not someone else's credentials.
 *
 * @example
 * extractJwt({ url: '/installed', headers: { authorization: `JWT ${token}` } }) // token
 * extractJwt({ url: `/page?repoUuid=%7Babc%7D&jwt=${token}`, headers: {} }) // token
 */
export function extractJwt(request: Pick<RequestLike, 'url' | 'headers'>): string {
  const authorizations = headerValues(request.headers, 'authorization');
  const fromQuery = queryValues(request.url, 'jwt');
  // #region exercise: finding the token
  // TODO (rule 2, lifecycle calls): or the token follows `Authorization: JWT ` (the scheme is
  // "JWT", case-sensitive). "JWT" with nothing after it is a missing token (JwtMissingError).
  // TODO (rule 3, both places): a token in the header and another in the query: JwtAmbiguousError.
  // TODO (rule 4, twice): two Authorization headers, or two jwt parameters: JwtAmbiguousError.
  // TODO (rule 5, another scheme): `Authorization: Bearer ...` without a jwt parameter is a
  // JwtSchemeError; a proxy's `Basic ...` beside a jwt parameter is not for the app: ignore it.
  // Rule 1 (page requests: the jwt query parameter) works already:
  const queryToken = fromQuery[0];
  if (queryToken) return queryToken;
  throw new JwtMissingError();
  // #endregion
}

/**
 * True when the request carries a JWT at all (an Authorization header or a `jwt` query parameter),
 * well-formed or not: a first install may come without one (docs/protocol.md §6), anything else
 * present is for {@link extractJwt} to judge.
 *
 * @example
 * hasJwt({ url: '/installed', headers: {} }) // false: an unsigned first install
 */
export function hasJwt(request: Pick<RequestLike, 'url' | 'headers'>): boolean {
  return headerValues(request.headers, 'authorization').length > 0 || queryValues(request.url, 'jwt').length > 0;
}
