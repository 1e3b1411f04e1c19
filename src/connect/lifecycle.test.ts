import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { rejection } from '../../test/support/caught.ts';
import { makeInstallation } from '../../test/support/store/installations.ts';
import { isLabError } from '../errors.ts';
import { queryStringHash } from '../jwt/qsh.ts';
import { signProductJwt } from '../jwt/sign.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import { createMemoryStore } from '../store/memory.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { PayloadError } from './errors.ts';
import { handleInstalled, handleUninstalled, type LifecycleDeps, type LifecycleRequest } from './lifecycle.ts';

const APP_KEY = 'jwt-grant-tutorial';
const APP_BASE_URL = 'https://jwt-grant.example.com';
const CLIENT_KEY = `ari:cloud:bitbucket::app/{0f2b4c6d-8e9f-4a1b-9c2d-3e4f5a6b7c8d}/${APP_KEY}`;
const OTHER_CLIENT_KEY = `ari:cloud:bitbucket::app/{11111111-2222-4333-8444-555555555555}/${APP_KEY}`;
const SECRET = 'first-shared-secret-0123456789abcdefghij';
const NEW_SECRET = 'second-shared-secret-9876543210zyxwvuts';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;

function installedBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key: APP_KEY,
    clientKey: CLIENT_KEY,
    sharedSecret: SECRET,
    publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA',
    baseUrl: 'https://bitbucket.org',
    baseApiUrl: 'https://api.bitbucket.org',
    productType: 'bitbucket',
    eventType: 'installed',
    principal: {
      type: 'team',
      uuid: '{0f2b4c6d-8e9f-4a1b-9c2d-3e4f5a6b7c8d}',
      username: 'acme',
      display_name: 'Acme',
      links: { html: { href: 'https://bitbucket.org/acme/' } },
    },
    user: { type: 'user', uuid: '{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}', display_name: 'Ada' },
    actor: { type: 'user', uuid: '{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}', display_name: 'Ada' },
    ...overrides,
  };
}

function uninstalledBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { sharedSecret: _secret, actor: _actor, ...rest } = installedBody({ eventType: 'uninstalled' });
  return { ...rest, ...overrides };
}

interface SignOptions {
  secret?: string;
  clientKey?: string;
  /** The URL the JWT's qsh is computed over; default: the request's own. */
  signedUrl?: string;
  signedAt?: number;
  baseUrl?: string;
}

/** A lifecycle request signed the way Bitbucket signs it. */
async function signedRequest(url: string, body: unknown, o: SignOptions = {}): Promise<LifecycleRequest> {
  const jwt = await signProductJwt({
    clientKey: o.clientKey ?? CLIENT_KEY,
    sharedSecret: o.secret ?? SECRET,
    method: 'POST',
    url: o.signedUrl ?? url,
    baseUrl: o.baseUrl ?? APP_BASE_URL,
    now: () => o.signedAt ?? T0,
  });
  return { method: 'POST', url, headers: { authorization: `JWT ${jwt}`, 'content-type': 'application/json' }, body };
}

/**
 * A memory store and the lifecycle's dependencies. First installs are stored active at once
 * (`verifyFirstInstalls: false`, as with VERIFY_INSTALLS=0): these tests are about the lifecycle
 * rules; `verifying` turns the proof on (pending first installs).
 */
function setup(initial: Installation[] = [], o: { verifying?: boolean } = {}) {
  let clock = T0;
  const store = createMemoryStore(initial);
  const deps: LifecycleDeps = {
    store,
    appBaseUrl: APP_BASE_URL,
    appKey: APP_KEY,
    bitbucketUrl: 'https://bitbucket.org',
    origin: 'bitbucket',
    verifyFirstInstalls: o.verifying ?? false,
    now: () => clock,
  };
  return {
    store,
    deps,
    advance(ms: number) {
      clock += ms;
    },
  };
}

/** A JWT signed as `foreign` (no aud) for this request: only the iss == clientKey check can refuse it. */
async function foreignIssuerJwt(path: string, secret: string): Promise<string> {
  const iat = Math.floor(T0 / 1000);
  return new SignJWT({ iss: OTHER_CLIENT_KEY, iat, exp: iat + 3600, qsh: queryStringHash('POST', path) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

async function installedOnce() {
  const context = setup();
  await handleInstalled(await signedRequest('/installed', installedBody()), context.deps);
  return context;
}

describe('handleInstalled: first install', () => {
  it('stores a first install without a JWT, as Bitbucket sends it (signing table: no previous secret)', async () => {
    const { store, deps } = setup();
    const request = { method: 'POST', url: '/installed', headers: { 'content-type': 'application/json' }, body: installedBody() };
    await expect(handleInstalled(request, deps)).resolves.toMatchObject({ outcome: 'installed' });
    expect(await store.get(CLIENT_KEY)).toMatchObject({ sharedSecret: SECRET, state: 'active', origin: 'bitbucket' });
  });

  it('with verification on (the default), stores it pending: not used until a token exchange proves it', async () => {
    const { store, deps } = setup([], { verifying: true });
    const request = { method: 'POST', url: '/installed', headers: {}, body: installedBody() };
    const result = await handleInstalled(request, { ...deps, verifyFirstInstalls: undefined });
    expect(result.outcome).toBe('pending');
    expect(result.installation.state).toBe('pending');
    expect(await store.get(CLIENT_KEY)).toMatchObject({ sharedSecret: SECRET, state: 'pending' });
  });

  it('records which Bitbucket sent it: the origin of the app\'s mode', async () => {
    const { store, deps } = setup();
    await handleInstalled(await signedRequest('/installed', installedBody()), { ...deps, origin: 'simulated' });
    expect((await store.get(CLIENT_KEY))?.origin).toBe('simulated');
  });

  it('stores the installation verified with the payload secret', async () => {
    const { store, deps } = setup();
    const result = await handleInstalled(await signedRequest('/installed', installedBody()), deps);

    expect(result.outcome).toBe('installed');
    const stored = await store.get(CLIENT_KEY);
    expect(stored).toMatchObject({
      clientKey: CLIENT_KEY,
      key: APP_KEY,
      sharedSecret: SECRET,
      baseUrl: 'https://bitbucket.org',
      baseApiUrl: 'https://api.bitbucket.org',
      productType: 'bitbucket',
      installedAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    });
    expect(stored?.principal).toMatchObject({ type: 'team', username: 'acme' });
    expect(result.installation.clientKey).toBe(CLIENT_KEY);
  });

  it('accepts a JWT made by Atlassian\'s reference library (atlassian-jwt)', async () => {
    const { store, deps } = setup();
    const iat = Math.floor(T0 / 1000);
    const qsh = createQueryStringHash(fromMethodAndUrl('POST', '/installed'), false, APP_BASE_URL);
    const jwt = encodeSymmetric({ iss: CLIENT_KEY, aud: CLIENT_KEY, iat, exp: iat + 3600, qsh }, SECRET);
    const request = { method: 'POST', url: '/installed', headers: { authorization: `JWT ${jwt}` }, body: installedBody() };

    await expect(handleInstalled(request, deps)).resolves.toMatchObject({ outcome: 'installed' });
    expect((await store.get(CLIENT_KEY))?.sharedSecret).toBe(SECRET);
  });

  it('derives baseApiUrl for bitbucket.org when an old payload leaves it out', async () => {
    const { store, deps } = setup();
    await handleInstalled(await signedRequest('/installed', installedBody({ baseApiUrl: undefined })), deps);
    expect((await store.get(CLIENT_KEY))?.baseApiUrl).toBe('https://api.bitbucket.org');
  });

  it('strips the app context path: appBaseUrl https://example.com/app, request /app/installed', async () => {
    const { store } = setup();
    const deps: LifecycleDeps = { ...setup().deps, store, appBaseUrl: 'https://example.com/app' };
    const iat = Math.floor(T0 / 1000);
    // Bitbucket hashes the path relative to the app's baseUrl: POST&/installed&.
    const jwt = await new SignJWT({ iss: CLIENT_KEY, aud: CLIENT_KEY, iat, exp: iat + 3600, qsh: queryStringHash('POST', '/installed') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(SECRET));
    const request = { method: 'POST', url: '/app/installed', headers: { authorization: `JWT ${jwt}` }, body: installedBody() };

    await expect(handleInstalled(request, deps)).resolves.toMatchObject({ outcome: 'installed' });
    expect(await store.get(CLIENT_KEY)).toBeDefined();
  });
});

describe('handleInstalled: a pending first install', () => {
  it('never blocks a later first install for the same clientKey: the later one replaces it', async () => {
    const { store, deps } = setup([], { verifying: true });
    await handleInstalled(await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), { secret: NEW_SECRET }), deps);
    const unsigned = { method: 'POST', url: '/installed', headers: {}, body: installedBody() };
    await expect(handleInstalled(unsigned, deps)).resolves.toMatchObject({ outcome: 'pending' });
    expect(await store.get(CLIENT_KEY)).toMatchObject({ sharedSecret: SECRET, state: 'pending' });
    expect(await store.count()).toBe(1);
  });

  it('beyond maxPending, refuses a new first install with ERR_PENDING_LIMIT and stores nothing; active rows are untouched', async () => {
    const { store, deps } = setup([makeInstallation('active-one')], { verifying: true });
    const limited = { ...deps, maxPending: 1 };
    await handleInstalled({ method: 'POST', url: '/installed', headers: {}, body: installedBody() }, limited);
    const other = { method: 'POST', url: '/installed', headers: {}, body: installedBody({ clientKey: OTHER_CLIENT_KEY }) };
    const error = await rejection(handleInstalled(other, limited), 'ERR_PENDING_LIMIT');
    expect(error.message).toContain('1 first installs');
    expect(await store.get(OTHER_CLIENT_KEY)).toBeUndefined();
    expect(await store.get(makeInstallation('active-one').clientKey)).toStrictEqual(makeInstallation('active-one'));
  });

  it('deletes pending installs older than the verification window before counting them', async () => {
    const context = setup([], { verifying: true });
    const limited = { ...context.deps, maxPending: 1, verificationWindowMs: 60_000 };
    await handleInstalled({ method: 'POST', url: '/installed', headers: {}, body: installedBody() }, limited);
    context.advance(61_000);
    const other = { method: 'POST', url: '/installed', headers: {}, body: installedBody({ clientKey: OTHER_CLIENT_KEY }) };
    await expect(handleInstalled(other, limited)).resolves.toMatchObject({ outcome: 'pending' });
    expect((await context.store.list()).map((i) => i.clientKey)).toEqual([OTHER_CLIENT_KEY]);
  });
});

describe('handleInstalled: the Bitbucket it comes from', () => {
  it.each([['https://evil.example'], ['http://bitbucket.org'], ['https://bitbucket.org.evil.example']])(
    'refuses a payload whose baseUrl is %s, not the configured Bitbucket: ERR_INSTALL_BASE_URL, nothing stored',
    async (baseUrl) => {
      const { store, deps } = setup();
      const error = await rejection(handleInstalled(await signedRequest('/installed', installedBody({ baseUrl })), deps), 'ERR_INSTALL_BASE_URL');
      expect(error.message).toContain(baseUrl);
      expect(error.message).toContain('BITBUCKET_URL');
      expect(await store.list()).toEqual([]);
    },
  );

  it('compares origins: a path or a trailing slash in baseUrl is the same Bitbucket', async () => {
    const { deps } = setup();
    await expect(handleInstalled(await signedRequest('/installed', installedBody({ baseUrl: 'https://bitbucket.org/' })), deps)).resolves.toMatchObject({
      outcome: 'installed',
    });
  });
});

describe('handleInstalled: re-install of a known clientKey', () => {
  it('refuses an unsigned re-install (only a first install comes without a JWT), keeping the stored one', async () => {
    const { store, deps } = await installedOnce();
    const before = await store.get(CLIENT_KEY);
    const unsigned = { method: 'POST', url: '/installed', headers: {}, body: installedBody({ sharedSecret: NEW_SECRET }) };
    const error = await rejection(handleInstalled(unsigned, deps), 'ERR_REINSTALL_UNAUTHENTICATED');
    expect(error.message).toContain('no JWT');
    expect(await store.get(CLIENT_KEY)).toEqual(before);
  });

  it('re-install with the same secret: reinstalled, installedAt kept, updatedAt moved', async () => {
    const { store, deps, advance } = await installedOnce();
    advance(HOUR);
    const result = await handleInstalled(await signedRequest('/installed', installedBody(), { signedAt: T0 + HOUR }), deps);

    expect(result.outcome).toBe('reinstalled');
    const stored = await store.get(CLIENT_KEY);
    expect(stored?.installedAt).toBe(new Date(T0).toISOString());
    expect(stored?.updatedAt).toBe(new Date(T0 + HOUR).toISOString());
    expect(result.installation.installedAt).toBe(new Date(T0).toISOString());
  });

  it('rotation: a new secret in a payload signed with the stored secret replaces it', async () => {
    const { store, deps } = await installedOnce();
    const request = await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), { secret: SECRET });

    const result = await handleInstalled(request, deps);
    expect(result.outcome).toBe('secret-rotated');
    expect((await store.get(CLIENT_KEY))?.sharedSecret).toBe(NEW_SECRET);
  });

  it('hijack: a re-install signed with the new secret it brings is refused, and the stored one kept', async () => {
    const { store, deps, advance } = await installedOnce();
    const before = await store.get(CLIENT_KEY);
    advance(HOUR);
    const forged = await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), {
      secret: NEW_SECRET,
      signedAt: T0 + HOUR,
    });

    const error = await rejection(handleInstalled(forged, deps), 'ERR_REINSTALL_UNAUTHENTICATED');
    expect(error.message).toContain(CLIENT_KEY);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(NEW_SECRET);
    expect(error.lesson).toBe(2);
    expect(await store.get(CLIENT_KEY)).toEqual(before);
  });

  it('after a refused hijack, the stored secret still verifies a genuine re-install', async () => {
    const { deps } = await installedOnce();
    const forged = await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), { secret: NEW_SECRET });
    await rejection(handleInstalled(forged, deps), 'ERR_REINSTALL_UNAUTHENTICATED');

    const genuine = await signedRequest('/installed', installedBody());
    await expect(handleInstalled(genuine, deps)).resolves.toMatchObject({ outcome: 'reinstalled' });
  });

  it('a re-install with a wrong qsh is refused by the qsh check, store untouched', async () => {
    const { store, deps } = await installedOnce();
    const request = await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), { signedUrl: '/wrong' });
    await rejection(handleInstalled(request, deps), 'ERR_QSH_MISMATCH');
    expect((await store.get(CLIENT_KEY))?.sharedSecret).toBe(SECRET);
  });
});

/**
 * Makes the first `parties` lookups, across every store it wraps, wait for one another after
 * reading: each racer then sees the store as it was before any of them wrote, the window the
 * atomic `create` closes. Later lookups pass straight through.
 */
function lookupsInStep(parties: number): (store: InstallationStore) => InstallationStore {
  let arrived = 0;
  let release!: () => void;
  const allArrived = new Promise<void>((resolve) => (release = resolve));
  return (store) => ({
    ...store,
    async get(clientKey) {
      const found = await store.get(clientKey);
      arrived += 1;
      if (arrived === parties) release();
      if (arrived <= parties) await allArrived;
      return found;
    },
  });
}

/** Settles both, then splits them into the one that was installed and the one refused. */
async function raceOf(a: Promise<{ outcome: string }>, b: Promise<{ outcome: string }>) {
  const results = await Promise.allSettled([a, b]);
  const won = results.flatMap((r, n) => (r.status === 'fulfilled' ? [{ n, outcome: r.value.outcome }] : []));
  const lost = results.flatMap((r, n) => (r.status === 'rejected' ? [{ n, error: r.reason as unknown }] : []));
  return { won, lost };
}

describe('handleInstalled: first installs racing for one clientKey', () => {
  it('a genuine and a forged first install at once: exactly one wins, the other gets ERR_REINSTALL_UNAUTHENTICATED', async () => {
    const { store, deps } = setup();
    const racing = { ...deps, store: lookupsInStep(2)(store) };
    const secrets = [SECRET, NEW_SECRET];
    const [genuine, forged] = await Promise.all(
      secrets.map((secret) => signedRequest('/installed', installedBody({ sharedSecret: secret }), { secret })),
    );

    const { won, lost } = await raceOf(handleInstalled(genuine!, racing), handleInstalled(forged!, racing));
    expect(won).toHaveLength(1);
    expect(won[0]!.outcome).toBe('installed');
    expect(lost).toHaveLength(1);
    expect(isLabError(lost[0]!.error, 'ERR_REINSTALL_UNAUTHENTICATED')).toBe(true);
    expect((lost[0]!.error as Error).message).not.toContain(secrets[lost[0]!.n]!);
    expect((await store.get(CLIENT_KEY))?.sharedSecret).toBe(secrets[won[0]!.n]);
  });

  it('the same install delivered twice at once: installed, then reinstalled, with installedAt kept', async () => {
    const { store, deps } = setup();
    const racing = { ...deps, store: lookupsInStep(2)(store) };
    const request = await signedRequest('/installed', installedBody());

    const results = await Promise.all([handleInstalled(request, racing), handleInstalled(request, racing)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['installed', 'reinstalled']);
    expect(await store.get(CLIENT_KEY)).toMatchObject({ sharedSecret: SECRET, installedAt: new Date(T0).toISOString() });
  });

  it('the app and a lesson, each with its own handle on one SQLite file: one wins, the stored secret is the winner\'s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jwt-grant-lab-lifecycle-'));
    const [app, lesson] = [openSqliteStore({ dataDir }), openSqliteStore({ dataDir })];
    try {
      const inStep = lookupsInStep(2);
      const secrets = [SECRET, NEW_SECRET];
      const [first, second] = await Promise.all(
        secrets.map((secret) => signedRequest('/installed', installedBody({ sharedSecret: secret }), { secret })),
      );
      const depsOf = (store: InstallationStore): LifecycleDeps => ({ ...setup().deps, store: inStep(store) });

      const { won, lost } = await raceOf(handleInstalled(first!, depsOf(app)), handleInstalled(second!, depsOf(lesson)));
      expect(won.map((w) => w.outcome)).toEqual(['installed']);
      expect(lost.map((l) => isLabError(l.error, 'ERR_REINSTALL_UNAUTHENTICATED'))).toEqual([true]);
      expect((await lesson.get(CLIENT_KEY))?.sharedSecret).toBe(secrets[won[0]!.n]);
      expect((await app.get(CLIENT_KEY))?.sharedSecret).toBe(secrets[won[0]!.n]);
    } finally {
      await app.close();
      await lesson.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  /** A store where the first `losses` creates find the clientKey taken by a call uninstalled again before the re-read. */
  function vanishingWinners(store: InstallationStore, losses: number): InstallationStore & { creates: () => number } {
    let creates = 0;
    return {
      ...store,
      creates: () => creates,
      async create(installation) {
        creates += 1;
        return creates > losses && store.create(installation);
      },
    };
  }

  it('a lost race whose winner was uninstalled before the re-read: the key is free again, so it is installed', async () => {
    const { store, deps } = setup();
    const vanishing = vanishingWinners(store, 1);
    const result = await handleInstalled(await signedRequest('/installed', installedBody()), { ...deps, store: vanishing });
    expect(result.outcome).toBe('installed');
    expect(vanishing.creates()).toBe(2);
    expect((await store.get(CLIENT_KEY))?.sharedSecret).toBe(SECRET);
  });

  it('losing every try that way: ERR_STORE_CONTENDED after 3 creates, nothing stored', async () => {
    const { store, deps } = setup();
    const vanishing = vanishingWinners(store, Number.POSITIVE_INFINITY);
    const error = await rejection(
      handleInstalled(await signedRequest('/installed', installedBody()), { ...deps, store: vanishing }),
      'ERR_STORE_CONTENDED',
    );
    expect(error.message).toContain(CLIENT_KEY);
    expect(error.message).not.toContain(SECRET);
    expect(error.lesson).toBe(2);
    expect(vanishing.creates()).toBe(3);
    expect(await store.list()).toEqual([]);
  });
});

describe('handleInstalled: the JWT', () => {
  it('refuses an Authorization header that says JWT but carries none', async () => {
    const { store, deps } = setup();
    const request = { method: 'POST', url: '/installed', headers: { authorization: 'JWT ' }, body: installedBody() };
    await rejection(handleInstalled(request, deps), 'ERR_JWT_MISSING');
    expect(await store.list()).toEqual([]);
  });

  it('refuses a JWT sent with the Bearer scheme', async () => {
    const { deps } = setup();
    const signed = await signedRequest('/installed', installedBody());
    const token = String((signed.headers as Record<string, string>).authorization).replace(/^JWT /, '');
    const request = { ...signed, headers: { authorization: `Bearer ${token}` } };
    await rejection(handleInstalled(request, deps), 'ERR_JWT_SCHEME');
  });

  it('refuses a JWT whose iss is another clientKey', async () => {
    const { store, deps } = setup();
    const request = await signedRequest('/installed', installedBody(), { clientKey: OTHER_CLIENT_KEY });
    const error = await rejection(handleInstalled(request, deps), 'ERR_CLIENT_KEY_MISMATCH');
    expect(error.message).toContain(OTHER_CLIENT_KEY);
    expect(await store.list()).toEqual([]);
  });

  it('refuses a JWT without aud whose iss is another clientKey, though signed with the payload\'s secret', async () => {
    const { store, deps } = setup();
    const request = { method: 'POST', url: '/installed', headers: { authorization: `JWT ${await foreignIssuerJwt('/installed', SECRET)}` }, body: installedBody() };
    const error = await rejection(handleInstalled(request, deps), 'ERR_CLIENT_KEY_MISMATCH');
    expect(error.message).toContain('"iss"');
    expect(await store.list()).toEqual([]);
  });

  it('refuses a JWT whose aud is another clientKey', async () => {
    const { deps } = setup();
    const iat = Math.floor(T0 / 1000);
    const jwt = await new SignJWT({ iss: CLIENT_KEY, aud: OTHER_CLIENT_KEY, iat, exp: iat + 3600, qsh: queryStringHash('POST', '/installed') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(SECRET));
    const request = { method: 'POST', url: '/installed', headers: { authorization: `JWT ${jwt}` }, body: installedBody() };
    await rejection(handleInstalled(request, deps), 'ERR_CLIENT_KEY_MISMATCH');
  });

  it('refuses one installation acting for another: valid JWT of A, payload of B', async () => {
    const { store, deps } = await installedOnce();
    const request = await signedRequest('/installed', installedBody({ clientKey: OTHER_CLIENT_KEY }), { clientKey: CLIENT_KEY });
    await rejection(handleInstalled(request, deps), 'ERR_CLIENT_KEY_MISMATCH');
    expect(await store.get(OTHER_CLIENT_KEY)).toBeUndefined();
  });

  it('refuses a JWT whose qsh is for another path (POST&/wrong&)', async () => {
    const { store, deps } = setup();
    const request = await signedRequest('/installed', installedBody(), { signedUrl: '/wrong' });
    const error = await rejection(handleInstalled(request, deps), 'ERR_QSH_MISMATCH');
    expect(error.message).toContain('POST&/installed&');
    expect(await store.list()).toEqual([]);
  });

  it('refuses a JWT signed for /uninstalled replayed against /installed', async () => {
    const { deps } = setup();
    const request = await signedRequest('/installed', installedBody(), { signedUrl: '/uninstalled' });
    await rejection(handleInstalled(request, deps), 'ERR_QSH_MISMATCH');
  });

  it('refuses an expired JWT', async () => {
    const { store, deps } = setup();
    // Bitbucket's JWTs live an hour; this one was signed two hours ago.
    const request = await signedRequest('/installed', installedBody(), { signedAt: T0 - 2 * HOUR });
    await rejection(handleInstalled(request, deps), 'ERR_JWT_EXPIRED');
    expect(await store.list()).toEqual([]);
  });

  it('refuses a first install whose JWT is not signed with the secret it brings', async () => {
    const { store, deps } = setup();
    const request = await signedRequest('/installed', installedBody(), { secret: NEW_SECRET });
    await rejection(handleInstalled(request, deps), 'ERR_JWT_SIGNATURE');
    expect(await store.list()).toEqual([]);
  });
});

describe('handleInstalled: the payload', () => {
  it('names a personal-account install without sharedSecret', async () => {
    const { store, deps } = setup();
    const body = installedBody({
      sharedSecret: undefined,
      principal: { type: 'user', uuid: '{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}', account_id: '557058:abc' },
    });
    const error = await rejection(handleInstalled(await signedRequest('/installed', body), deps), 'ERR_NO_SHARED_SECRET');
    expect(error.message).toMatch(/workspace/);
    expect(error.message).toContain('"user"');
    expect(await store.list()).toEqual([]);
  });

  it('lists a missing sharedSecret with the other problems when there are some', async () => {
    const { deps } = setup();
    const body = installedBody({ sharedSecret: undefined, productType: 'jira' });
    const error = await rejection(handleInstalled(await signedRequest('/installed', body), deps), 'ERR_PAYLOAD_INVALID');
    expect((error as PayloadError).problems).toEqual([
      expect.stringMatching(/^sharedSecret: is missing/),
      expect.stringMatching(/^productType: must be "bitbucket"/),
    ]);
  });

  it('refuses a payload for another app key', async () => {
    const { store, deps } = setup();
    const body = installedBody({ key: 'someone-elses-app' });
    const error = await rejection(handleInstalled(await signedRequest('/installed', body), deps), 'ERR_APP_KEY_MISMATCH');
    expect(error.message).toContain('someone-elses-app');
    expect(error.message).toContain(APP_KEY);
    expect(await store.list()).toEqual([]);
  });

  it.each([
    ['undefined', undefined, /^body: is missing; send the JSON object/],
    ['a string', '{"key":"jwt-grant-tutorial"}', /^body: must be a JSON object, not a string/],
    ['an array', [installedBody()], /^body: must be a JSON object, not an array/],
    ['null', null, /^body: must be a JSON object, not null/],
  ])('refuses a body that is %s', async (_name, body, problem) => {
    const { deps } = setup();
    const error = await rejection(handleInstalled(await signedRequest('/installed', body), deps), 'ERR_PAYLOAD_INVALID');
    expect((error as PayloadError).problems).toEqual([expect.stringMatching(problem)]);
  });

  it('lists every field problem, each with its path, and never echoes the secret', async () => {
    const { store, deps } = setup();
    const body = installedBody({
      clientKey: undefined,
      baseUrl: 'bitbucket.org',
      productType: 'jira',
      eventType: 'uninstalled',
      principal: { uuid: '{x}' },
      sharedSecret: `${SECRET}\u0000`,
    });
    const error = await rejection(handleInstalled(await signedRequest('/installed', body), deps), 'ERR_PAYLOAD_INVALID');
    const problems = (error as PayloadError).problems;
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'clientKey',
      'sharedSecret',
      'baseUrl',
      'productType',
      'eventType',
      'principal.type',
    ]);
    expect(problems[0]).toMatch(/is missing; Bitbucket sends/);
    expect(error.message).not.toContain(SECRET);
    expect(error.lesson).toBe(2);
    expect(await store.list()).toEqual([]);
  });

  it('keeps unknown payload keys from failing the install', async () => {
    const { deps } = setup();
    const request = await signedRequest('/installed', installedBody({ somethingNew: { nested: true } }));
    await expect(handleInstalled(request, deps)).resolves.toMatchObject({ outcome: 'installed' });
  });
});

describe('handleUninstalled', () => {
  it('keeps a tombstone of an installation uninstalled with its stored secret: the last secret, nothing that could be served', async () => {
    const { store, deps, advance } = await installedOnce();
    advance(HOUR);
    const result = await handleUninstalled(await signedRequest('/uninstalled', uninstalledBody(), { signedAt: T0 + HOUR }), deps);
    const at = new Date(T0 + HOUR).toISOString();
    const tombstone = await store.get(CLIENT_KEY);
    expect(tombstone).toMatchObject({ state: 'uninstalled', sharedSecret: SECRET, uninstalledAt: at, updatedAt: at, installedAt: new Date(T0).toISOString() });
    expect(tombstone?.principal).toBeUndefined();
    expect(tombstone && 'scopes' in tombstone).toBe(false);
    expect(result.installation).toEqual(tombstone);
  });

  it('refuses to uninstall a tombstone again (ERR_INSTALLATION_UNINSTALLED) or a pending install (ERR_INSTALLATION_PENDING)', async () => {
    const { store, deps } = await installedOnce();
    await handleUninstalled(await signedRequest('/uninstalled', uninstalledBody()), deps);
    const tombstone = await store.get(CLIENT_KEY);
    await rejection(handleUninstalled(await signedRequest('/uninstalled', uninstalledBody()), deps), 'ERR_INSTALLATION_UNINSTALLED');
    expect(await store.get(CLIENT_KEY)).toEqual(tombstone);

    const pending = setup([], { verifying: true });
    await handleInstalled({ method: 'POST', url: '/installed', headers: {}, body: installedBody() }, pending.deps);
    // Uninstalling an unproven install would let whoever posted it leave a tombstone in the genuine install's way.
    await rejection(handleUninstalled(await signedRequest('/uninstalled', uninstalledBody()), pending.deps), 'ERR_INSTALLATION_PENDING');
    expect((await pending.store.get(CLIENT_KEY))?.state).toBe('pending');
  });

  it('an uninstall verified against an older secret never touches the installation stored since under another', async () => {
    const { store, deps } = await installedOnce();
    let reads = 0;
    // A rotation lands between the uninstall's read (and JWT check) and its write.
    const rotatedMeanwhile: InstallationStore = {
      ...store,
      async get(clientKey) {
        const found = await store.get(clientKey);
        if (++reads === 1 && found) await store.save({ ...found, sharedSecret: NEW_SECRET });
        return found;
      },
    };
    await rejection(handleUninstalled(await signedRequest('/uninstalled', uninstalledBody()), { ...deps, store: rotatedMeanwhile }), 'ERR_JWT_SIGNATURE');
    expect(await store.get(CLIENT_KEY)).toMatchObject({ state: 'active', sharedSecret: NEW_SECRET });
  });

  it('refuses an unknown clientKey', async () => {
    const { deps } = setup();
    await rejection(handleUninstalled(await signedRequest('/uninstalled', uninstalledBody()), deps), 'ERR_INSTALLATION_UNKNOWN');
  });

  it('refuses an uninstall not signed with the stored secret, and keeps the installation', async () => {
    const { store, deps } = await installedOnce();
    const request = await signedRequest('/uninstalled', uninstalledBody(), { secret: NEW_SECRET });
    await rejection(handleUninstalled(request, deps), 'ERR_JWT_SIGNATURE');
    expect(await store.get(CLIENT_KEY)).toBeDefined();
  });

  it('refuses an unsigned uninstall', async () => {
    const { store, deps } = await installedOnce();
    const request = { method: 'POST', url: '/uninstalled', headers: {}, body: uninstalledBody() };
    await rejection(handleUninstalled(request, deps), 'ERR_JWT_MISSING');
    expect(await store.get(CLIENT_KEY)).toBeDefined();
  });

  it('refuses a JWT without aud whose iss is another clientKey, though signed with the stored secret', async () => {
    const { store, deps } = await installedOnce();
    const before = await store.get(CLIENT_KEY);
    const request = { method: 'POST', url: '/uninstalled', headers: { authorization: `JWT ${await foreignIssuerJwt('/uninstalled', SECRET)}` }, body: uninstalledBody() };
    await rejection(handleUninstalled(request, deps), 'ERR_CLIENT_KEY_MISMATCH');
    expect(await store.get(CLIENT_KEY)).toEqual(before);
  });

  it('refuses one installation uninstalling another', async () => {
    const context = await installedOnce();
    const other = installedBody({ clientKey: OTHER_CLIENT_KEY, sharedSecret: NEW_SECRET });
    await handleInstalled(await signedRequest('/installed', other, { clientKey: OTHER_CLIENT_KEY, secret: NEW_SECRET }), context.deps);

    const request = await signedRequest('/uninstalled', uninstalledBody({ clientKey: OTHER_CLIENT_KEY }), { clientKey: CLIENT_KEY });
    await rejection(handleUninstalled(request, context.deps), 'ERR_CLIENT_KEY_MISMATCH');
    expect(await context.store.get(OTHER_CLIENT_KEY)).toBeDefined();
  });

  it('refuses a JWT signed for /installed replayed against /uninstalled', async () => {
    const { store, deps } = await installedOnce();
    const request = await signedRequest('/uninstalled', uninstalledBody(), { signedUrl: '/installed' });
    await rejection(handleUninstalled(request, deps), 'ERR_QSH_MISMATCH');
    expect(await store.get(CLIENT_KEY)).toBeDefined();
  });

  it('refuses a payload for another app key', async () => {
    const { deps } = await installedOnce();
    const request = await signedRequest('/uninstalled', uninstalledBody({ key: 'other-app' }));
    await rejection(handleUninstalled(request, deps), 'ERR_APP_KEY_MISMATCH');
  });

  it('refuses an invalid payload, listing each problem', async () => {
    const { deps } = await installedOnce();
    const request = await signedRequest('/uninstalled', uninstalledBody({ eventType: 'installed', clientKey: 42 }));
    const error = await rejection(handleUninstalled(request, deps), 'ERR_PAYLOAD_INVALID');
    expect((error as PayloadError).problems).toEqual([
      expect.stringMatching(/^clientKey: must be a string, not a number/),
      expect.stringMatching(/^eventType: must be "uninstalled"/),
    ]);
  });

  it('works under a context path', async () => {
    const context = setup();
    const deps: LifecycleDeps = { ...context.deps, appBaseUrl: 'https://example.com/app' };
    const baseUrl = 'https://example.com/app';
    await handleInstalled(await signedRequest('/app/installed', installedBody(), { baseUrl }), deps);
    const result = await handleUninstalled(await signedRequest('/app/uninstalled', uninstalledBody(), { baseUrl }), deps);
    expect(result.installation.state).toBe('uninstalled');
  });
});

describe('handleInstalled: the first install after an uninstall', () => {
  async function uninstalledOnce() {
    const context = await installedOnce();
    context.advance(HOUR);
    await handleUninstalled(await signedRequest('/uninstalled', uninstalledBody(), { signedAt: T0 + HOUR }), context.deps);
    context.advance(HOUR);
    return context;
  }

  it('is accepted signed with the secret the tombstone kept, with a new secret in its payload, and is active at once', async () => {
    const { store, deps } = await uninstalledOnce();
    const request = await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), { secret: SECRET, signedAt: T0 + 2 * HOUR });
    const result = await handleInstalled(request, { ...deps, verifyFirstInstalls: true });
    expect(result.outcome).toBe('reinstalled-after-uninstall');
    const stored = await store.get(CLIENT_KEY);
    expect(stored).toMatchObject({ state: 'active', sharedSecret: NEW_SECRET, installedAt: new Date(T0 + 2 * HOUR).toISOString() });
    expect(stored?.uninstalledAt).toBeUndefined();
    expect(stored?.principal).toMatchObject({ username: 'acme' });
  });

  it('is refused unsigned, or signed with another secret, and the tombstone is kept', async () => {
    const { store, deps } = await uninstalledOnce();
    const tombstone = await store.get(CLIENT_KEY);
    const unsigned = { method: 'POST', url: '/installed', headers: {}, body: installedBody({ sharedSecret: NEW_SECRET }) };
    const error = await rejection(handleInstalled(unsigned, deps), 'ERR_REINSTALL_UNAUTHENTICATED');
    expect(error.message).toContain('after an uninstall');
    const selfSigned = await signedRequest('/installed', installedBody({ sharedSecret: NEW_SECRET }), { secret: NEW_SECRET, signedAt: T0 + 2 * HOUR });
    await rejection(handleInstalled(selfSigned, deps), 'ERR_REINSTALL_UNAUTHENTICATED');
    expect(await store.get(CLIENT_KEY)).toEqual(tombstone);
  });
});
