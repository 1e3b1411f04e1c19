import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { TEAMS_IN_SPACE } from '../../mocks/fixtures/accounts.ts';
import { repositoryFixtures } from '../../mocks/fixtures/repositories.ts';
import { startMockServer, type MockServer } from '../../mocks/server.ts';
import type { ScenarioName } from '../config.ts';
import { startTestApp, TEST_BASE_URL, type TestApp } from './test-support/harness.ts';
import { readableTime } from './views/repo-page.ts';

const SECRET = 'repo-page-test-secret-0123456789abcdef-QRS';
const REPOSITORY = repositoryFixtures()[0]!;

let app: TestApp | undefined;
let bitbucket: MockServer | undefined;
afterEach(async () => {
  await app?.close();
  bitbucket?.stop();
  app = undefined;
  bitbucket = undefined;
});

/** The app (real fetch, so msw answers for Bitbucket), the mock on the same store, one installation. */
async function setUp(scenario: ScenarioName = 'happy', env: NodeJS.ProcessEnv = {}) {
  app = await startTestApp({ env, deps: { fetch: undefined } });
  bitbucket = startMockServer({ installations: app.store, scenario });
  const installed = await app.install({ sharedSecret: SECRET });
  expect(installed.response.status).toBe(204);
  return { app, bitbucket, clientKey: installed.clientKey };
}

/** The page URL as Bitbucket builds it from `/oauth-callback?repoUuid={repository.uuid}`. */
function pagePath(repoUuid: string): string {
  return `/oauth-callback?repoUuid=${encodeURIComponent(repoUuid)}`;
}

/** Loads the page as Bitbucket's iframe does: `&jwt=` appended, signed over the page URL. */
async function loadPage(
  o: { clientKey: string; secret?: string; repoUuid?: string; signedPath?: string; now?: () => number; headers?: Record<string, string> },
) {
  const path = pagePath(o.repoUuid ?? REPOSITORY.uuid);
  const jwt = await app!.productJwt({ clientKey: o.clientKey, sharedSecret: o.secret ?? SECRET, method: 'GET', url: o.signedPath ?? path, now: o.now });
  const response = await fetch(`${app!.url}${path}&jwt=${jwt}`, { headers: o.headers });
  return { response, html: await response.text(), jwt };
}

function issuedTokens(): string[] {
  return [...bitbucket!.mock.state.tokens.keys()];
}

describe('GET /oauth-callback: the JWT Authorization Grant page', () => {
  it('verifies the iframe JWT, exchanges it, calls the API and shows the repository', async () => {
    const { clientKey } = await setUp();
    const { response, html, jwt } = await loadPage({ clientKey });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    // The repository from the API.
    expect(html).toContain(REPOSITORY.name);
    expect(html).toContain(REPOSITORY.full_name);
    expect(html).toContain(REPOSITORY.mainbranch.name);
    // The steps: claims, the token request, the API request.
    expect(html).toContain(clientKey);
    expect(html).toContain('POST https://bitbucket.org/site/oauth2/access_token');
    expect(html).toContain('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
    expect(html).toContain('bitbucket_repository=');
    expect(html).toContain(`GET https://api.bitbucket.org/2.0/repositories/${encodeURIComponent(TEAMS_IN_SPACE.uuid)}/${encodeURIComponent(REPOSITORY.uuid)}`);
    expect(html).toMatch(/authorization: JWT eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{1,4}…/);
    expect(html).toMatch(/authorization: Bearer [^\s<]{1,4}…/);
    // Nothing usable leaks: not the secret, not the incoming JWT, not an access token.
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain(jwt);
    expect(issuedTokens().length).toBe(1);
    for (const token of issuedTokens()) expect(html).not.toContain(token);
    for (const line of app!.lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain('jwt=');
      for (const token of issuedTokens()) expect(line).not.toContain(token);
    }
    expect(app!.lines.some((line) => line.includes('path=/oauth-callback status=200'))).toBe(true);
  });

  it('calls the API with the token restricted to this repository, the only token it asks for', async () => {
    const { clientKey } = await setUp();
    const { response, html } = await loadPage({ clientKey });
    expect(response.status).toBe(200);
    const { state } = bitbucket!.mock;
    // One exchange, with bitbucket_repository: no unrestricted token is ever obtained.
    const grants = state.log.filter((entry) => entry.url.endsWith('/site/oauth2/access_token'));
    expect(grants).toHaveLength(1);
    expect(new URLSearchParams(grants[0]!.body).get('bitbucket_repository')).toBe(REPOSITORY.uuid);
    // The API call carried that token: the mock's record of it says it is restricted to this repository.
    const apiCalls = state.log.filter((entry) => entry.url.startsWith('https://api.bitbucket.org/2.0/'));
    expect(apiCalls).toHaveLength(1);
    const bearer = /^Bearer (.+)$/.exec(apiCalls[0]!.headers.authorization ?? '')?.[1];
    expect(state.tokens.get(bearer ?? '')).toMatchObject({ clientKey, repository: REPOSITORY.uuid });
    expect(html).toContain('The REST API, with the restricted token');
    expect(html).toContain(`bitbucket_repository=${REPOSITORY.uuid}`);
  });

  it('says so when the restricted grant is refused: no fallback to a broad token, no API call', async () => {
    const { clientKey } = await setUp();
    bitbucket!.server.use(
      http.post('https://bitbucket.org/site/oauth2/access_token', async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        return form.has('bitbucket_repository')
          ? HttpResponse.json({ error: 'invalid_request', error_description: 'Unknown repository' }, { status: 400 })
          : HttpResponse.json({ access_token: 'broad-token-must-not-be-used-0123456789', token_type: 'bearer', expires_in: 7200, scopes: 'account repository' });
      }),
    );
    const { response, html } = await loadPage({ clientKey });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('ERR_GRANT_REJECTED');
    expect(html).toContain('Unknown repository');
    expect(html).toContain('No REST call');
    expect(html).toContain('does <strong>not</strong> fall back');
    // What came before is still shown: the verified JWT and the grant request as sent.
    expect(html).toContain(clientKey);
    expect(html).toContain('POST https://bitbucket.org/site/oauth2/access_token');
    expect(bitbucket!.mock.state.log.filter((entry) => entry.url.startsWith('https://api.bitbucket.org/'))).toHaveLength(0);
    expect(html).not.toContain('broad-token');
    expect(app!.lines.some((line) => line.includes('upstream error') && line.includes('ERR_GRANT_REJECTED'))).toBe(true);
  });

  it('may be framed by Bitbucket only, never cached, and leaks no referrer', async () => {
    const { clientKey } = await setUp();
    const { response } = await loadPage({ clientKey });
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/bitbucket\.org(;|$)/);
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('serves the second load from the token cache: no exchange, and the page says so', async () => {
    const { clientKey } = await setUp();
    await loadPage({ clientKey });
    const exchanges = bitbucket!.mock.state.counts.exchanges;
    const { response, html } = await loadPage({ clientKey });
    expect(response.status).toBe(200);
    expect(bitbucket!.mock.state.counts.exchanges).toBe(exchanges);
    expect(html).toContain('the token came from the token cache');
  });

  it('forgets cached tokens on uninstall: after a re-install the page exchanges again', async () => {
    const { clientKey } = await setUp();
    const installed = await app!.store.get(clientKey);
    await loadPage({ clientKey });
    const exchanges = bitbucket!.mock.state.counts.exchanges;
    const jwt = await app!.productJwt({ clientKey, sharedSecret: SECRET, method: 'POST', url: '/uninstalled' });
    const uninstall = await fetch(`${app!.url}/uninstalled`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `JWT ${jwt}` },
      body: JSON.stringify({ ...installed, sharedSecret: undefined, eventType: 'uninstalled' }),
    });
    expect(uninstall.status).toBe(204);
    expect((await app!.install({ sharedSecret: SECRET })).response.status).toBe(204);
    const { response } = await loadPage({ clientKey });
    expect(response.status).toBe(200);
    expect(bitbucket!.mock.state.counts.exchanges).toBeGreaterThan(exchanges);
  });

  it('verifies the qsh behind a proxy that strips a context path the route starts with (BASE_URL .../o)', async () => {
    const { clientKey } = await setUp('happy', { BASE_URL: `${TEST_BASE_URL}/o` });
    // Signed over GET&/oauth-callback&...: the stripped path must not lose its "/o" to the context path.
    const stripped = await loadPage({ clientKey });
    expect(stripped.response.status).toBe(200);
    expect(stripped.html).toContain(REPOSITORY.full_name);
  });

  it('gets a fresh token and retries once when the API says the token expired', async () => {
    const { clientKey } = await setUp('expired-token');
    const { response, html } = await loadPage({ clientKey });
    expect(response.status).toBe(200);
    expect(html).toContain(REPOSITORY.name);
    expect(html).toContain('HTTP <strong>401</strong>');
  });
});

describe('GET /oauth-callback: refusals are readable HTML pages with the right status', () => {
  async function expectErrorPage(result: { response: Response; html: string }, status: number, code: string) {
    expect(result.response.status).toBe(status);
    expect(result.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(result.html).toContain(code);
    // Never a stack trace.
    expect(result.html).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/);
    expect(result.html).not.toContain('node_modules');
  }

  it('401 ERR_JWT_MISSING without a JWT', async () => {
    await setUp();
    const response = await fetch(`${app!.url}${pagePath(REPOSITORY.uuid)}`);
    await expectErrorPage({ response, html: await response.text() }, 401, 'ERR_JWT_MISSING');
  });

  it('401 ERR_JWT_AMBIGUOUS with a JWT in the query and in the header', async () => {
    const { clientKey } = await setUp();
    const path = pagePath(REPOSITORY.uuid);
    const jwt = await app!.productJwt({ clientKey, sharedSecret: SECRET, method: 'GET', url: path });
    const response = await fetch(`${app!.url}${path}&jwt=${jwt}`, { headers: { Authorization: `JWT ${jwt}` } });
    await expectErrorPage({ response, html: await response.text() }, 401, 'ERR_JWT_AMBIGUOUS');
  });

  it('401 ERR_QSH_MISMATCH for a JWT signed for another repository', async () => {
    const { clientKey } = await setUp();
    const other = repositoryFixtures()[1]!;
    await expectErrorPage(await loadPage({ clientKey, signedPath: pagePath(other.uuid) }), 401, 'ERR_QSH_MISMATCH');
  });

  it('401 ERR_JWT_EXPIRED for an old JWT', async () => {
    const { clientKey } = await setUp();
    const longAgo = Date.now() - 3 * 3600_000;
    await expectErrorPage(await loadPage({ clientKey, now: () => longAgo }), 401, 'ERR_JWT_EXPIRED');
  });

  it('401 ERR_JWT_LIFETIME for a current JWT that claims to live over an hour (Bitbucket signs for exactly 3600 s)', async () => {
    const { clientKey } = await setUp();
    const path = pagePath(REPOSITORY.uuid);
    const load = async (expiresIn: number) => {
      const jwt = await app!.productJwt({ clientKey, sharedSecret: SECRET, method: 'GET', url: path, expiresIn });
      const response = await fetch(`${app!.url}${path}&jwt=${jwt}`);
      return { response, html: await response.text() };
    };
    await expectErrorPage(await load(7200), 401, 'ERR_JWT_LIFETIME');
    expect((await load(3600)).response.status).toBe(200);
  });

  it('401 ERR_JWT_SIGNATURE for a JWT signed with another secret', async () => {
    const { clientKey } = await setUp();
    await expectErrorPage(await loadPage({ clientKey, secret: 'some-other-secret-0123456789abcdef' }), 401, 'ERR_JWT_SIGNATURE');
  });

  it('401 ERR_INSTALLATION_UNKNOWN for a clientKey the app does not know', async () => {
    await setUp();
    await expectErrorPage(await loadPage({ clientKey: 'ari:cloud:bitbucket::app/{00000000-0000-4000-8000-000000000000}/x' }), 401, 'ERR_INSTALLATION_UNKNOWN');
  });

  it('400 ERR_PARAM_INVALID for a repoUuid that is not a {uuid}, even correctly signed', async () => {
    const { clientKey } = await setUp();
    for (const bad of ['not-a-uuid', '../../2.0/user', REPOSITORY.uuid.slice(1, -1)]) {
      const result = await loadPage({ clientKey, repoUuid: bad });
      await expectErrorPage(result, 400, 'ERR_PARAM_INVALID');
    }
    expect(bitbucket!.mock.state.counts.exchanges).toBe(0);
  });

  it('404 ERR_API_NOT_FOUND when the API does not find the repository', async () => {
    const { clientKey } = await setUp();
    bitbucket!.server.use(
      http.get('https://api.bitbucket.org/2.0/repositories/:workspace/:repo', () =>
        HttpResponse.json({ type: 'error', error: { message: 'Repository not found' } }, { status: 404 }),
      ),
    );
    await expectErrorPage(await loadPage({ clientKey }), 404, 'ERR_API_NOT_FOUND');
  });

  it('502 ERR_GRANT_REJECTED, as a page that says why, for a repository the mock does not know', async () => {
    const { clientKey } = await setUp();
    const result = await loadPage({ clientKey, repoUuid: '{00000000-0000-4000-8000-0000000000ff}' });
    await expectErrorPage(result, 502, 'ERR_GRANT_REJECTED');
    expect(result.html).toContain('No REST call');
  });

  it('503 ERR_RATE_LIMITED with Retry-After when the token endpoint rate-limits the app', async () => {
    const { clientKey } = await setUp();
    bitbucket!.server.use(
      http.post('https://bitbucket.org/site/oauth2/access_token', () =>
        HttpResponse.json({ type: 'error', error: { message: 'Rate limit for this resource has been exceeded' } }, { status: 429, headers: { 'Retry-After': '120' } }),
      ),
    );
    const result = await loadPage({ clientKey });
    await expectErrorPage(result, 503, 'ERR_RATE_LIMITED');
    expect(result.response.headers.get('retry-after')).toBe('120');
  });

  it('offline, waits out Bitbucket\'s 429 (no Retry-After) for a moment and shows the repository', async () => {
    const { clientKey } = await setUp('rate-limited');
    const { response } = await loadPage({ clientKey });
    expect(response.status).toBe(200);
    // The offline policy (src/bitbucket/rate-limit.ts): one short wait, then the call again.
    expect(bitbucket!.mock.state.log.filter((entry) => entry.endpoint.startsWith('GET')).map((entry) => entry.status)).toEqual([429, 200]);
  });

  it('live, answers a REST 429 at once with 503 ERR_RATE_LIMITED: the live wait (minutes) does not fit a page', async () => {
    const { clientKey } = await setUp('rate-limited', { LIVE: '1' });
    const result = await loadPage({ clientKey });
    await expectErrorPage(result, 503, 'ERR_RATE_LIMITED');
    // Not repeated: the mock's 429 is one-off, so a repeat would have shown the repository.
    expect(bitbucket!.mock.state.log.filter((entry) => entry.endpoint.startsWith('GET')).map((entry) => entry.status)).toEqual([429]);
  });

  it('502 ERR_GRANT_UNAUTHORIZED_CLIENT when the token endpoint refuses, with the lesson to read', async () => {
    const { clientKey } = await setUp();
    bitbucket!.server.use(
      http.post('https://bitbucket.org/site/oauth2/access_token', () =>
        HttpResponse.json({ error: 'unauthorized_client', error_description: 'Requests must be authenticated using OAuth client credentials' }, { status: 400 }),
      ),
    );
    const result = await loadPage({ clientKey });
    await expectErrorPage(result, 502, 'ERR_GRANT_UNAUTHORIZED_CLIENT');
    expect(result.html).toContain('/lessons/4');
    expect(app!.lines.some((line) => line.includes('upstream error') && line.includes('ERR_GRANT_UNAUTHORIZED_CLIENT'))).toBe(true);
  });
});

describe('readableTime', () => {
  it('shows a time beyond what a Date holds as it is, instead of throwing (a 500 for the whole page)', () => {
    // A verified JWT may carry exp: 1e300 (it is not expired), and a token endpoint may answer expires_in: 1e300.
    expect(readableTime(1e300, 0)).toBe('1e+300');
    expect(readableTime('soon', 0)).toBe('soon');
    expect(readableTime(1735693200, Date.UTC(2025, 0, 1))).toBe('2025-01-01T01:00:00.000Z (in 60 min)');
  });
});
