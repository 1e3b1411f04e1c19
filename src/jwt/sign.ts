import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { SignInputError } from './errors.ts';
import { queryStringHash } from './qsh.ts';

/**
 * Signing Connect JWTs: HS256, keyed with the UTF-8 bytes of the installation's shared secret.
 *
 * Two directions, two claim sets (docs/protocol.md, sections 3 and 4): the app signs for Bitbucket
 * (`iss` app key, `sub` clientKey), Bitbucket signs for the app (`iss` = `aud` = clientKey). The
 * second is what the mock and the tests need to play Bitbucket.
 */

/** The common lifetime of an app JWT (atlassian-connect-express uses 3 minutes). */
const INSTALLATION_JWT_SECONDS = 180;
/** What Bitbucket's own JWTs were seen to use. */
const PRODUCT_JWT_SECONDS = 3600;
/** Above a day is a unit mistake (milliseconds for seconds), not a lifetime anyone wants. */
const MAX_EXPIRES_IN_SECONDS = 86_400;
/** RFC 9110 token characters: what an HTTP method may be made of. */
const METHOD_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What both kinds of JWT need to be bound to a request and to a time. */
interface RequestBinding {
  /** The HTTP method of the request the JWT authorises, any case. */
  method: string;
  /** The URL of that request: absolute, or a path with its raw query. */
  url: string;
  /** The base URL (or bare context path) whose path is stripped before hashing. */
  baseUrl?: string;
  /** An explicit `qsh` to put instead of computing it, or `null` to leave the claim out. */
  qsh?: string | null;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Lifetime in seconds, from 1 to 86400. */
  expiresIn?: number;
}

/**
 * Options of {@link signInstallationJwt}.
 *
 * @example { appKey, clientKey, sharedSecret, method: 'GET', url: 'https://api.bitbucket.org/2.0/user' }
 */
export interface SignInstallationJwtOptions extends RequestBinding {
  /** The app key (the descriptor's `key`): the JWT's `iss`. */
  appKey: string;
  /** The installation's clientKey: the JWT's `sub`. */
  clientKey: string;
  /** The installation's shared secret, from the `installed` payload. */
  sharedSecret: string;
  /** Lifetime in seconds. Default 180. */
  expiresIn?: number;
}

/**
 * Options of {@link signProductJwt}.
 *
 * @example { clientKey, sharedSecret, method: 'POST', url: '/installed', baseUrl: appBaseUrl }
 */
export interface SignProductJwtOptions extends RequestBinding {
  /** The installation's clientKey: the JWT's `iss` and `aud`. */
  clientKey: string;
  /** The installation's shared secret. */
  sharedSecret: string;
  /** Lifetime in seconds. Default 3600. */
  expiresIn?: number;
}

function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new SignInputError(field, `must be a string, got ${typeof value}`);
  if (value.trim() === '') throw new SignInputError(field, 'is empty');
  return value;
}

/** The key. Its value is never echoed: only what is wrong with it. */
function secretKey(sharedSecret: unknown): Uint8Array {
  if (typeof sharedSecret !== 'string') {
    throw new SignInputError('sharedSecret', `must be a string, got ${typeof sharedSecret}`);
  }
  if (sharedSecret === '') {
    throw new SignInputError('sharedSecret', 'is empty: use the sharedSecret of the "installed" payload (lesson 2)');
  }
  return new TextEncoder().encode(sharedSecret);
}

function issuedAt(now: (() => number) | undefined): number {
  const ms = (now ?? Date.now)();
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new SignInputError('now', `must return epoch milliseconds, returned ${String(ms)}`);
  }
  return Math.floor(ms / 1000);
}

function lifetime(expiresIn: number | undefined, fallback: number): number {
  if (expiresIn === undefined) return fallback;
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn <= 0) {
    throw new SignInputError('expiresIn', `must be a whole, positive number of seconds, got ${String(expiresIn)}`);
  }
  if (expiresIn > MAX_EXPIRES_IN_SECONDS) {
    throw new SignInputError(
      'expiresIn',
      `is ${expiresIn} s, over the ${MAX_EXPIRES_IN_SECONDS} s (one day) limit: it is in seconds, not milliseconds`,
    );
  }
  return expiresIn;
}

function requestHash(binding: RequestBinding): string | undefined {
  if (binding.qsh === null) return undefined;
  if (binding.qsh !== undefined) return requireText('qsh', binding.qsh);
  const method = requireText('method', binding.method);
  if (!METHOD_PATTERN.test(method)) throw new SignInputError('method', `${JSON.stringify(method)} is not an HTTP method`);
  const url = requireText('url', binding.url);
  try {
    return queryStringHash(method, url, binding.baseUrl);
  } catch (cause) {
    throw new SignInputError('url', `(or baseUrl) cannot be parsed: ${JSON.stringify(url.slice(0, 200))}`, { cause });
  }
}

/** Validates everything first, so a bad input never yields a half-right token. */
async function sign(identity: JWTPayload, sharedSecret: string, binding: RequestBinding, defaultSeconds: number) {
  const key = secretKey(sharedSecret);
  const seconds = lifetime(binding.expiresIn, defaultSeconds);
  const qsh = requestHash(binding);
  const iat = issuedAt(binding.now);
  const claims: JWTPayload = { ...identity, iat, exp: iat + seconds };
  if (qsh !== undefined) claims.qsh = qsh;
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

/**
 * Signs the JWT an app sends to Bitbucket for one installation: to the token endpoint (the JWT
 * grant) or directly to a REST call. Claims: `iss` app key, `sub` clientKey, `iat`, `exp`, `qsh`.
 *
 * @example
 * const jwt = await signInstallationJwt({
 *   appKey: 'jwt-grant-tutorial',
 *   clientKey: installation.clientKey,
 *   sharedSecret: installation.sharedSecret,
 *   method: 'POST',
 *   url: 'https://bitbucket.org/site/oauth2/access_token',
 * })
 * // then: fetch(url, { method: 'POST', headers: { Authorization: `JWT ${jwt}` }, ... })
 */
export async function signInstallationJwt(o: SignInstallationJwtOptions): Promise<string> {
  const identity = { iss: requireText('appKey', o.appKey), sub: requireText('clientKey', o.clientKey) };
  return sign(identity, o.sharedSecret, o, INSTALLATION_JWT_SECONDS);
}

/**
 * Signs a JWT the way Bitbucket signs the ones it sends to an app (lifecycle calls, webhooks, page
 * modules): `iss` = `aud` = clientKey, no `sub`, one hour. For mocks and tests: a real app never
 * signs these.
 *
 * @example
 * const jwt = await signProductJwt({ clientKey, sharedSecret, method: 'POST', url: '/installed' })
 * await fetch(`${appBaseUrl}/installed`, { method: 'POST', headers: { Authorization: `JWT ${jwt}` }, body })
 */
export async function signProductJwt(o: SignProductJwtOptions): Promise<string> {
  const clientKey = requireText('clientKey', o.clientKey);
  return sign({ iss: clientKey, aud: clientKey }, o.sharedSecret, o, PRODUCT_JWT_SECONDS);
}
