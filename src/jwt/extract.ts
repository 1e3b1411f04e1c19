import { JwtAmbiguousError, JwtMissingError, JwtSchemeError } from './errors.ts';
import type { RequestLike } from './request.ts';

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
  if (authorizations.length > 1) {
    throw new JwtAmbiguousError([`${authorizations.length} Authorization headers`]);
  }
  if (fromQuery.length > 1) throw new JwtAmbiguousError([`${fromQuery.length} jwt query parameters`]);

  let fromHeader: string | undefined;
  const authorization = authorizations[0]?.trim();
  if (authorization !== undefined) {
    const [scheme = '', ...rest] = authorization.split(/\s+/);
    if (scheme === 'JWT') fromHeader = rest.join(' ');
    else if (fromQuery.length === 0 || scheme.toLowerCase() === 'jwt') throw new JwtSchemeError(scheme);
  }

  const queryToken = fromQuery[0];
  if (fromHeader !== undefined && queryToken !== undefined) {
    throw new JwtAmbiguousError(['the Authorization header', 'the jwt query parameter']);
  }
  if (fromHeader !== undefined) {
    if (fromHeader === '') throw new JwtMissingError('The Authorization header says "JWT" but no token follows it.');
    return fromHeader;
  }
  if (queryToken !== undefined) {
    if (queryToken === '') throw new JwtMissingError('The jwt query parameter is empty.');
    return queryToken;
  }
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
