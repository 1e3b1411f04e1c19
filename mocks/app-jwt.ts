import { decodeUnverified, verifyJwt, type QshExpectation } from '../src/jwt/verify.ts';
import { isLabError } from '../src/errors.ts';
import { JwtClaimError } from '../src/jwt/errors.ts';
import type { Installation, InstallationStore } from '../src/store/installation.ts';

/**
 * How Bitbucket checks a JWT an app signed (docs/protocol.md, section 3): the installation named by
 * `sub` must exist, the JWT must be signed with its sharedSecret, `iss` must be its app key, the
 * times must hold and the `qsh` must match. One function for the token endpoint and for REST
 * calls authenticated with `Authorization: JWT`, so both check alike.
 */

/**
 * Why a JWT was refused. `client`: who sent it is not established (unknown installation, bad
 * signature, wrong issuer, not a JWT). `grant`: the sender is known, but this JWT is not valid
 * now or not for this request (times, qsh, claims).
 */
export interface AppJwtFailure {
  kind: 'client' | 'grant';
  /** Short, and free of secrets: it goes into a response body. */
  description: string;
}

/** The outcome of {@link verifyAppJwt}. */
export type AppJwtResult = { ok: true; installation: Installation } | { ok: false; failure: AppJwtFailure };

const client = (description: string): AppJwtResult => ({ ok: false, failure: { kind: 'client', description } });
const grant = (description: string): AppJwtResult => ({ ok: false, failure: { kind: 'grant', description } });

/**
 * Verifies an app's JWT the way Bitbucket does.
 *
 * @example
 * const result = await verifyAppJwt(token, { installations, qsh: { accept: [hash], optional: true }, now })
 * if (!result.ok) return oauthError(401, 'unauthorized_client', result.failure.description)
 */
export async function verifyAppJwt(
  token: string,
  o: { installations: Pick<InstallationStore, 'get'>; qsh: QshExpectation; now: () => number },
): Promise<AppJwtResult> {
  let sub: unknown;
  try {
    sub = decodeUnverified(token).claims.sub;
  } catch {
    return client('Invalid JWT: expected three base64url parts, header.claims.signature');
  }
  if (typeof sub !== 'string' || sub === '') {
    return client('Invalid JWT: the "sub" claim must be the clientKey of the installation');
  }
  const installation = await o.installations.get(sub);
  if (!installation) return client(`Unknown client: no installation has the clientKey ${JSON.stringify(sub.slice(0, 200))}`);
  try {
    await verifyJwt(token, {
      secret: installation.sharedSecret,
      issuer: installation.key,
      subject: sub,
      qsh: o.qsh,
      now: o.now,
      // Whether Bitbucket bounds the lifetime of an app's JWT is not known: the mock does not.
      maxLifetimeSeconds: Number.POSITIVE_INFINITY,
    });
  } catch (error) {
    if (!isLabError(error)) throw error;
    if (error instanceof JwtClaimError) return grant(`Invalid JWT: its "${error.claim}" claim is missing or invalid`);
    switch (error.code) {
      case 'ERR_JWT_SIGNATURE':
        return client('Invalid JWT signature: it must be signed (HS256) with the sharedSecret of this installation');
      case 'ERR_JWT_ISSUER':
        return client(`Invalid JWT issuer: "iss" must be the app key of this installation, ${JSON.stringify(installation.key)}`);
      case 'ERR_JWT_ALG':
        return client('Unsupported JWT algorithm: sign with HS256');
      case 'ERR_JWT_EXPIRED':
        return grant('JWT expired: its "exp" is in the past');
      case 'ERR_JWT_NOT_YET_VALID':
        return grant('JWT not yet valid: its "iat" is in the future');
      case 'ERR_QSH_MISSING':
        return grant('JWT has no "qsh" claim: it must carry the query string hash of this request');
      case 'ERR_QSH_MISMATCH':
        return grant('JWT "qsh" claim does not match this request');
      default:
        return client('Invalid JWT');
    }
  }
  return { ok: true, installation };
}
