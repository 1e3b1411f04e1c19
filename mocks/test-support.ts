import { DEFAULT_SCOPES } from '../src/connect/descriptor.ts';
import { signInstallationJwt } from '../src/jwt/sign.ts';
import type { Installation, InstallationStore } from '../src/store/installation.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import type { BitbucketMockOptions } from './bitbucket.ts';
import { installationFromPayload, installedPayload } from './fixtures/lifecycle.ts';
import { startMockServer, type MockServer } from './server.ts';
import { TOKEN_PATH } from './token-endpoint.ts';

/**
 * Shared set-up for the mocks' own tests: one installation in Teams in Space, Bitbucket started
 * in-process around it, and helpers to sign and send what a client sends.
 */

/** The test installation's app key. */
export const APP_KEY = 'jwt-grant-tutorial';
/** The test installation's shared secret. */
export const SHARED_SECRET = 'test-shared-secret-0123456789abcdef';
/** The mock's default web origin. */
export const BITBUCKET = 'https://bitbucket.org';
/** The mock's default API origin. */
export const API = 'https://api.bitbucket.org';
/** The token endpoint on the default web origin. */
export const TOKEN_URL = `${BITBUCKET}${TOKEN_PATH}`;
/** The JWT grant's form body, as a client encodes it. */
export const GRANT_BODY = 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt';
/** A fixed clock: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

/** A started mock plus the installation it knows and a settable clock. */
export interface TestBitbucket extends MockServer {
  installation: Installation;
  /** The mock's installations: delete one to play an uninstall. */
  store: InstallationStore;
  clock: { now: number };
  /** Signs an app JWT for the installation, by the test clock unless overridden. */
  sign(o?: Partial<Parameters<typeof signInstallationJwt>[0]>): Promise<string>;
  /**
   * POSTs a JWT-grant request: form body and `Authorization: JWT <fresh JWT>`, unless overridden
   * (`null` leaves the header out).
   */
  exchange(o?: { authorization?: string | null; body?: string; contentType?: string | null }): Promise<Response>;
  /** Exchanges and returns the access token. */
  accessToken(body?: string): Promise<string>;
}

/**
 * Starts the mock around one installation, with a clock the test moves. Its scopes: `scopes`, the
 * lab descriptor's by default, every scope for `scopes: null` (a descriptor that names none).
 *
 * @example
 * const bb = startTestBitbucket()
 * afterEach(() => bb.stop())
 * const token = await bb.accessToken()
 */
export function startTestBitbucket(o: Partial<BitbucketMockOptions> & { scopes?: string[] | null } = {}): TestBitbucket {
  const clock = { now: T0 };
  const now = () => clock.now;
  // The lab descriptor's scopes unless told; `null` plays a descriptor that names none.
  const scopes = o.scopes === null ? undefined : (o.scopes ?? [...DEFAULT_SCOPES]);
  const installation = installationFromPayload(installedPayload({ appKey: APP_KEY, sharedSecret: SHARED_SECRET }), { scopes, now });
  const store = createMemoryStore([installation]);
  const started = startMockServer({ installations: store, now, ...o });

  const sign: TestBitbucket['sign'] = (overrides = {}) =>
    signInstallationJwt({
      appKey: APP_KEY,
      clientKey: installation.clientKey,
      sharedSecret: SHARED_SECRET,
      method: 'POST',
      url: TOKEN_URL,
      baseUrl: BITBUCKET,
      now,
      ...overrides,
    });

  const exchange: TestBitbucket['exchange'] = async (request = {}) => {
    const { body = GRANT_BODY, contentType = 'application/x-www-form-urlencoded' } = request;
    const authorization = request.authorization === undefined ? `JWT ${await sign()}` : request.authorization;
    const headers = new Headers();
    if (contentType !== null) headers.set('Content-Type', contentType);
    if (authorization !== null) headers.set('Authorization', authorization);
    return fetch(TOKEN_URL, { method: 'POST', headers, body });
  };

  return {
    ...started,
    installation,
    store,
    clock,
    sign,
    exchange,
    async accessToken(body) {
      const response = await exchange({ body });
      if (!response.ok) throw new Error(`exchange failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
  };
}
