import { errors as joseErrors, jwtVerify } from 'jose';
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import type { Installation, InstallationStore } from '../store/installation.ts';
import { assertUsable } from '../store/usable.ts';
import {
  InstallationUnknownError,
  JwtAlgorithmError,
  JwtAudienceError,
  JwtClaimError,
  JwtExpiredError,
  JwtIssuerError,
  JwtLifetimeError,
  JwtMalformedError,
  JwtNotYetValidError,
  JwtSignatureError,
  JwtTooLargeError,
  QshMismatchError,
  QshMissingError,
} from './errors.ts';
import { extractJwt } from './extract.ts';
import { canonicalRequest, queryStringHash } from './qsh.ts';
import type { RequestLike } from './request.ts';

export { extractJwt, hasJwt } from './extract.ts';
export type { RequestLike } from './request.ts';

/**
 * Verifying the JWTs an app receives, and the building blocks for any other verifier (the mock's
 * token endpoint): find the token (extract.ts), decode it, check algorithm, issuer, signature,
 * times and qsh.
 *
 * Every failure is a typed error from `./errors.ts`; none carries the secret or the whole token.
 */

const DEFAULT_MAX_TOKEN_LENGTH = 8192;
const DEFAULT_LEEWAY_SECONDS = 30;
/** Bitbucket's JWTs live exactly 3600 s (observed, docs/protocol.md section 4); the app's 180 s. */
const DEFAULT_MAX_LIFETIME_SECONDS = 3600;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The claims of a verified Connect JWT.
 *
 * @example const { iss, qsh } = (await verifyJwt(token, options)).claims
 */
export interface JwtClaims extends JWTPayload {
  /** App JWTs: the app key. Bitbucket's JWTs: the clientKey. */
  iss: string;
  /** App JWTs: the clientKey. */
  sub?: string;
  /** Bitbucket's JWTs: the clientKey, as a string or an array. */
  aud?: string | string[];
  /** Issued at, Unix seconds. */
  iat: number;
  /** Expires at, Unix seconds. */
  exp: number;
  /** The query string hash of the request the token is for. */
  qsh?: string;
}

/**
 * A token split into its (not yet trusted) header and claims.
 *
 * @example const decoded: DecodedJwt = decodeUnverified(token)
 */
export interface DecodedJwt {
  header: JWTHeaderParameters;
  claims: JWTPayload;
}

/**
 * Which `qsh` values to accept.
 *
 * @example { accept: [queryStringHash('POST', '/installed')], canonical: 'POST&/installed&' }
 */
export interface QshExpectation {
  /** Accepted hashes (usually one). */
  accept: string[];
  /** True: a token without `qsh` passes. */
  optional?: boolean;
  /** The canonical request computed here, shown in the mismatch message. */
  canonical?: string;
}

/**
 * Options of {@link verifyJwt}.
 *
 * @example { secret: installation.sharedSecret, qsh: { accept: [hash] }, issuer: installation.clientKey }
 */
export interface VerifyJwtOptions {
  /** The shared secret, or a function choosing it from the unverified claims; `undefined`: unknown issuer. */
  secret: string | ((claims: JwtClaims, header: JWTHeaderParameters) => string | undefined | Promise<string | undefined>);
  /** Required, so that skipping the request binding is always a visible decision. */
  qsh: QshExpectation | 'skip';
  /** The clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Tolerated clock skew for `exp`, `iat` and `nbf`, in seconds. Default 30. */
  leewaySeconds?: number;
  /**
   * The longest `exp - iat` accepted, in seconds, the leeway added on top (`ERR_JWT_LIFETIME`
   * beyond). Default 3600: Bitbucket's own JWTs live exactly that long. `Infinity` turns it off.
   */
  maxLifetimeSeconds?: number;
  /** Longer tokens are refused before any decoding. Default 8192 characters. */
  maxTokenLength?: number;
  /** When given, `iss` must equal it. */
  issuer?: string;
  /** When given, `sub` must equal it. */
  subject?: string;
  /** When given and the token has `aud` (a string or an array), every value must equal it. */
  audience?: string;
}

/**
 * A token whose signature, times and qsh were checked.
 *
 * @example const { header, claims }: VerifiedJwt = await verifyJwt(token, options)
 */
export interface VerifiedJwt {
  token: string;
  header: JWTHeaderParameters;
  claims: JwtClaims;
}

/**
 * Options of {@link verifyRequest}.
 *
 * @example { store, appBaseUrl: config.baseUrl, now: () => Date.now() }
 */
export interface VerifyRequestOptions {
  /** Where the shared secret of the token's issuer (its clientKey) is found. */
  store: InstallationStore;
  /** The app's base URL, as in its descriptor: its path (a context path) is not part of the qsh. */
  appBaseUrl: string;
  now?: () => number;
  leewaySeconds?: number;
  /** See {@link VerifyJwtOptions.maxLifetimeSeconds}; default 3600 (one hour, plus the leeway). */
  maxLifetimeSeconds?: number;
  maxTokenLength?: number;
  /** Live mode: refuse an installation the simulated Bitbucket made (`ERR_INSTALLATION_SIMULATED`). */
  live?: boolean;
}

/**
 * What {@link verifyRequest} returns: the token, its claims and the installation that signed it.
 *
 * @example const { installation }: VerifiedRequest = await verifyRequest(request, options)
 */
export interface VerifiedRequest {
  token: string;
  claims: JwtClaims;
  installation: Installation;
}

function decodePart(part: string, name: 'header' | 'claims'): Record<string, unknown> {
  if (part === '') throw new JwtMalformedError(`its ${name} part is empty`);
  if (!BASE64URL.test(part)) {
    throw new JwtMalformedError(`its ${name} part has characters outside base64url (A-Z a-z 0-9 - _, no "=" padding)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64url')));
  } catch (cause) {
    throw new JwtMalformedError(`its ${name} part is not base64url-encoded UTF-8 JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtMalformedError(`its ${name} part is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Splits and decodes a JWT without checking anything but its form: for display, and for finding
 * `iss` before choosing a secret. Nothing it returns is trustworthy until verified.
 *
 * @example
 * const { header, claims } = decodeUnverified(token) // header.alg, claims.iss, claims.qsh
 */
export function decodeUnverified(token: string, options: { maxTokenLength?: number } = {}): DecodedJwt {
  if (typeof token !== 'string') throw new JwtMalformedError(`it is a ${typeof token}, not a string`);
  const limit = positiveInteger('maxTokenLength', options.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH);
  if (token.length > limit) throw new JwtTooLargeError(token.length, limit);
  const parts = token.split('.');
  if (parts.length !== 3) {
    const hint = parts.length === 5 ? ' (five parts is an encrypted JWE, not a signed JWT)' : '';
    throw new JwtMalformedError(`it has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'}, not 3${hint}`);
  }
  const [headerPart = '', claimsPart = '', signaturePart = ''] = parts;
  const header = decodePart(headerPart, 'header');
  const claims = decodePart(claimsPart, 'claims');
  if (!BASE64URL.test(signaturePart)) {
    throw new JwtMalformedError('its signature part has characters outside base64url');
  }
  if (typeof header.alg !== 'string') throw new JwtMalformedError('its header has no "alg"');
  return { header: header as JWTHeaderParameters, claims };
}

/** Checks the types of the claims every Connect JWT carries, before any of them is used. */
function connectClaims(claims: JWTPayload): JwtClaims {
  if (claims.iss === undefined) throw new JwtClaimError('iss', 'is missing');
  if (typeof claims.iss !== 'string' || claims.iss === '') throw new JwtClaimError('iss', 'must be a non-empty string');
  for (const name of ['iat', 'exp'] as const) {
    const value = claims[name];
    if (value === undefined) throw new JwtClaimError(name, 'is missing');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new JwtClaimError(name, 'must be a number of Unix seconds');
    }
  }
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf))) {
    throw new JwtClaimError('nbf', 'must be a number of Unix seconds');
  }
  if (claims.sub !== undefined && typeof claims.sub !== 'string') throw new JwtClaimError('sub', 'must be a string');
  const aud: unknown = claims.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw new JwtClaimError('aud', 'must be a string or an array of strings');
  }
  if (claims.qsh !== undefined && typeof claims.qsh !== 'string') throw new JwtClaimError('qsh', 'must be a string');
  return claims as JwtClaims;
}

function checkAudience(aud: string | string[] | undefined, expected: string): void {
  if (aud === undefined) return;
  const values = Array.isArray(aud) ? aud : [aud];
  if (values.length === 0 || values.some((value) => value !== expected)) throw new JwtAudienceError(expected, aud);
}

/**
 * The time rule, in one place: expired once `exp + leeway` has come (jose's rule: now and the
 * claims compared in whole seconds); not yet valid while `iat` or `nbf` is beyond `now + leeway`.
 */
function timeViolation(claims: JwtClaims, nowMs: number, leewaySeconds: number): Error | undefined {
  const now = Math.floor(nowMs / 1000);
  if (claims.exp <= now - leewaySeconds) return new JwtExpiredError({ exp: claims.exp, now, leewaySeconds });
  for (const claim of ['iat', 'nbf'] as const) {
    const validFrom = claims[claim];
    if (validFrom !== undefined && validFrom > now + leewaySeconds) {
      return new JwtNotYetValidError({ claim, validFrom, now, leewaySeconds });
    }
  }
  return undefined;
}

/** jose checks the MAC (and, on the way, the times): its errors become ours. */
async function checkSignature(token: string, secret: string, claims: JwtClaims, nowMs: number, leewaySeconds: number) {
  try {
    await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      currentDate: new Date(nowMs),
      clockTolerance: leewaySeconds,
    });
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new JwtSignatureError(claims.iss);
    if (error instanceof joseErrors.JWTExpired || error instanceof joseErrors.JWTClaimValidationFailed) {
      // The MAC was good (jose checks it first): report the time rule that failed, in our terms.
      throw timeViolation(claims, nowMs, leewaySeconds) ?? new JwtClaimError(error.claim, `is invalid: ${error.message}`);
    }
    if (error instanceof joseErrors.JOSEError) throw new JwtMalformedError(error.message, { cause: error });
    throw error;
  }
}

function checkQsh(qsh: string | undefined, expectation: QshExpectation | 'skip'): void {
  if (expectation === 'skip') return;
  if (qsh === undefined) {
    if (expectation.optional) return;
    throw new QshMissingError(expectation.canonical);
  }
  if (!expectation.accept.includes(qsh)) {
    throw new QshMismatchError({ expected: expectation.accept, received: qsh, canonical: expectation.canonical });
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

function leeway(value: number | undefined): number {
  if (value === undefined) return DEFAULT_LEEWAY_SECONDS;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`leewaySeconds must be a number >= 0, got ${value}`);
  return value;
}

function maxLifetime(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_LIFETIME_SECONDS;
  if (Number.isNaN(value) || value <= 0) throw new RangeError(`maxLifetimeSeconds must be a number > 0 (or Infinity), got ${value}`);
  return value;
}

/**
 * Verifies a Connect JWT: size, form, `alg` HS256, claim types (`iss`, `iat`, `exp` required),
 * issuer and subject when given, the secret, `aud` when asked, the HMAC, the times with leeway,
 * the lifetime (`exp - iat`, at most an hour plus the leeway by default), then the qsh.
 *
 * @example
 * const { claims } = await verifyJwt(token, {
 *   secret: async ({ iss }) => (await store.get(iss))?.sharedSecret,
 *   qsh: { accept: [queryStringHash('POST', '/installed')] },
 * })
 */
export async function verifyJwt(token: string, o: VerifyJwtOptions): Promise<VerifiedJwt> {
  if (o.qsh === undefined) {
    throw new TypeError("verifyJwt: the qsh option is required: { accept: [hash] }, or 'skip' to opt out explicitly");
  }
  const maxTokenLength = positiveInteger('maxTokenLength', o.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH);
  const leewaySeconds = leeway(o.leewaySeconds);
  const maxLifetimeSeconds = maxLifetime(o.maxLifetimeSeconds);
  const nowMs = (o.now ?? Date.now)();
  if (!Number.isFinite(nowMs)) throw new RangeError(`now() must return epoch milliseconds, returned ${nowMs}`);

  const { header, claims: decoded } = decodeUnverified(token, { maxTokenLength });
  if (header.alg !== 'HS256') throw new JwtAlgorithmError(header.alg);
  const claims = connectClaims(decoded);
  if (o.issuer !== undefined && claims.iss !== o.issuer) throw new JwtIssuerError(o.issuer, claims.iss);
  if (o.subject !== undefined && claims.sub !== o.subject) {
    throw new JwtClaimError('sub', `is ${JSON.stringify(claims.sub ?? null)}, but ${JSON.stringify(o.subject)} was expected`);
  }
  const secret = typeof o.secret === 'function' ? await o.secret(claims, header) : o.secret;
  // In Connect the clientKey is `sub` of app JWTs and `iss` of Bitbucket's.
  if (secret === undefined || secret === '') throw new InstallationUnknownError(claims.sub ?? claims.iss);
  if (o.audience !== undefined) checkAudience(claims.aud, o.audience);

  await checkSignature(token, secret, claims, nowMs, leewaySeconds);
  const late = timeViolation(claims, nowMs, leewaySeconds);
  if (late) throw late;
  // A token valid now may still claim a lifetime no honest signer gives: bound it.
  if (claims.exp - claims.iat > maxLifetimeSeconds + leewaySeconds) {
    throw new JwtLifetimeError({ iat: claims.iat, exp: claims.exp, maxSeconds: maxLifetimeSeconds + leewaySeconds });
  }
  checkQsh(claims.qsh, o.qsh);
  return { token, header, claims };
}

/**
 * Verifies a request Bitbucket sent to the app (webhook, page module): its JWT must be signed with
 * the stored secret of the installation named by `iss`, have `aud` (when present) equal to `iss`,
 * be current, and carry the qsh of this very request, computed relative to the app's base URL.
 * The installation must then be one the app may act for (`assertUsable`): not a pending first
 * install (`ERR_INSTALLATION_PENDING`), not uninstalled (`ERR_INSTALLATION_UNINSTALLED`), and,
 * with `live`, not made by the simulated Bitbucket (`ERR_INSTALLATION_SIMULATED`).
 *
 * @example
 * const { installation, claims } = await verifyRequest(
 *   { method: req.method, url: req.originalUrl, headers: req.headers },
 *   { store, appBaseUrl: config.baseUrl },
 * )
 */
export async function verifyRequest(request: RequestLike, o: VerifyRequestOptions): Promise<VerifiedRequest> {
  const token = extractJwt(request);
  const { iss } = decodeUnverified(token, { maxTokenLength: o.maxTokenLength }).claims;
  const canonical = canonicalRequest(request.method, request.url, o.appBaseUrl);
  let installation: Installation | undefined;
  const verified = await verifyJwt(token, {
    secret: async (claims) => {
      installation = await o.store.get(claims.iss);
      if (!installation) throw new InstallationUnknownError(claims.iss);
      return installation.sharedSecret;
    },
    // A non-string iss is reported by verifyJwt's claim checks, before any audience check.
    audience: typeof iss === 'string' ? iss : undefined,
    qsh: { accept: [queryStringHash(request.method, request.url, o.appBaseUrl)], canonical },
    now: o.now,
    leewaySeconds: o.leewaySeconds,
    maxLifetimeSeconds: o.maxLifetimeSeconds,
    maxTokenLength: o.maxTokenLength,
  });
  // verifyJwt returns only after the secret function found the installation's secret.
  const found = installation as Installation;
  assertUsable(found, { live: o.live });
  return { token, claims: verified.claims, installation: found };
}
