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
} from '../../../../src/jwt/errors.ts';
import { extractJwt } from '../../../../src/jwt/extract.ts';
import { canonicalRequest, queryStringHash } from '../../../../src/jwt/qsh.ts';
import { decodeUnverified, type JwtClaims, type RequestLike, type VerifiedRequest } from '../../../../src/jwt/verify.ts';
import type { InstallationStore } from '../../../../src/store/installation.ts';

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
  // The token is found and decoded (not yet trusted). Now check, in this order:
  // TODO (rule 1, algorithm): the app decides the algorithm, HS256, and the header must say so: a
  //   token whose header says "none" or "HS512" is refused with JwtAlgorithmError.
  // TODO (rule 2, issuer): `iss` names the installation (its clientKey): look it up in o.store;
  //   none is InstallationUnknownError.
  // TODO (rule 3, audience): `aud`, when there, is that same clientKey (a string or a list):
  //   JwtAudienceError otherwise.
  // TODO (rule 4, signature): HMAC-SHA256 of `${headerPart}.${claimsPart}`, keyed with the
  //   installation's sharedSecret, equals the signature (compare with timingSafeEqual):
  //   JwtSignatureError otherwise.
  // TODO (rule 5, expired): `exp` is still ahead of now, give or take o.leewaySeconds (default
  //   30): JwtExpiredError otherwise. Times are Unix seconds; o.now() is milliseconds.
  // TODO (rule 6, from the future): an `iat` beyond now + leeway is JwtNotYetValidError.
  // TODO (rule 7, lifetime): `exp - iat` over MAX_LIFETIME_SECONDS + leeway is JwtLifetimeError.
  // TODO (rule 8, qsh): no qsh is QshMissingError; a qsh that is not queryStringHash(method, url,
  //   appBaseUrl) of this request is QshMismatchError, with the canonical request you computed.
  // Then (rule 9) return { token, claims, installation }.
  throw new Error('TODO: verify the token (lessons/06-incoming-jwt/exercises/verify-page-jwt/README.md)');
  // #endregion
}
