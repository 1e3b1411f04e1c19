import { signInstallationJwt, type SignInstallationJwtOptions } from '../jwt/sign.ts';
import { normaliseBaseUrl } from '../http/base-url.ts';
import { RateLimitedError, ServerError } from '../http/errors.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { checkTimeoutMs, sendRequest } from '../http/send.ts';
import type { SentResponse } from '../http/send.ts';
import { quoteServerText } from '../http/server-text.ts';
import type { Installation } from '../store/installation.ts';
import {
  GrantInvalidError,
  GrantRejectedError,
  GrantUnauthorizedClientError,
  InstallationIncompleteError,
  TokenResponseInvalidError,
} from './errors.ts';
import type { GrantErrorDetails } from './errors.ts';
import { checkGrantOptions, TOKEN_PATH, tokenRequest, type TokenRequestOptions, type TokenRequest } from './token-request.ts';

export { JWT_GRANT_TYPE } from './token-request.ts';

/**
 * The JWT grant (docs/protocol.md, section 2): swap a JWT signed with the installation's sharedSecret
 * for an OAuth access token. There is no refresh token: a new token needs a new JWT.
 */

const DEFAULT_TIMEOUT_MS = 10_000;
/** A token response is a few hundred bytes; anything near this is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** The grant's own failure codes carry a short word; longer "codes" are quoted as text instead. */
const MAX_OAUTH_ERROR_CHARS = 64;

/** Where the JWT grant goes unless the caller names another Bitbucket (the mock, a fake). */
export const DEFAULT_BITBUCKET_URL = 'https://bitbucket.org';

/**
 * The token endpoint for a Bitbucket web origin (or a mock mounted under a path).
 *
 * @example
 * tokenEndpoint('https://bitbucket.org')         // 'https://bitbucket.org/site/oauth2/access_token'
 * tokenEndpoint('http://localhost:4000/bb/')     // 'http://localhost:4000/bb/site/oauth2/access_token'
 */
export function tokenEndpoint(bitbucketUrl: string): string {
  return `${normaliseBaseUrl(bitbucketUrl, 'bitbucketUrl')}${TOKEN_PATH}`;
}

/**
 * An access token from the JWT grant. `accessToken` is a secret: log it only through src/redact.ts.
 *
 * @example
 * const { accessToken, expiresAt } = await exchangeJwtForToken({ installation })
 * console.log(`${redactSecret(accessToken)} until ${new Date(expiresAt).toISOString()}`)
 */
export interface AccessToken {
  accessToken: string;
  /** The scopes Bitbucket granted (its `scopes` string, split on spaces). */
  scopes: string[];
  /** When the token stops working, epoch milliseconds. */
  expiresAt: number;
  /** `bearer`, as Bitbucket reports it. */
  tokenType: string;
}

/**
 * Options of {@link exchangeJwtForToken}; only `installation` is required.
 *
 * @example
 * const options: ExchangeOptions = { installation, scope: ['repository'], timeoutMs: 5_000 }
 */
export interface ExchangeOptions {
  /** `key` becomes `iss`, `clientKey` becomes `sub`, `sharedSecret` is the HMAC key. */
  installation: Installation;
  /**
   * Bitbucket's web origin; default `https://bitbucket.org`. Deliberately not the installation's
   * `baseUrl`: anyone can make a first install (trust on first use) with a `baseUrl` of their choice,
   * and the app would then POST a signed request wherever it points. Pass your configuration's URL.
   */
  bitbucketUrl?: string;
  /** Narrows the token below the app's scopes; sent space-separated as `scope`. Empty: no narrowing. */
  scope?: string[];
  /** A repository UUID (`{...}`): the token then works on that repository only. */
  repository?: string;
  fetch?: typeof fetch;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** Deadline for the whole call, in milliseconds; default 10 000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Signs the JWT; default `signInstallationJwt`. `npm run lesson 4 -- --mine` passes the learner's. */
  sign?: (options: SignInstallationJwtOptions) => Promise<string>;
  /** Builds the request from the JWT; default `tokenRequest` (token-request.ts). `--mine` passes the learner's. */
  tokenRequest?: (options: TokenRequestOptions) => TokenRequest;
}

/**
 * Signs a JWT for the installation and exchanges it at the token endpoint for an access token.
 *
 * Sends `POST {bitbucketUrl}/site/oauth2/access_token` with `Authorization: JWT <jwt>` and the form
 * `grant_type=urn:bitbucket:oauth2:jwt[&scope=...][&bitbucket_repository=...]`. The JWT's qsh is
 * the hash of `POST&/site/oauth2/access_token&` (docs/protocol.md, section 3). Redirects are not
 * followed: the JWT goes to the configured origin only, and a redirect means a wrong URL.
 *
 * Throws `ERR_GRANT_INVALID`, `ERR_GRANT_UNAUTHORIZED_CLIENT`, `ERR_GRANT_REJECTED`,
 * `ERR_TOKEN_RESPONSE_INVALID`, `ERR_RATE_LIMITED` (with `retryAfterMs`), `ERR_SERVER`,
 * `ERR_NETWORK`, `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_INSTALLATION_INCOMPLETE`, `ERR_INVALID_OPTION`.
 * It does not retry: the token cache (`createTokenCache`) and callers decide that.
 *
 * @example
 * const token = await exchangeJwtForToken({ installation })
 * await fetch('https://api.bitbucket.org/2.0/user', { headers: { Authorization: `Bearer ${token.accessToken}` } })
 *
 * @example
 * // A token for one repository, read-only.
 * await exchangeJwtForToken({ installation, scope: ['repository'], repository: '{5a1b2c3d-...}' })
 */
export async function exchangeJwtForToken(o: ExchangeOptions): Promise<AccessToken> {
  const { installation } = o;
  checkInstallation(installation);
  const now = o.now ?? Date.now;
  const bitbucketUrl = normaliseBaseUrl(o.bitbucketUrl ?? DEFAULT_BITBUCKET_URL, 'bitbucketUrl');
  const endpoint = `${bitbucketUrl}${TOKEN_PATH}`;
  checkGrantOptions(o.scope, o.repository);
  const timeoutMs = checkTimeoutMs(o.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');

  const jwt = await (o.sign ?? signInstallationJwt)({
    appKey: installation.key,
    clientKey: installation.clientKey,
    sharedSecret: installation.sharedSecret,
    method: 'POST',
    url: endpoint,
    // The qsh path is relative to Bitbucket's base, so a mock under a path signs the same qsh.
    baseUrl: bitbucketUrl,
    now,
  });
  const request = (o.tokenRequest ?? tokenRequest)({ bitbucketUrl, jwt, scope: o.scope, repository: o.repository });
  const target = `${request.method} ${request.url}`;
  // Measured before sending: the token's lifetime starts no earlier than this, so expiresAt errs early.
  const sentAt = now();
  const response = await sendRequest({
    fetch: o.fetch ?? fetch,
    url: request.url,
    init: { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' },
    timeoutMs,
    signal: o.signal,
    maxBodyBytes: MAX_TOKEN_RESPONSE_BYTES,
    target,
    lesson: 4,
  });
  const secrets = [jwt, installation.sharedSecret];
  if (response.status >= 200 && response.status < 300) {
    return parseTokenResponse(response, target, sentAt, secrets);
  }
  throw grantFailure(response, target, now(), secrets);
}

function checkInstallation(installation: Installation): void {
  const fields = ['clientKey', 'key', 'sharedSecret'] as const;
  const missing = fields.filter((field) => typeof installation?.[field] !== 'string' || installation[field] === '');
  if (missing.length > 0) {
    const clientKey = typeof installation?.clientKey === 'string' ? installation.clientKey : undefined;
    throw new InstallationIncompleteError(clientKey || undefined, missing);
  }
}

function parseTokenResponse(response: SentResponse, target: string, sentAt: number, secrets: string[]): AccessToken {
  const invalid = (problem: string, serverText = '') =>
    new TokenResponseInvalidError({ target, status: response.status, problem, serverText });
  const json = parseJson(response.body);
  if (json === undefined) throw invalid('the body is not JSON', quoteServerText(response.body, secrets));
  if (!isRecord(json)) throw invalid('the JSON is not an object');
  const { access_token: accessToken, expires_in: expiresIn, scopes, token_type: tokenType } = json;
  // From here on the body holds a token: describe what is wrong, never quote it.
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw invalid(`the JSON has no access_token (its keys: ${Object.keys(json).slice(0, 20).join(', ') || 'none'})`);
  }
  const seconds = typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw invalid(`expires_in is ${typeof expiresIn === 'number' ? expiresIn : typeof expiresIn}, not a positive number of seconds`);
  }
  if (scopes !== undefined && typeof scopes !== 'string') {
    throw invalid(`scopes is ${typeof scopes}, not a space-separated string`);
  }
  if (tokenType !== undefined && typeof tokenType !== 'string') {
    throw invalid(`token_type is ${typeof tokenType}, not a string`);
  }
  return {
    accessToken,
    scopes: (scopes ?? '').split(/\s+/).filter(Boolean),
    expiresAt: sentAt + seconds * 1000,
    tokenType: tokenType || 'bearer',
  };
}

function grantFailure(response: SentResponse, target: string, now: number, secrets: string[]): Error {
  const { status } = response;
  const json = parseJson(response.body);
  const oauthError =
    isRecord(json) && typeof json.error === 'string' && json.error.length <= MAX_OAUTH_ERROR_CHARS
      ? quoteServerText(json.error, secrets)
      : undefined;
  const description = isRecord(json) && typeof json.error_description === 'string' ? json.error_description : undefined;
  const serverText = quoteServerText(oauthError ? (description ?? '') : response.body, secrets);
  const details: GrantErrorDetails = { target, status, oauthError, serverText };
  const quoted = [oauthError, serverText].filter(Boolean).join(': ');

  if (status === 429) {
    return new RateLimitedError({
      target,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now),
      serverText: quoted,
      hint: 'A token lasts an hour or more: cache it (createTokenCache) instead of exchanging a JWT per request.',
      lesson: 4,
    });
  }
  if (status >= 500) return new ServerError({ target, status, serverText: quoted, attempts: 1, lesson: 4 });
  if (oauthError === 'invalid_grant') return new GrantInvalidError(details);
  if (oauthError === 'unauthorized_client') return new GrantUnauthorizedClientError(details);
  if (status === 400 || status === 401 || status === 403) return new GrantRejectedError(details);
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    return new TokenResponseInvalidError({
      target,
      status,
      problem: `it redirects${location ? ` to ${quoteServerText(location, secrets)}` : ''} and the JWT is not sent after a redirect`,
      serverText: '',
    });
  }
  return new TokenResponseInvalidError({ target, status, problem: 'that is not an answer of the token endpoint', serverText: quoted });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
