import { createHmac } from 'node:crypto';

/**
 * The app's JWT, signed with `node:crypto` alone: what jose does for `signInstallationJwt`
 * (src/jwt/sign.ts), written out. A JWT is three base64url parts joined by dots: a header saying
 * how it is signed, the claims, and an HMAC-SHA256 of the first two keyed with the installation's
 * sharedSecret.
 */

/**
 * What one app JWT is made of.
 *
 * @example { appKey: 'jwt-grant-tutorial', clientKey, sharedSecret, qsh, now: Date.now() }
 */
export interface AppJwtInput {
  /** The descriptor's `key`: who issues the JWT. */
  appKey: string;
  /** The installation's clientKey: whom it speaks for. */
  clientKey: string;
  /** The installation's sharedSecret: the HMAC key. */
  sharedSecret: string;
  /** The query string hash of the request this JWT is for (the canonical-request exercise). */
  qsh: string;
  /** Now, epoch milliseconds. */
  now: number;
}

/** How long an app JWT lives, in seconds (atlassian-connect-express's choice too). */
const LIFETIME_SECONDS = 180;

/**
 * A JSON value as base64url: the UTF-8 bytes of its JSON, base64 with `-` and `_` for `+` and
 * `/`, and no `=` padding.
 *
 * @example base64urlJson({ alg: 'HS256', typ: 'JWT' }) // 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
 */
export function base64urlJson(value: unknown): string {
  // #region exercise: base64url
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  // #endregion
}

/**
 * The claims of an app JWT: `iss`, `sub`, `iat`, `exp`, `qsh`.
 *
 * @example appClaims(input) // { iss: 'jwt-grant-tutorial', sub: clientKey, iat: 1767225600, exp: 1767225780, qsh }
 */
export function appClaims(input: AppJwtInput): Record<string, unknown> {
  // #region exercise: the claims
  const iat = Math.floor(input.now / 1000);
  return { iss: input.appKey, sub: input.clientKey, iat, exp: iat + LIFETIME_SECONDS, qsh: input.qsh };
  // #endregion
}

/**
 * Signs the app's JWT: `base64url(header).base64url(claims).base64url(HMAC-SHA256)`.
 *
 * @example
 * const jwt = signAppJwt({ appKey, clientKey, sharedSecret, qsh, now: Date.now() })
 * // then: Authorization: JWT <jwt>
 */
export function signAppJwt(input: AppJwtInput): string {
  // #region exercise: the token
  const header = base64urlJson({ alg: 'HS256', typ: 'JWT' });
  const claims = base64urlJson(appClaims(input));
  const signature = createHmac('sha256', Buffer.from(input.sharedSecret, 'utf8')).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
  // #endregion
}
