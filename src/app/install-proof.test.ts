import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureUuid } from '../../mocks/fixtures/ids.ts';
import { clientKeyFor, installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { repositoryFixtures } from '../../mocks/fixtures/repositories.ts';
import { startMockServer, type MockServer } from '../../mocks/server.ts';
import { startTestApp, tempDataDir, type TestApp } from '../../test/support/app-harness.ts';
import { createInstallVerifier, type InstallVerifier } from '../connect/install-verifier.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import { createMemoryStore } from '../store/memory.ts';
import { openSqliteStore } from '../store/sqlite.ts';

/**
 * First installs proven with the JWT grant, end to end: the app (VERIFY_INSTALLS on), the msw
 * Bitbucket answering only for what its registry (the harness's `app.registry`) installed, and
 * what a pending, uninstalled or simulated installation may not do.
 */

const SECRET = 'install-proof-test-secret-0123456789abcdef';
const REPOSITORY = repositoryFixtures()[0]!;
/** The app's own fetch, looked up at call time: msw answers for Bitbucket. */
const globalFetch: typeof fetch = (input, init) => fetch(input, init);

let app: TestApp | undefined;
let bitbucket: MockServer | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  await app?.close();
  bitbucket?.stop();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  app = undefined;
  bitbucket = undefined;
});

/**
 * The app proving first installs. `hold`: a promise every wait between two tries waits for (a
 * refused proof is asked again only once it settles), so unproven installs pile up meanwhile.
 */
async function provingApp(o: { store?: InstallationStore; hold?: Promise<void>; env?: NodeJS.ProcessEnv } = {}) {
  const store = o.store ?? createMemoryStore();
  const verifierLines: string[] = [];
  const verifier: InstallVerifier = createInstallVerifier({
    store,
    bitbucketUrl: 'https://bitbucket.org',
    fetch: globalFetch,
    log: { info: (line) => verifierLines.push(line), error: (line) => verifierLines.push(line) },
    sleep: async () => o.hold,
  });
  cleanups.push(() => verifier.close());
  app = await startTestApp({ env: { VERIFY_INSTALLS: '1', ...o.env }, deps: { store, fetch: globalFetch, installVerifier: verifier } });
  bitbucket = startMockServer({ installations: app.registry.installations });
  return { app, verifier, verifierLines, bitbucket };
}

/** An unsigned first install of `body`, as anyone can post it. */
function postInstalled(body: object): Promise<Response> {
  return fetch(`${app!.url}/installed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** A first install for a workspace Bitbucket never installed the app into. */
function squatterPayload(n: number | string) {
  const uuid = fixtureUuid(`workspace:squatted-${n}`);
  const payload = installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: `squatter-secret-${n}-0123456789abcdef` });
  return { ...payload, clientKey: clientKeyFor(uuid, 'jwt-grant-tutorial'), principal: { ...payload.principal, uuid } };
}

/** Loads the repository page as Bitbucket's iframe does, signed for `clientKey`. */
async function loadPage(clientKey: string, secret: string): Promise<{ status: number; html: string }> {
  const path = `/oauth-callback?repoUuid=${encodeURIComponent(REPOSITORY.uuid)}`;
  const jwt = await app!.productJwt({ clientKey, sharedSecret: secret, method: 'GET', url: path });
  const response = await fetch(`${app!.url}${path}&jwt=${jwt}`);
  return { status: response.status, html: await response.text() };
}

describe('a first install, proven with the JWT grant', () => {
  it('arrives unsigned, is stored pending, then one token exchange signed with its secret makes it active', async () => {
    const { verifier, bitbucket } = await provingApp();
    const { response, clientKey, signedWith } = await app!.install({ sharedSecret: SECRET });
    expect(signedWith).toBeUndefined();
    expect(response.status).toBe(204);
    await verifier.idle();
    expect(await app!.store.get(clientKey)).toMatchObject({ state: 'active', sharedSecret: SECRET, origin: 'simulated' });
    expect(bitbucket.mock.state.log.map((entry) => `${entry.endpoint} ${entry.status}`)).toEqual(['POST /site/oauth2/access_token 200']);
    expect(app!.lines.some((line) => line.includes(`installed clientKey=${clientKey} outcome=pending`))).toBe(true);
  });

  it('a squatter\'s first install for a clientKey Bitbucket never installed: 204, pending, refused by the exchange, deleted', async () => {
    const { verifier, verifierLines } = await provingApp();
    const body = squatterPayload('one');
    expect((await postInstalled(body)).status).toBe(204);
    await verifier.idle();
    expect(await app!.store.get(body.clientKey)).toBeUndefined();
    expect(verifierLines.at(-1)).toContain('Bitbucket refused the token exchange (ERR_GRANT_UNAUTHORIZED_CLIENT, HTTP 401); pending installation deleted');
    for (const line of [...verifierLines, ...app!.lines]) expect(line).not.toContain(body.sharedSecret);
  });

  it('serves nothing while pending: its page is refused with 409 ERR_INSTALLATION_PENDING', async () => {
    let release!: () => void;
    const { verifier } = await provingApp({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const body = squatterPayload('page');
    expect((await postInstalled(body)).status).toBe(204);
    // The proof was refused once and waits to ask again: the row is pending.
    for (let tick = 0; verifier.inFlight() > 0 && bitbucket!.mock.state.log.length === 0 && tick < 1000; tick++) await new Promise((r) => setImmediate(r));
    expect((await app!.store.get(body.clientKey))?.state).toBe('pending');
    const page = await loadPage(body.clientKey, body.sharedSecret!);
    expect(page.status).toBe(409);
    expect(page.html).toContain('ERR_INSTALLATION_PENDING');
    release();
    await verifier.idle();
  });

  it('a flood of 200 first installs from concurrent clients: none becomes active, pending ones stay bounded, /healthcheck answers', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const inner = createMemoryStore();
    let mostPending = 0;
    const watched: InstallationStore = {
      ...inner,
      async create(installation, options) {
        try {
          return await inner.create(installation, options);
        } finally {
          mostPending = Math.max(mostPending, await inner.count({ state: 'pending' }));
        }
      },
    };
    const { verifier } = await provingApp({ store: watched, hold });
    const flood = Promise.all(Array.from({ length: 200 }, (_, n) => postInstalled(squatterPayload(n)).then((r) => r.status)));
    const health = await fetch(`${app!.url}/healthcheck`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('OK');
    const statuses = await flood;
    expect(new Set(statuses)).toEqual(new Set([204, 503]));
    expect(statuses.filter((s) => s === 204).length).toBe(50);
    expect(mostPending).toBe(50);
    const refused = await postInstalled(squatterPayload('late'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after'), 'when to come back').toBe('60');
    expect(((await refused.json()) as { error: string }).error).toBe('ERR_PENDING_LIMIT');
    release();
    await verifier.idle();
    expect(await inner.count({ state: 'active' })).toBe(0);
    expect(await inner.count()).toBe(0);
  });
});

describe('what a pending, uninstalled or simulated installation may not do', () => {
  it('an uninstalled installation\'s page is refused with 401 ERR_INSTALLATION_UNINSTALLED', async () => {
    const installation: Installation = {
      ...installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SECRET })),
      principal: undefined,
      scopes: undefined,
      state: 'uninstalled',
      uninstalledAt: '2026-01-01T00:00:00.000Z',
    };
    app = await startTestApp({ deps: { store: createMemoryStore([installation]) } });
    const page = await loadPage(installation.clientKey, SECRET);
    expect(page.status).toBe(401);
    expect(page.html).toContain('ERR_INSTALLATION_UNINSTALLED');
  });

  it('live, an installation the simulated Bitbucket made is refused with 409 ERR_INSTALLATION_SIMULATED, saying what to do', async () => {
    const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SECRET }));
    app = await startTestApp({ env: { LIVE: '1' }, deps: { store: createMemoryStore([installation]) } });
    const page = await loadPage(installation.clientKey, SECRET);
    expect(page.status).toBe(409);
    expect(page.html).toContain('ERR_INSTALLATION_SIMULATED');
    expect(page.html).toContain('without LIVE=1');
  });

  it('live, a first install is recorded as coming from real Bitbucket', async () => {
    app = await startTestApp({ env: { LIVE: '1' } });
    const { response, clientKey } = await app.install({ sharedSecret: SECRET });
    expect(response.status).toBe(204);
    expect((await app.store.get(clientKey))?.origin).toBe('bitbucket');
  });
});

describe('one invalid stored row', () => {
  it('fails only what needs exactly that row, with 503 ERR_STORE_INVALID_ROW naming it; / and /healthcheck answer', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const store = openSqliteStore({ dataDir: data.dir });
    const bad = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SECRET }), { origin: 'bitbucket' });
    await store.save(bad);
    const raw = new Database(join(data.dir, 'installations.db'));
    raw.prepare("UPDATE installations SET base_url = 'not a url' WHERE client_key = ?").run(bad.clientKey);
    raw.close();
    app = await startTestApp({ deps: { store } });

    expect((await fetch(`${app.url}/`)).status).toBe(200);
    expect((await fetch(`${app.url}/healthcheck`)).status).toBe(200);
    const page = await loadPage(bad.clientKey, SECRET);
    expect(page.status).toBe(503);
    expect(page.html).toContain('ERR_STORE_INVALID_ROW');
    expect(page.html).toContain('npm run installations -- delete');
    const install = await postInstalled(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SECRET }));
    expect(install.status).toBe(503);
    expect(((await install.json()) as { error: string }).error).toBe('ERR_STORE_INVALID_ROW');
  });
});
