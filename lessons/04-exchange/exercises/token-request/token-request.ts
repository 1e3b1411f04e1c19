import { InvalidOptionError } from '../../../../src/http/errors.ts';

/**
 * The token request of the JWT grant (protocol.md, section 2), as data: where it goes, its headers
 * and its form body. `exchangeJwtForToken` (exchange.ts) sends it and reads the answer.
 *
 * Lesson 4's exercise `token-request` is this file with the `#region exercise` part left for the
 * learner to write (lessons/04-exchange/exercises/token-request/); a test keeps the two equal
 * outside that region.
 */

/**
 * The grant type Bitbucket's token endpoint expects for the JWT grant.
 *
 * @example new URLSearchParams({ grant_type: JWT_GRANT_TYPE }).toString() // 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt'
 */
export const JWT_GRANT_TYPE = 'urn:bitbucket:oauth2:jwt';

/**
 * The token endpoint's path under Bitbucket's web origin.
 *
 * @example `${bitbucketUrl}${TOKEN_PATH}` // 'https://bitbucket.org/site/oauth2/access_token'
 */
export const TOKEN_PATH = '/site/oauth2/access_token';

/**
 * What the token request is made of.
 *
 * @example { bitbucketUrl: 'https://bitbucket.org', jwt, scope: ['repository'], repository: '{5a1b...}' }
 */
export interface TokenRequestOptions {
  /** Bitbucket's web origin, without a trailing slash. */
  bitbucketUrl: string;
  /** The app's JWT, signed for this request (lesson 3). */
  jwt: string;
  /** Narrows the token below the app's scopes. Empty or absent: no narrowing. */
  scope?: string[];
  /** A repository UUID (`{...}`): the token then works on that repository only. */
  repository?: string;
}

/**
 * The request, ready for `fetch(request.url, request)`.
 *
 * @example const { url, ...init } = tokenRequest(options); await fetch(url, init)
 */
export interface TokenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Refuses a scope list or a repository that could not be sent as they are: a scope with a space
 * would become two, a repository slug is not a UUID (and `&` would smuggle in another field).
 *
 * @example checkGrantOptions(['repository write'], undefined) // throws ERR_INVALID_OPTION
 */
export function checkGrantOptions(scope: unknown, repository: unknown): void {
  if (scope !== undefined && (!Array.isArray(scope) || scope.some((s) => typeof s !== 'string' || !/^[a-z][a-z:_-]*$/i.test(s)))) {
    throw new InvalidOptionError(`scope must be a list of scope names such as ["repository", "pullrequest:write"]; got ${JSON.stringify(scope)}.`);
  }
  // A UUID, braces optional: nothing that could smuggle another form field or whitespace.
  if (repository !== undefined && (typeof repository !== 'string' || !/^\{?[0-9a-f-]{32,36}\}?$/i.test(repository))) {
    throw new InvalidOptionError(
      'repository must be a repository UUID such as "{5a1b2c3d-0000-4000-8000-00000000abcd}" (its "uuid" field), not a slug or name.',
    );
  }
}

/**
 * The JWT grant's token request: `POST {bitbucketUrl}/site/oauth2/access_token` with
 * `Authorization: JWT <jwt>` and the form `grant_type=urn:bitbucket:oauth2:jwt`, plus `scope`
 * (space-separated) and `bitbucket_repository` when asked.
 *
 * @example
 * tokenRequest({ bitbucketUrl: 'https://bitbucket.org', jwt })
 * // { url: 'https://bitbucket.org/site/oauth2/access_token', method: 'POST',
 * //   headers: { Authorization: 'JWT eyJ...', 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
 * //   body: 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt' }
 */
export function tokenRequest(o: TokenRequestOptions): TokenRequest {
  checkGrantOptions(o.scope, o.repository);
  // #region exercise: the token request
  // TODO (rule 1, where): a POST to the token endpoint: o.bitbucketUrl + TOKEN_PATH.
  // TODO (rule 2, the scheme): the JWT travels in the Authorization header with the scheme "JWT"
  //   (not Bearer: that is for the access token it buys).
  // TODO (rule 3, the body): a form, Content-Type application/x-www-form-urlencoded, with
  //   grant_type=JWT_GRANT_TYPE (URLSearchParams writes a form body).
  // TODO (rule 4, scope): when o.scope has names, one `scope` field, the names space-separated.
  // TODO (rule 5, one repository): when o.repository is given, `bitbucket_repository` is that UUID.
  return {
    url: o.bitbucketUrl,
    method: 'POST',
    headers: { Accept: 'application/json' },
    body: '',
  };
  // #endregion
}
