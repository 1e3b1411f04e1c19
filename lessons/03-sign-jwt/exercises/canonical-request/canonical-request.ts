import { createHash } from 'node:crypto';

/**
 * The query string hash (qsh): how a Connect JWT is bound to one HTTP request.
 *
 * A JWT alone proves who signed it, not what for: anyone who sees it could replay it against
 * another URL. So the signer hashes a canonical form of the request (method, path, query) and puts
 * the hash in the `qsh` claim; the receiver recomputes it from the request it actually got.
 *
 * Written by hand on purpose: this is the part of the protocol worth understanding line by line.
 * It follows Atlassian's reference implementation (npm `atlassian-jwt`) wherever its prose
 * specification differs (docs/protocol.md, section 5).
 *
 * Lesson 3's exercise `canonical-request` is this file with the `#region exercise` parts left for
 * the learner to write (lessons/03-sign-jwt/exercises/canonical-request/); a test keeps the two
 * equal outside those regions.
 */

/** Placeholder origin for parsing relative URLs: only path and query are ever used. */
const PLACEHOLDER_ORIGIN = 'http://qsh.invalid';

/**
 * RFC 3986 percent-encoding: `encodeURIComponent` leaves `! ' ( ) *` alone, RFC 3986 does not.
 *
 * @example encodeRfc3986("it's (a) test*") // "it%27s%20%28a%29%20test%2A"
 */
export function encodeRfc3986(value: string): string {
  // #region exercise: RFC 3986 encoding
  // TODO (rule 11, RFC 3986 encoding): encodeURIComponent leaves ! ' ( ) * as they are; RFC 3986
  // encodes them too: %21 %27 %28 %29 %2A (upper-case hex, like every other escape).
  return encodeURIComponent(value);
  // #endregion
}

/** Splits a URL (absolute, or a path with its raw query) into its raw path and raw query. */
function splitUrl(url: string): { path: string; query: string } {
  // The WHATWG parser gives the path exactly as `fetch` puts it on the wire (`{` becomes `%7B`,
  // existing escapes are kept), so a signer and a verifier that both go through it agree.
  const absolute = /^[a-z][a-z\d+.-]*:/i.test(url);
  // Concatenating (rather than resolving) keeps a path like `//x` a path, not a host.
  const parsed = new URL(absolute ? url : `${PLACEHOLDER_ORIGIN}${url.startsWith('/') ? '' : '/'}${url}`);
  return { path: parsed.pathname, query: parsed.search.replace(/^\?/, '') };
}

/** The path of a base URL: `https://example.com/jira` and `/jira` both give `/jira`. */
function contextPathOf(baseUrl: string | undefined): string {
  if (!baseUrl) return '';
  return new URL(baseUrl, PLACEHOLDER_ORIGIN).pathname.replace(/^\/$/, '');
}

/**
 * The canonical path: context path removed, `&` escaped (so `/a&b=c?x=y` and `/a?b=c&x=y` differ),
 * a leading slash ensured, one trailing slash dropped.
 */
function canonicalPath(path: string, contextPath: string): string {
  // #region exercise: the canonical path
  let result = path;
  // TODO (rule 2, the context path): remove `contextPath` from the start of the path when it is
  // there; if nothing is left, the path is "/".
  // TODO (rule 3, & in the path): every "&" in the path becomes "%26".
  // TODO (rule 4, slashes): make sure the path starts with "/", and drop one trailing "/" unless
  // the path is just "/".
  return result;
  // #endregion
}

/**
 * The canonical query: decoded parameters without `jwt` (nor `__proto__`), sorted by name; a
 * repeated name's values sorted and joined with `,`; each pair re-encoded with RFC 3986.
 */
function canonicalQuery(rawQuery: string): string {
  // #region exercise: the canonical query
  // TODO (rule 6, decoded): the raw query is percent-encoded, and "+" means a space. Decode each
  // name and value, then encode them again with encodeRfc3986.
  // TODO (rule 7, jwt): leave out the `jwt` parameter.
  // TODO (rule 8, sorted): sort by name, comparing UTF-16 code units ("A" < "Z" < "a").
  // TODO (rule 9, repeated names): one pair per name: its values sorted, joined with ",".
  // TODO (rule 10, no value): a parameter without a value ("?a&b=1") gives "a=".
  return rawQuery;
  // #endregion
}

/**
 * The canonical request string that the query string hash is computed over:
 * `METHOD&canonical-path&canonical-query`.
 *
 * @param method The HTTP method, any case.
 * @param url An absolute URL, or a path with its raw query (`/installed`, `/a?b=c`).
 * @param baseUrl The app's (or product's) base URL or bare context path, stripped from the path.
 *
 * @example
 * canonicalRequest('GET', '/hello-world?lic=none&jwt=ABC&a')
 * // 'GET&/hello-world&a=&lic=none'
 * canonicalRequest('POST', 'https://bitbucket.org/site/oauth2/access_token')
 * // 'POST&/site/oauth2/access_token&'
 */
export function canonicalRequest(method: string, url: string, baseUrl?: string): string {
  const { path, query } = splitUrl(url);
  // #region exercise: the canonical request
  // TODO (rule 1, the method): the method is upper case.
  return [method, canonicalPath(path, contextPathOf(baseUrl)), canonicalQuery(query)].join('&');
  // #endregion
}

/**
 * The query string hash: hex SHA-256 of {@link canonicalRequest}, whatever the JWT's algorithm.
 *
 * @example
 * queryStringHash('GET', '/path') // '799be84a7fa35570087163c0cd9af3abff7ac05c2c12ba0bb1d7eebc984b3ac2'
 */
export function queryStringHash(method: string, url: string, baseUrl?: string): string {
  // #region exercise: the hash
  // TODO (rule 12, the hash): the hex SHA-256 of the canonical request's UTF-8 bytes
  // (createHash from node:crypto, already imported).
  return canonicalRequest(method, url, baseUrl);
  // #endregion
}
