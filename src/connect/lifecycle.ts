import { z } from 'zod';
import { InstallationUnknownError } from '../jwt/errors.ts';
import { canonicalRequest, queryStringHash } from '../jwt/qsh.ts';
import { decodeUnverified, extractJwt, hasJwt, verifyJwt } from '../jwt/verify.ts';
import { InstallationPendingError, InstallationUninstalledError, StoreContendedError } from '../store/errors.ts';
import type { ExpectedInstallation, Installation, InstallationOrigin, InstallationStore } from '../store/installation.ts';
import { isHttpUrl, principalSchema, UNSAFE_TEXT } from '../store/validate.ts';
import {
  AppKeyMismatchError,
  ClientKeyMismatchError,
  InstallBaseUrlError,
  NoSharedSecretError,
  PayloadError,
} from './errors.ts';
import { decideInstall, type InstallOutcome } from './install-decision.ts';
import { hintFrom, problemMessage, refineWith, toProblems } from './problems.ts';

export type { InstallOutcome } from './install-decision.ts';

/**
 * The `installed` and `uninstalled` lifecycle calls (docs/protocol.md, sections 4 and 6), without a web
 * framework: the Express app and the lessons both mount these.
 *
 * Which secret signs which call is Atlassian's table (protocol.md §6, from
 * developer.atlassian.com/cloud/bitbucket/authentication-for-apps): a first install carries no
 * JWT; every later install, the first install after an uninstall, and the uninstall are signed
 * with the secret of the preceding `installed` call. So:
 * - a first install (nothing stored, or only a pending first install) is accepted signed or not,
 *   and stored `pending` until the app proves it with one token exchange (install-verifier.ts):
 *   anyone can post one, and only Bitbucket can answer an exchange for it;
 * - anything stored otherwise (installed, or uninstalled with its last secret kept: a tombstone)
 *   is changed only by a call signed with the stored secret;
 * - every write is a compare-and-set (`store.replace`) over the row the JWT was verified against.
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
  /** The Bitbucket this app works with (`config.bitbucketUrl`): a payload whose `baseUrl` has another origin is refused. */
  bitbucketUrl: string;
  /** Recorded on what is accepted: `bitbucket` in live mode, `simulated` offline (`config.live`). */
  origin: InstallationOrigin;
  /**
   * Store first installs as `pending`, to be proven by a token exchange (default true). False
   * (`VERIFY_INSTALLS=0`): trusted on first use and stored `active` at once.
   */
  verifyFirstInstalls?: boolean;
  /** At most this many pending first installs are kept; beyond, `ERR_PENDING_LIMIT` (503). Default {@link DEFAULT_MAX_PENDING}. */
  maxPending?: number;
  /** A pending first install older than this is deleted, never proven. Default {@link VERIFICATION_WINDOW_MS}. */
  verificationWindowMs?: number;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Tolerated clock skew for the JWT's times, in seconds (verifyJwt's default when absent). */
  leewaySeconds?: number;
  /**
   * Decides each `installed` call by the signing table; default {@link decideInstall}
   * (install-decision.ts). `npm run lesson 2 -- --mine` passes the learner's.
   */
  decideInstall?: typeof decideInstall;
}

/**
 * How many unproven first installs the app keeps at once. Real Bitbucket sends a handful; a flood
 * of forged installs gets `ERR_PENDING_LIMIT` beyond it (503, which Bitbucket retries).
 *
 * @example handleInstalled(request, { ...deps, maxPending: DEFAULT_MAX_PENDING })
 */
export const DEFAULT_MAX_PENDING = 50;

/**
 * How long a first install may stay pending before it is deleted unproven: longer than the
 * verifier's retries (install-verifier.ts gives up after four minutes).
 *
 * @example await store.deleteStalePending(new Date(now() - VERIFICATION_WINDOW_MS).toISOString())
 */
export const VERIFICATION_WINDOW_MS = 5 * 60_000;

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

const httpUrl = text(2048).superRefine(
  refineWith((value) => (isHttpUrl(value) ? [] : ['must be an absolute http(s) URL, e.g. "https://bitbucket.org"'])),
);

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
  principal: principalSchema,
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
 * How many times a call reads the stored row again after losing its compare-and-set to another
 * call for the same clientKey. One more try settles any real race; needing more takes someone
 * installing and uninstalling the app in a loop.
 */
const MAX_ATTEMPTS = 3;

function isOrigin(url: string, expected: string): boolean {
  return URL.canParse(url) && new URL(url).origin === new URL(expected).origin;
}

/** What a compare-and-set over `row` expects: the row the JWT was verified against. */
function expectationOf(row: Installation): ExpectedInstallation {
  return { clientKey: row.clientKey, sharedSecret: row.sharedSecret, state: row.state };
}

/** Verifies the lifecycle JWT: signed with `secret`, current, and bound to this request by its qsh. */
function lifecycleVerifier(request: LifecycleRequest, deps: LifecycleDeps) {
  return (token: string, secret: string) =>
    verifyJwt(token, {
      secret,
      qsh: {
        accept: [queryStringHash(request.method, request.url, deps.appBaseUrl)],
        canonical: canonicalRequest(request.method, request.url, deps.appBaseUrl),
      },
      now: deps.now,
      leewaySeconds: deps.leewaySeconds,
    });
}

/**
 * Handles Bitbucket's `installed` call: validates the payload, checks its app key and Bitbucket,
 * verifies the JWT by Atlassian's signing table, stores the installation and says what happened.
 *
 * - Nothing stored, or only a `pending` first install (first install): accepted with or without a
 *   JWT; a JWT, when present, must verify with the payload's own secret (and name the payload's
 *   clientKey). Stored `pending` (`active` with `verifyFirstInstalls: false`), replacing an older
 *   pending one: an unproven install never blocks a later one. A new pending row counts against
 *   `maxPending`, after pending rows older than the verification window are deleted.
 * - `active` (re-install) or `uninstalled` (install after an uninstall): the JWT is required and
 *   must verify with the **stored** secret, whatever the payload says. A new secret in a payload so
 *   signed is a rotation. Anything else is refused and the stored row left as it was.
 * - Every write is a compare-and-set over the row read; a call that loses it reads again.
 *
 * The table itself is {@link decideInstall} (install-decision.ts); this function parses, checks
 * the app key, Bitbucket and the JWT's issuer, and writes what the decision says.
 *
 * The result holds the sharedSecret: never log it whole (src/redact.ts).
 *
 * @throws {PayloadError} `ERR_PAYLOAD_INVALID`: the body is not an installed payload.
 * @throws {NoSharedSecretError} `ERR_NO_SHARED_SECRET`: a personal-account install.
 * @throws {AppKeyMismatchError} `ERR_APP_KEY_MISMATCH`: the payload is for another app.
 * @throws {InstallBaseUrlError} `ERR_INSTALL_BASE_URL`: the payload is from another Bitbucket than `bitbucketUrl`.
 * @throws {ClientKeyMismatchError} `ERR_CLIENT_KEY_MISMATCH`: the JWT's iss or aud is another clientKey.
 * @throws {ReinstallUnauthenticatedError} `ERR_REINSTALL_UNAUTHENTICATED`: an install for a stored
 *   (or uninstalled) clientKey, unsigned or not signed with the stored secret.
 * @throws `ERR_PENDING_LIMIT` (too many unproven first installs), `ERR_STORE_CONTENDED` (lost every
 *   compare-and-set), the `ERR_JWT_*` and `ERR_QSH_*` errors of `verifyJwt`, and the store's errors.
 *
 * @example
 * const { installation, outcome } = await handleInstalled(
 *   { method: req.method, url: req.originalUrl, headers: req.headers, body: req.body },
 *   { store, appBaseUrl: config.baseUrl, appKey: config.appKey, bitbucketUrl: config.bitbucketUrl, origin: 'bitbucket' },
 * )
 * if (outcome === 'pending') verifier.verify(installation) // after answering 204
 */
export async function handleInstalled(
  request: LifecycleRequest,
  deps: LifecycleDeps,
): Promise<{ installation: Installation; outcome: InstallOutcome }> {
  const payload = parseInstalled(request.body);
  checkAppKey(payload.key, deps);
  if (!isOrigin(payload.baseUrl, deps.bitbucketUrl)) throw new InstallBaseUrlError(payload.baseUrl, deps.bitbucketUrl);
  // Unsigned is only ever acceptable for a first install; whatever is present must name this clientKey.
  const token = hasJwt(request) ? jwtIssuedFor(request, payload.clientKey) : undefined;
  const verify = lifecycleVerifier(request, deps);
  const now = deps.now ?? Date.now;
  const timestamp = new Date(now()).toISOString();
  const installationOf = (state: Installation['state'], installedAt: string): Installation => ({
    clientKey: payload.clientKey,
    key: payload.key,
    sharedSecret: payload.sharedSecret,
    baseUrl: payload.baseUrl,
    baseApiUrl: payload.baseApiUrl ?? apiUrlFor(payload.baseUrl),
    productType: payload.productType,
    principal: payload.principal,
    state,
    origin: deps.origin,
    installedAt,
    updatedAt: timestamp,
  });

  const decide = deps.decideInstall ?? decideInstall;
  const verifyFirstInstalls = deps.verifyFirstInstalls ?? true;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await deps.store.get(payload.clientKey);
    const outcome = await decide({
      clientKey: payload.clientKey,
      stored: existing,
      payloadSecret: payload.sharedSecret,
      verify: token === undefined ? undefined : async (secret) => void (await verify(token, secret)),
      verifyFirstInstalls,
    });
    // A re-install continues the stored installation; anything else (after an uninstall too, which
    // may reach the old one's data) is a new one, with its own installedAt.
    const continues = (outcome === 'reinstalled' || outcome === 'secret-rotated') && existing?.state === 'active';
    const installation = installationOf(outcome === 'pending' ? 'pending' : 'active', continues ? existing.installedAt : timestamp);
    if (existing) {
      if (await deps.store.replace(expectationOf(existing), installation)) return { installation, outcome };
      // Changed since it was read (another install, an uninstall): read it again, and its row decides.
      continue;
    }
    if (outcome === 'pending') {
      await deps.store.deleteStalePending(new Date(now() - (deps.verificationWindowMs ?? VERIFICATION_WINDOW_MS)).toISOString());
    }
    if (await deps.store.create(installation, { maxPending: deps.maxPending ?? DEFAULT_MAX_PENDING })) return { installation, outcome };
    // Another call stored this clientKey since the lookup: read it again, and its row decides.
  }
  throw new StoreContendedError(payload.clientKey, MAX_ATTEMPTS);
}

/**
 * Handles Bitbucket's `uninstalled` call: validates the payload, verifies the JWT with the stored
 * secret of the payload's clientKey, then turns the installation into a tombstone (compare-and-set
 * over the row verified against): the last secret is kept, because Bitbucket signs the next
 * install with it; the principal and scopes are dropped. Nothing is ever deleted here.
 *
 * @throws {PayloadError} `ERR_PAYLOAD_INVALID`: the body is not an uninstalled payload.
 * @throws {AppKeyMismatchError} `ERR_APP_KEY_MISMATCH`: the payload is for another app.
 * @throws {ClientKeyMismatchError} `ERR_CLIENT_KEY_MISMATCH`: the JWT's iss or aud is another clientKey.
 * @throws `ERR_INSTALLATION_UNKNOWN` (nothing stored), `ERR_INSTALLATION_PENDING` (a first install
 *   not yet proven: uninstalling it would let whoever posted it leave a tombstone that blocks the
 *   genuine install), `ERR_INSTALLATION_UNINSTALLED` (already uninstalled), the `ERR_JWT_*` and
 *   `ERR_QSH_*` errors of `verifyJwt`, `ERR_STORE_CONTENDED`, and the store's errors.
 *
 * @example
 * const { installation } = await handleUninstalled(
 *   { method: req.method, url: req.originalUrl, headers: req.headers, body: req.body },
 *   { store, appBaseUrl: config.baseUrl, appKey: config.appKey, bitbucketUrl: config.bitbucketUrl, origin: 'bitbucket' },
 * )
 * installation.state // 'uninstalled'
 */
export async function handleUninstalled(request: LifecycleRequest, deps: LifecycleDeps): Promise<{ installation: Installation }> {
  const result = uninstalledPayload.safeParse(request.body, { error: problemMessage });
  if (!result.success) {
    throw new PayloadError('uninstalled', toProblems(result.error.issues, { root: 'body', hint }));
  }
  const { key, clientKey } = result.data;
  checkAppKey(key, deps);
  const token = jwtIssuedFor(request, clientKey);
  const verify = lifecycleVerifier(request, deps);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await deps.store.get(clientKey);
    if (!existing) throw new InstallationUnknownError(clientKey);
    await verify(token, existing.sharedSecret);
    if (existing.state === 'pending') throw new InstallationPendingError(clientKey);
    if (existing.state === 'uninstalled') throw new InstallationUninstalledError(clientKey);
    const at = new Date((deps.now ?? Date.now)()).toISOString();
    const { principal: _principal, scopes: _scopes, ...kept } = existing;
    const tombstone: Installation = { ...kept, principal: undefined, state: 'uninstalled', updatedAt: at, uninstalledAt: at };
    if (await deps.store.replace(expectationOf(existing), tombstone)) return { installation: tombstone };
    // Re-installed or rotated since it was read: the new row's secret decides.
  }
  throw new StoreContendedError(clientKey, MAX_ATTEMPTS);
}
