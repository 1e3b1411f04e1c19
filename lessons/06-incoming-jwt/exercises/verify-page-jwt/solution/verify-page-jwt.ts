import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  InstallationUnknownError,
  JwtAlgorithmError,
  JwtAudienceError,
  JwtExpiredError,
  JwtLifetimeError,
  JwtNotYetValidError,
  JwtSignatureError,
  QshMismatchError,
  QshMissingError,
} from '../../../../../src/jwt/errors.ts';
import { extractJwt } from '../../../../../src/jwt/extract.ts';
import { canonicalRequest, queryStringHash } from '../../../../../src/jwt/qsh.ts';
import { decodeUnverified, type JwtClaims, type RequestLike, type VerifiedRequest } from '../../../../../src/jwt/verify.ts';
import type { InstallationStore } from '../../../../../src/store/installation.ts';

/**
 * Verifying the JWT of a request Bitbucket sent to the app, with `node:crypto` for the signature:
 * what `verifyRequest` (src/jwt/verify.ts) does with jose, written out check by check. Each
 * refusal is the lab's typed error, so the app answers it with the right status and message.
 */

/** Bitbucket's own JWTs live exactly an hour: a longer claim is no honest signer's. */
const MAX_LIFETIME_SECONDS = 3600;

/**
 * Where the secrets are, and what the app's own URL is.
 *
 * @example { store, appBaseUrl: 'https://abc123.ngrok.app', now: Date.now, leewaySeconds: 30 }
 */
export interface VerifyOptions {
  /** The installations, by clientKey. */
  store: Pick<InstallationStore, 'get'>;
  /** The app's base URL, as in its descriptor: its path (a context path) is not part of the qsh. */
  appBaseUrl: string;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Tolerated clock skew, in seconds. Default 30. */
  leewaySeconds?: number;
}

/**
 * Verifies a request Bitbucket sent (a page load, a lifecycle call): the token's algorithm, its
 * issuer's installation, the audience, the signature, the times, the lifetime and the qsh, in that order.
 *
 * @example
 * const { installation, claims } = await verifyRequest({ method: 'GET', url: req.originalUrl, headers: req.headers }, { store, appBaseUrl })
 */
export async function verifyRequest(request: RequestLike, o: VerifyOptions): Promise<VerifiedRequest> {
  const token = extractJwt(request);
  const { header, claims } = decodeUnverified(token);
  const [headerPart = '', claimsPart = '', signaturePart = ''] = token.split('.');
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  // #region exercise: the checks
  if (header.alg !== 'HS256') throw new JwtAlgorithmError(String(header.alg));

  const installation = await o.store.get(iss);
  if (!installation) throw new InstallationUnknownError(iss);

  const audience = claims.aud === undefined ? [] : [claims.aud].flat();
  if (audience.some((aud) => aud !== iss)) throw new JwtAudienceError(iss, claims.aud ?? []);

  const expected = createHmac('sha256', Buffer.from(installation.sharedSecret, 'utf8')).update(`${headerPart}.${claimsPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtSignatureError(iss);

  const now = Math.floor((o.now ?? Date.now)() / 1000);
  const leewaySeconds = o.leewaySeconds ?? 30;
  const exp = Number(claims.exp);
  if (!(exp > now - leewaySeconds)) throw new JwtExpiredError({ exp, now, leewaySeconds });
  if (typeof claims.iat === 'number' && claims.iat > now + leewaySeconds) {
    throw new JwtNotYetValidError({ claim: 'iat', validFrom: claims.iat, now, leewaySeconds });
  }
  const iat = Number(claims.iat);
  if (exp - iat > MAX_LIFETIME_SECONDS + leewaySeconds) throw new JwtLifetimeError({ iat, exp, maxSeconds: MAX_LIFETIME_SECONDS + leewaySeconds });

  const canonical = canonicalRequest(request.method, request.url, o.appBaseUrl);
  if (typeof claims.qsh !== 'string') throw new QshMissingError(canonical);
  const qsh = queryStringHash(request.method, request.url, o.appBaseUrl);
  if (claims.qsh !== qsh) throw new QshMismatchError({ expected: [qsh], received: claims.qsh, canonical });

  return { token, claims: claims as JwtClaims, installation };
  // #endregion
}
