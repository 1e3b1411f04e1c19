/**
 * What lesson 4's exercise tests share: an installation the offline Bitbucket knows, and a fresh
 * app JWT for the token endpoint, signed by the lab's own code (the exercises are about the request,
 * not the signature).
 */
import { installationFromPayload, installedPayload } from '../../../mocks/fixtures/lifecycle.ts';
import { signInstallationJwt } from '../../../src/jwt/sign.ts';
import type { Installation } from '../../../src/store/installation.ts';

/** Bitbucket's web origin, where the token endpoint is. */
export const BITBUCKET_URL = 'https://bitbucket.org';
/** One clock for the app and the mock. */
export const NOW = Date.parse('2026-01-01T00:00:00Z');

/**
 * A fixture installation with the given shared secret (never a real one).
 *
 * @example const installation = fixtureInstallation('practice-token-secret-0123456789-abcdefghijkl')
 */
export function fixtureInstallation(sharedSecret: string): Installation {
  return installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret }), { now: () => NOW });
}

/**
 * The app's JWT for `POST /site/oauth2/access_token`; `now` and `sharedSecret` change it into one
 * of lesson 4's mistakes (an expired JWT, a stale secret).
 *
 * @example const jwt = await tokenEndpointJwt(installation, { now: NOW - 10 * 60_000 })
 */
export function tokenEndpointJwt(installation: Installation, o: { now?: number; sharedSecret?: string } = {}): Promise<string> {
  return signInstallationJwt({
    appKey: installation.key,
    clientKey: installation.clientKey,
    sharedSecret: o.sharedSecret ?? installation.sharedSecret,
    method: 'POST',
    url: `${BITBUCKET_URL}/site/oauth2/access_token`,
    baseUrl: BITBUCKET_URL,
    now: () => o.now ?? NOW,
  });
}
