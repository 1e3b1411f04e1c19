import { z } from 'zod';
import { isLabError } from '../errors.ts';
import { canonicalRequest, queryStringHash } from '../jwt/qsh.ts';
import { decodeUnverified, extractJwt, verifyJwt, verifyRequest } from '../jwt/verify.ts';
import { StoreContendedError } from '../store/errors.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import {
  AppKeyMismatchError,
  ClientKeyMismatchError,
  NoSharedSecretError,
  PayloadError,
  ReinstallUnauthenticatedError,
} from './errors.ts';
import { hintFrom, problemMessage, refineWith, toProblems } from './problems.ts';

/**
 * The `installed` and `uninstalled` lifecycle calls (docs/protocol.md, sections 4 and 6), without a web
 * framework: the Express app and the lessons both mount these.
 *
 * Anyone can POST to these URLs, so every call must carry Bitbucket's JWT (`Authorization: JWT`),
 * issued by the payload's own clientKey and bound to this request by its qsh. The first install of
 * a clientKey can only be checked against the secret it brings (trust on first use), so it is
 * stored only if it is still the first when it is written (the store's atomic `create`); from then
 * on, only the stored secret counts.
 */

/**
 * A lifecycle request: `url` is the path and raw query as received; `body` the parsed JSON.
 *
 * @example
 * const request: LifecycleRequest = { method: req.method, url: req.originalUrl, headers: req.headers, body: req.body }
 */
export interface LifecycleRequest {
  method: string;
  url: string;
  headers: Headers | Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * What the lifecycle handlers need.
 *
 * @example
 * const deps: LifecycleDeps = { store: openSqliteStore({ dataDir }), appBaseUrl: config.baseUrl, appKey: config.appKey }
 */
export interface LifecycleDeps {
  /** Where installations are kept. Must persist: a lost store turns re-installs into first installs. */
  store: InstallationStore;
  /** The app's base URL, as in its descriptor: its path (a context path) is not part of the qsh. */
  appBaseUrl: string;
  /** The descriptor's `key`: payloads for any other app are refused. */
  appKey: string;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Tolerated clock skew for the JWT's times, in seconds (verifyJwt's default when absent). */
  leewaySeconds?: number;
}

/**
 * What an `installed` call did: a first install, a re-install, or a re-install with a new secret.
 *
 * @example if (outcome === 'secret-rotated') tokenCache.invalidate(installation.clientKey) // got with the old secret
 */
export type InstallOutcome = 'installed' | 'reinstalled' | 'secret-rotated';

/** Code points with no place in an identifier or a secret; the store refuses them too. */
const UNSAFE_TEXT = /[\p{Cs}\p{Cc}]/u;

/** Bounds match the store's (src/store/validate.ts), so a payload accepted here is storable. */
function text(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine(
      refineWith((value) => (UNSAFE_TEXT.test(value) ? ['contains control characters: send the value Bitbucket sent'] : [])),
    );
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['https:', 'http:'].includes(new URL(value).protocol);
}

const httpUrl = text(2048).superRefine(
  refineWith((value) => (isHttpUrl(value) ? [] : ['must be an absolute http(s) URL, e.g. "https://bitbucket.org"'])),
);

// The workspace or user the app is installed for; extra fields (links, ...) are kept.
const principal = z.looseObject({
  type: text(64),
  uuid: z.string().max(256).optional(),
  username: z.string().max(256).optional(),
  display_name: z.string().max(1024).optional(),
  account_id: z.string().max(256).optional(),
});

// Sent by Bitbucket but not used here: checked loosely, so that a harmless change cannot block installs.
const ignoredAccount = z.looseObject({}).nullable().optional();

const installedPayload = z.looseObject({
  key: text(255),
  clientKey: text(512),
  sharedSecret: text(1024),
  baseUrl: httpUrl,
  baseApiUrl: httpUrl.optional(),
  productType: z.literal('bitbucket'),
  eventType: z.literal('installed'),
  principal,
  user: ignoredAccount,
  actor: ignoredAccount,
  publicKey: z.string().max(8192).nullable().optional(),
});

// Only what removing an installation needs is required: refusing an uninstall over a field the app
// never reads would leave a stale secret behind, which then blocks the next install.
const uninstalledPayload = z.looseObject({
  key: text(255),
  clientKey: text(512),
  productType: z.literal('bitbucket'),
  eventType: z.literal('uninstalled'),
});

/** What to do about a field that is missing or of the wrong type. */
const hint = hintFrom({
  body: 'send the JSON object Bitbucket posts, with Content-Type: application/json',
  key: 'it is the app key, the descriptor\'s "key"',
  clientKey: 'Bitbucket sends the installation\'s id here, e.g. "ari:cloud:bitbucket::app/{workspace-uuid}/app-key"',
  sharedSecret: 'Bitbucket sends it with every workspace install',
  baseUrl: 'Bitbucket sends its web origin here, "https://bitbucket.org"',
  productType: 'this app handles Bitbucket installs only',
  eventType: 'send installed payloads to the "installed" lifecycle URL, uninstalled ones to "uninstalled"',
  principal: 'Bitbucket sends the workspace here, e.g. {"type": "team", "uuid": "{...}"}',
  'principal.type': 'e.g. "team" for a workspace',
});

/**
 * Where the REST API is when an old payload leaves `baseApiUrl` out: Bitbucket's known API origin,
 * else the payload's `baseUrl` (a mock that serves both from one origin).
 */
function apiUrlFor(baseUrl: string): string {
  return new URL(baseUrl).hostname === 'bitbucket.org' ? 'https://api.bitbucket.org' : baseUrl;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The request's JWT, after checking (unverified, for now) that it is issued by and addressed to
 * `clientKey`: the secret used to verify it is chosen by that clientKey, and one installation must
 * not act for another.
 */
function jwtIssuedFor(request: LifecycleRequest, clientKey: string): string {
  const token = extractJwt(request);
  const { claims } = decodeUnverified(token);
  if (claims.iss !== clientKey) throw new ClientKeyMismatchError('iss', claims.iss, clientKey);
  if (claims.aud !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (audiences.length === 0 || audiences.some((aud) => aud !== clientKey)) {
      throw new ClientKeyMismatchError('aud', claims.aud, clientKey);
    }
  }
  return token;
}

function checkAppKey(key: string, deps: LifecycleDeps): void {
  if (key !== deps.appKey) throw new AppKeyMismatchError(key, deps.appKey);
}

function parseInstalled(body: unknown) {
  // A personal-account install arrives without sharedSecret: name that case, when it is the only problem.
  if (isRecord(body) && (body.sharedSecret === undefined || body.sharedSecret === null || body.sharedSecret === '')) {
    const rest = installedPayload.omit({ sharedSecret: true }).safeParse(body);
    if (rest.success) throw new NoSharedSecretError(rest.data.clientKey, rest.data.principal.type);
  }
  const result = installedPayload.safeParse(body, { error: problemMessage });
  if (!result.success) throw new PayloadError('installed', toProblems(result.error.issues, { root: 'body', hint }));
  return result.data;
}

/**
 * How many times a first install tries `create` when the installation that beat it to the
 * clientKey is gone again by the time it is read (uninstalled in between). One more try settles
 * any real race; needing more takes someone installing and uninstalling the app in a loop.
 */
const MAX_FIRST_INSTALL_ATTEMPTS = 3;

/**
 * Handles Bitbucket's `installed` call: validates the payload, verifies the JWT, stores the
 * installation and says what happened.
 *
 * - Unknown clientKey (first install): the JWT must verify with the payload's own sharedSecret,
 *   and the installation is stored with the store's atomic `create`. Of two first installs racing
 *   for one clientKey exactly one is created; the other is then treated as a re-install of the
 *   winner, so it is refused unless signed with the winner's secret.
 * - Known clientKey: the JWT must verify with the **stored** secret, whatever the payload says.
 *   A new secret in a payload signed with the stored one is a rotation; a payload signed with
 *   anything else is refused and the stored installation is left as it was. `installedAt` is kept.
 *
 * The result holds the sharedSecret: never log it whole (src/redact.ts).
 *
 * @throws {PayloadError} `ERR_PAYLOAD_INVALID`: the body is not an installed payload.
 * @throws {NoSharedSecretError} `ERR_NO_SHARED_SECRET`: a personal-account install.
 * @throws {AppKeyMismatchError} `ERR_APP_KEY_MISMATCH`: the payload is for another app.
 * @throws {ClientKeyMismatchError} `ERR_CLIENT_KEY_MISMATCH`: the JWT's iss or aud is another clientKey.
 * @throws {ReinstallUnauthenticatedError} `ERR_REINSTALL_UNAUTHENTICATED`: a re-install, or a first
 *   install that lost the race to another, not signed with the stored secret.
 * @throws {StoreContendedError} `ERR_STORE_CONTENDED`: a first install lost every try to
 *   installations that were uninstalled again before they could be read (nothing stored).
 * @throws the `ERR_JWT_*` and `ERR_QSH_*` errors of `verifyJwt` (missing, expired, wrong qsh, ...),
 *   and the store's errors (`ERR_STORE_BUSY`, ...).
 *
 * @example
 * const { installation, outcome } = await handleInstalled(
 *   { method: req.method, url: req.originalUrl, headers: req.headers, body: req.body },
 *   { store, appBaseUrl: config.baseUrl, appKey: config.appKey },
 * )
 * // outcome: 'installed' | 'reinstalled' | 'secret-rotated'
 */
export async function handleInstalled(
  request: LifecycleRequest,
  deps: LifecycleDeps,
): Promise<{ installation: Installation; outcome: InstallOutcome }> {
  const payload = parseInstalled(request.body);
  checkAppKey(payload.key, deps);
  const token = jwtIssuedFor(request, payload.clientKey);

  const verify = (secret: string) =>
    verifyJwt(token, {
      secret,
      qsh: {
        accept: [queryStringHash(request.method, request.url, deps.appBaseUrl)],
        canonical: canonicalRequest(request.method, request.url, deps.appBaseUrl),
      },
      now: deps.now,
      leewaySeconds: deps.leewaySeconds,
    });
  const timestamp = new Date((deps.now ?? Date.now)()).toISOString();
  const installationOf = (installedAt: string): Installation => ({
    clientKey: payload.clientKey,
    key: payload.key,
    sharedSecret: payload.sharedSecret,
    baseUrl: payload.baseUrl,
    baseApiUrl: payload.baseApiUrl ?? apiUrlFor(payload.baseUrl),
    productType: payload.productType,
    principal: payload.principal,
    installedAt,
    updatedAt: timestamp,
  });

  for (let attempt = 0; attempt < MAX_FIRST_INSTALL_ATTEMPTS; attempt++) {
    const existing = await deps.store.get(payload.clientKey);
    if (existing) {
      try {
        await verify(existing.sharedSecret);
      } catch (error) {
        if (isLabError(error, 'ERR_JWT_SIGNATURE')) throw new ReinstallUnauthenticatedError(payload.clientKey, error);
        throw error;
      }
      const installation = installationOf(existing.installedAt);
      // An upsert: a rotation racing another rotation ends with the last write. Acceptable, as each
      // was verified against the secret stored when it looked, so both were authenticated.
      await deps.store.save(installation);
      return { installation, outcome: existing.sharedSecret === payload.sharedSecret ? 'reinstalled' : 'secret-rotated' };
    }
    // Trust on first use: only the secret the payload brings can be checked.
    await verify(payload.sharedSecret);
    const installation = installationOf(timestamp);
    if (await deps.store.create(installation)) return { installation, outcome: 'installed' };
    // Another call installed this clientKey since the lookup: read it again, and its secret decides.
  }
  throw new StoreContendedError(payload.clientKey, MAX_FIRST_INSTALL_ATTEMPTS);
}

/**
 * Handles Bitbucket's `uninstalled` call: validates the payload, verifies the JWT with the stored
 * secret of the payload's clientKey, then deletes the installation. `removed` is false only when a
 * concurrent call deleted it between the check and the delete.
 *
 * @throws {PayloadError} `ERR_PAYLOAD_INVALID`: the body is not an uninstalled payload.
 * @throws {AppKeyMismatchError} `ERR_APP_KEY_MISMATCH`: the payload is for another app.
 * @throws {ClientKeyMismatchError} `ERR_CLIENT_KEY_MISMATCH`: the JWT's iss or aud is another clientKey.
 * @throws `ERR_INSTALLATION_UNKNOWN` when nothing is stored for the clientKey, and the `ERR_JWT_*`
 *   and `ERR_QSH_*` errors of `verifyRequest`.
 *
 * @example
 * const { clientKey, removed } = await handleUninstalled(
 *   { method: req.method, url: req.originalUrl, headers: req.headers, body: req.body },
 *   { store, appBaseUrl: config.baseUrl, appKey: config.appKey },
 * )
 */
export async function handleUninstalled(
  request: LifecycleRequest,
  deps: LifecycleDeps,
): Promise<{ clientKey: string; removed: boolean }> {
  const result = uninstalledPayload.safeParse(request.body, { error: problemMessage });
  if (!result.success) {
    throw new PayloadError('uninstalled', toProblems(result.error.issues, { root: 'body', hint }));
  }
  const { key, clientKey } = result.data;
  checkAppKey(key, deps);
  jwtIssuedFor(request, clientKey);
  // Finds the stored secret by the JWT's iss, now known to be this clientKey, and checks the qsh.
  await verifyRequest(request, {
    store: deps.store,
    appBaseUrl: deps.appBaseUrl,
    now: deps.now,
    leewaySeconds: deps.leewaySeconds,
  });
  return { clientKey, removed: await deps.store.delete(clientKey) };
}
