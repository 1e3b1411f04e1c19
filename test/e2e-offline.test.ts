import { http, HttpResponse } from 'msw';
import { describe, expect, it, onTestFinished } from 'vitest';
import { API_ENDPOINTS } from '../mocks/rest-api.ts';
import { repositoryFixtures, REPOSITORY_COUNT } from '../mocks/fixtures/repositories.ts';
import type { BitbucketRepository } from '../mocks/fixtures/types.ts';
import { installApp } from '../mocks/install.ts';
import { createMemoryRegistry } from '../mocks/registry.ts';
import { startMockServer } from '../mocks/server.ts';
import { createBitbucketClient, encodePathSegment } from '../src/bitbucket/client.ts';
import { buildDescriptor } from '../src/connect/descriptor.ts';
import { createInstallVerifier } from '../src/connect/install-verifier.ts';
import { handleInstalled } from '../src/connect/lifecycle.ts';
import type { InstallOutcome, LifecycleDeps } from '../src/connect/lifecycle.ts';
import { isLabError } from '../src/errors.ts';
import { queryStringHash } from '../src/jwt/qsh.ts';
import { verifyJwt } from '../src/jwt/verify.ts';
import { createTokenCache } from '../src/oauth/token-cache.ts';
import { createMemoryStore } from '../src/store/memory.ts';

/**
 * The whole offline flow in one test, every HTTP call through msw (`onUnhandledRequest: 'error'`):
 * Bitbucket installs the app (lesson 2) and the app proves the install with one exchange, the app
 * signs and exchanges a JWT (lessons 3 and 4) and
 * lists the workspace's repositories with the token (lesson 5), reusing it from the cache, then
 * narrows a token to one repository.
 */

const APP_KEY = 'jwt-grant-tutorial';
/** Not loopback, so msw answers it in-process instead of letting it through to the network. */
const APP_BASE_URL = 'https://jwt-grant-lab.example.test';
const BITBUCKET_URL = 'https://bitbucket.org';
const TOKEN_URL = `${BITBUCKET_URL}/site/oauth2/access_token`;
/** One fixed clock for both sides: 2026-01-15T09:30:00Z. */
const T0 = Date.UTC(2026, 0, 15, 9, 30);
const now = () => T0;

/**
 * The app's `installed` route, framework-free: what `src/app` mounts on Express, mounted on msw.
 * Answers 204 like the app, or 401 with the error code when `handleInstalled` refuses.
 */
function installedRoute(deps: LifecycleDeps, outcomes: InstallOutcome[]) {
  return http.post(`${APP_BASE_URL}/installed`, async ({ request }) => {
    const url = new URL(request.url);
    try {
      const { outcome } = await handleInstalled(
        { method: request.method, url: `${url.pathname}${url.search}`, headers: request.headers, body: await request.json() },
        deps,
      );
      outcomes.push(outcome);
      return new HttpResponse(null, { status: 204 });
    } catch (error) {
      if (isLabError(error)) return HttpResponse.json({ code: error.code }, { status: 401 });
      throw error;
    }
  });
}

/** The client never has to wait here: a retry would mean the mock failed, so it fails the test. */
const noRetries = async () => {
  throw new Error('the client tried to retry: the happy scenario should answer every call at once');
};

describe('offline end to end: install, sign, exchange, list every repository', () => {
  it('captures the install, lists 23 repositories over 3 pages with one exchange, and narrows a token to one repository', async () => {
    // Two sides, two stores: Bitbucket's registry of what it installed, and the app's store.
    const bitbucketSide = createMemoryRegistry();
    const appStore = createMemoryStore();
    const { server, mock, stop } = startMockServer({ installations: bitbucketSide.installations, now });
    onTestFinished(stop);
    const outcomes: InstallOutcome[] = [];
    const deps: LifecycleDeps = { store: appStore, appBaseUrl: APP_BASE_URL, appKey: APP_KEY, bitbucketUrl: BITBUCKET_URL, origin: 'simulated', now };
    server.use(installedRoute(deps, outcomes));

    // Lesson 2: Bitbucket records the installation and POSTs the (unsigned) first install; the app stores it pending.
    const descriptor = buildDescriptor({ appKey: APP_KEY, baseUrl: APP_BASE_URL });
    const install = await installApp({ appBaseUrl: APP_BASE_URL, descriptor, now, registry: bitbucketSide });
    expect(install.response.status).toBe(204);
    expect(outcomes).toEqual(['pending']);
    // The app proves it: one exchange signed with the payload's secret, which only Bitbucket can answer.
    const verifier = createInstallVerifier({ store: appStore, bitbucketUrl: BITBUCKET_URL, now, log: { info: () => {}, error: (line) => expect.fail(line) } });
    verifier.verify((await appStore.get(install.clientKey))!);
    await verifier.idle();
    expect(mock.state.counts.exchanges).toBe(1);

    const installation = await appStore.get(install.clientKey);
    expect(installation).toMatchObject({ clientKey: install.clientKey, key: APP_KEY, sharedSecret: install.sharedSecret, state: 'active' });
    if (!installation) throw new Error('the app stored no installation');
    const workspaceUuid = installation.principal?.uuid;
    expect(workspaceUuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
    const repositoriesPath = `/2.0/repositories/${encodePathSegment(workspaceUuid ?? '')}`;

    // Lessons 3 to 5: the cache signs and exchanges on first use; the client follows `next`.
    const cache = createTokenCache({ now });
    const client = createBitbucketClient({ apiUrl: installation.baseApiUrl, token: cache.provider(installation), now, sleep: noRetries });
    const listAll = async (c = client) => {
      const names: string[] = [];
      for await (const repo of c.paginate<BitbucketRepository>(repositoriesPath, { pagelen: 10 })) names.push(repo.full_name);
      return names;
    };

    const expected = repositoryFixtures().map((repo) => repo.full_name);
    expect(expected).toHaveLength(REPOSITORY_COUNT);
    expect(REPOSITORY_COUNT).toBe(23);
    const firstListing = await listAll();
    expect(firstListing).toEqual(expected);
    expect(new Set(firstListing).size).toBe(23);

    // One exchange for the three pages (after the proof's), made with a JWT the mock's verifier and ours agree on.
    const { counts } = mock.state;
    expect(counts.exchanges).toBe(2);
    expect(counts.tokensIssued).toBe(2);
    expect(counts.byEndpoint[API_ENDPOINTS.repositories]).toBe(3);
    const exchangeEntry = mock.state.log.filter((entry) => entry.url === TOKEN_URL).at(-1);
    expect(exchangeEntry?.status).toBe(200);
    expect(exchangeEntry?.body).toBe('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
    const jwt = (exchangeEntry?.headers.authorization ?? '').replace(/^JWT /, '');
    const { claims } = await verifyJwt(jwt, {
      secret: install.sharedSecret,
      issuer: APP_KEY,
      subject: install.clientKey,
      qsh: { accept: [queryStringHash('POST', TOKEN_URL, BITBUCKET_URL)] },
      now,
    });
    expect(claims.exp - claims.iat).toBe(180);

    const [_proofToken, accessToken, ...otherTokens] = mock.state.tokens.keys();
    expect(otherTokens).toEqual([]);
    const pageRequests = mock.state.log.filter((entry) => entry.endpoint === API_ENDPOINTS.repositories);
    expect(pageRequests.map((entry) => new URL(entry.url).searchParams.get('page'))).toEqual([null, '2', '3']);
    expect(pageRequests.map((entry) => entry.status)).toEqual([200, 200, 200]);
    for (const entry of pageRequests) expect(entry.headers.authorization).toBe(`Bearer ${accessToken}`);

    // A second listing: the cached token again, no new exchange.
    expect(await listAll()).toEqual(expected);
    expect(counts.exchanges).toBe(2);
    expect(counts.byEndpoint[API_ENDPOINTS.repositories]).toBe(6);
    expect(cache.stats().exchanges).toBe(1);

    // A repository-restricted token (its own exchange) sees that repository and nothing else.
    const target = repositoryFixtures().find((repo) => repo.slug === 'fuel-monitor');
    const other = repositoryFixtures().find((repo) => repo.slug === 'launch-control');
    if (!target || !other) throw new Error('fixtures changed: fuel-monitor and launch-control are expected');
    const restricted = createBitbucketClient({
      apiUrl: installation.baseApiUrl,
      token: cache.provider(installation, { repository: target.uuid }),
      now,
      sleep: noRetries,
    });
    expect(await listAll(restricted)).toEqual([target.full_name]);
    expect(counts.exchanges).toBe(3);
    const restrictedTokens = [...mock.state.tokens.values()].filter((token) => token.repository !== undefined);
    expect(restrictedTokens.map((token) => token.repository)).toEqual([target.uuid]);

    const otherPath = `${repositoriesPath}/${encodePathSegment(other.slug)}`;
    await expect(restricted.get(otherPath)).rejects.toMatchObject({ code: 'ERR_API', status: 403 });
    await expect(restricted.get(`/2.0/workspaces/${encodePathSegment(workspaceUuid ?? '')}`)).rejects.toMatchObject({
      code: 'ERR_API',
      status: 403,
    });
    expect(await restricted.get<BitbucketRepository>(`${repositoriesPath}/${encodePathSegment(target.slug)}`)).toMatchObject({
      uuid: target.uuid,
    });

    // The unrestricted token still reaches the other repository, still from the cache.
    expect(await client.get<BitbucketRepository>(otherPath)).toMatchObject({ uuid: other.uuid });
    expect(counts.exchanges).toBe(3);
    expect(cache.stats().exchanges).toBe(2);
  });
});
