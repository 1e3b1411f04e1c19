import { createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDescriptor } from '../../src/connect/descriptor.ts';
import { decodeUnverified, verifyRequest } from '../../src/jwt/verify.ts';
import { collectLogs } from '../../test/support/collect-logs.ts';
import { guardNetwork } from '../../test/support/network-guard.ts';
import { startRehearsal, type Rehearsal } from './rehearsal.ts';
import { startFakeBitbucket, type RunningFakeBitbucket } from './start.ts';
import { hiddenInput, iframeSrc, installThroughPages, postForm } from './test-support.ts';

/**
 * The fake Bitbucket's HTTP surface, without a browser: its pages, its install flow against the
 * real app (started by the rehearsal, on loopback), the iframe JWT, and its refusals.
 */

const ADDON_PATH = '/teamsinspace/launch-control/addon/jwt-grant-tutorial/jwt-grant';
/** A stack trace line, which no page may show. */
const STACK_LINE = /\n\s+at .+\(.+:\d+:\d+\)/;

let unguard: () => void;
beforeAll(() => {
  unguard = guardNetwork();
});
afterAll(() => unguard());

describe('the fake Bitbucket with the app (a rehearsal)', () => {
  let dataDir: string;
  let rehearsal: Rehearsal;
  let logs: ReturnType<typeof collectLogs>;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fake-bitbucket-'));
    logs = collectLogs();
    rehearsal = await startRehearsal({ dataDir, appPort: 0, fakePort: 0, env: {}, logger: logs.logger });
  });
  afterEach(async () => {
    await rehearsal.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the workspace with its 23 repositories and the way to install an app', async () => {
    const response = await fetch(rehearsal.fakeUrl);
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).toContain('Install app from URL');
    expect(page.match(/href="\/teamsinspace\/[a-z-]+"/g)).toHaveLength(23);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('pre-fills the app URL in "Install app from URL"', async () => {
    const page = await (await fetch(`${rehearsal.fakeUrl}/site/addons/install`)).text();
    expect(page).toContain(`value="${rehearsal.appUrl}"`);
  });

  it("shows the app's scopes for consent, and installs it with a signed request the app accepts", async () => {
    const { consent, granted } = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    expect(consent).toContain('Read your repositories');
    expect(consent).toContain('Grant access');
    expect(hiddenInput(consent, 'descriptor_uri')).toBe(`${rehearsal.appUrl}/atlassian-connect.json`);

    const page = await granted.text();
    expect(granted.status).toBe(200);
    expect(page).toContain('HTTP 204');

    // Both sides now hold the same installation: the app verified the JWT and stored the secret.
    const [app] = rehearsal.fake.registry.list();
    expect(app?.appKey).toBe('jwt-grant-tutorial');
    const bitbucketSide = await rehearsal.fake.registry.installations.get(app?.clientKey ?? '');
    const appSide = await rehearsal.store.get(app?.clientKey ?? '');
    expect(appSide?.sharedSecret).toBeTruthy();
    expect(appSide?.sharedSecret).toBe(bitbucketSide?.sharedSecret);
    expect(bitbucketSide?.scopes).toEqual(['account', 'repository']);
    // The result page shows the payload, never the secret.
    expect(page).not.toContain(appSide?.sharedSecret);
    expect(logs.lines.some((line) => line.includes('outcome=installed'))).toBe(true);
  });

  it("frames the app's repository page with a JWT the app's verifyRequest accepts", async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    const page = await fetch(`${rehearsal.fakeUrl}${ADDON_PATH}`);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const src = iframeSrc(await page.text());
    const url = new URL(src);
    const repo = rehearsal.fake.site.findRepository('teamsinspace', 'launch-control');
    expect(url.origin + url.pathname).toBe(`${rehearsal.appUrl}/oauth-callback`);
    expect(url.search).toContain(`repoUuid=${encodeURIComponent(repo?.uuid ?? '')}&jwt=`);

    const { claims, installation } = await verifyRequest(
      { method: 'GET', url: `${url.pathname}${url.search}`, headers: {} },
      { store: rehearsal.store, appBaseUrl: rehearsal.appUrl },
    );
    expect(claims.iss).toBe(installation.clientKey);
    expect(claims.aud).toBe(installation.clientKey);
    // Atlassian's reference code computes the same qsh for the URL without jwt.
    const withoutJwt = src.slice(0, src.indexOf('&jwt='));
    expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('GET', withoutJwt), false, rehearsal.appUrl));

    const framed = await fetch(src);
    expect(framed.status).toBe(200);
    expect(await framed.text()).toContain('teamsinspace/launch-control');
    // The app got its token from the fake's token endpoint and read the repository from its API.
    const { counts } = rehearsal.fake.mock.state;
    expect(counts.tokensIssued).toBeGreaterThanOrEqual(1);
    expect(counts.byEndpoint['GET /2.0/repositories/{workspace}/{repo_slug}']).toBe(1);
  });

  it('updates an installed app with the same secret: the app sees a re-install', async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    const [app] = rehearsal.fake.registry.list();
    const before = await rehearsal.store.get(app?.clientKey ?? '');
    const { consent, granted } = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    expect(consent).toContain('Already installed');
    expect(granted.status).toBe(200);
    expect(await granted.text()).toContain('JWT Grant Tutorial updated');
    expect((await rehearsal.store.get(app?.clientKey ?? ''))?.sharedSecret).toBe(before?.sharedSecret);
    expect(rehearsal.fake.registry.list()).toHaveLength(1);
    expect(logs.lines.some((line) => line.includes('outcome=reinstalled'))).toBe(true);
  });

  it('uninstalls with a signed request the app accepts, and revokes the app page and its tokens', async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    const [app] = rehearsal.fake.registry.list();
    await (await fetch(iframeSrc(await (await fetch(`${rehearsal.fakeUrl}${ADDON_PATH}`)).text()))).text();
    const [token] = rehearsal.fake.mock.state.tokens.keys();

    const response = await postForm(rehearsal.fakeUrl, '/teamsinspace/workspace/settings/addon-management/uninstall', { clientKey: app?.clientKey ?? '' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toContain('status=204');
    expect(await (await fetch(`${rehearsal.fakeUrl}${location}`)).text()).toContain('is uninstalled');

    expect(await rehearsal.store.list()).toEqual([]);
    expect(rehearsal.fake.registry.list()).toEqual([]);
    expect((await fetch(`${rehearsal.fakeUrl}${ADDON_PATH}`)).status).toBe(404);
    const api = await fetch(`${rehearsal.fakeUrl}/2.0/repositories/teamsinspace`, { headers: { Authorization: `Bearer ${token}` } });
    expect(api.status).toBe(401);
  });

  it('switches the mock scenario from its page', async () => {
    const response = await postForm(rehearsal.fakeUrl, '/site/scenario', { scenario: 'rate-limited' });
    expect(response.status).toBe(303);
    expect(rehearsal.fake.mock.state.scenario).toBe('rate-limited');
    expect(await (await fetch(rehearsal.fakeUrl)).text()).toContain('scenario: rate-limited');
    expect((await postForm(rehearsal.fakeUrl, '/site/scenario', { scenario: 'banana' })).status).toBe(400);
  });

  it('refuses a form posted from another site, and installs nothing', async () => {
    const consent = await (await fetch(`${rehearsal.fakeUrl}/site/addons/authorize?descriptor_uri=${encodeURIComponent(rehearsal.appUrl)}`)).text();
    const fields = { descriptor_uri: hiddenInput(consent, 'descriptor_uri'), descriptor_sha256: hiddenInput(consent, 'descriptor_sha256') };
    const forged = await postForm(rehearsal.fakeUrl, '/site/addons/authorize', fields, { Origin: 'https://attacker.example' });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('ERR_FAKE_CROSS_ORIGIN');
    const crossSite = await postForm(rehearsal.fakeUrl, '/site/addons/authorize', fields, { 'Sec-Fetch-Site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(rehearsal.fake.registry.list()).toEqual([]);
    expect(await rehearsal.store.list()).toEqual([]);
  });

  it('refuses a descriptor that changed after the consent page', async () => {
    const consent = await (await fetch(`${rehearsal.fakeUrl}/site/addons/authorize?descriptor_uri=${encodeURIComponent(rehearsal.appUrl)}`)).text();
    const response = await postForm(rehearsal.fakeUrl, '/site/addons/authorize', {
      descriptor_uri: hiddenInput(consent, 'descriptor_uri'),
      descriptor_sha256: '0'.repeat(64),
    });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('ERR_FAKE_DESCRIPTOR_CHANGED');
    expect(rehearsal.fake.registry.list()).toEqual([]);
  });

  it('answers unknown pages with a readable 404, never a stack trace', async () => {
    const response = await fetch(`${rehearsal.fakeUrl}/teamsinspace/no-such-repo`);
    const page = await response.text();
    expect(response.status).toBe(404);
    expect(page).toContain('ERR_FAKE_NOT_FOUND');
    expect(page).toContain('23 repositories');
    expect(page).not.toMatch(STACK_LINE);
  });

  it('logs no shared secret and no access token', async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    await (await fetch(iframeSrc(await (await fetch(`${rehearsal.fakeUrl}${ADDON_PATH}`)).text()))).text();
    const [app] = rehearsal.fake.registry.list();
    const secret = (await rehearsal.store.get(app?.clientKey ?? ''))?.sharedSecret ?? '';
    const tokens = [...rehearsal.fake.mock.state.tokens.keys()];
    expect(secret).not.toBe('');
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    const logged = logs.lines.join('\n');
    for (const value of [secret, ...tokens]) expect(logged).not.toContain(value);
    expect(logged).not.toMatch(/jwt=eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/);
  });
});

describe('the fake Bitbucket on its own', () => {
  let fake: RunningFakeBitbucket | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** A fetch that plays an app at http://app.test serving `descriptor`, answering lifecycle calls with `lifecycle`. */
  function appFetch(descriptor: unknown, lifecycle: () => Response = () => new Response(null, { status: 204 })): typeof fetch {
    return async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === 'http://app.test/atlassian-connect.json') return Response.json(descriptor);
      if (url.startsWith('http://app.test/')) return lifecycle();
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED (${url})`) });
    };
  }

  it('shows every problem of an invalid descriptor, and installs nothing', async () => {
    const descriptor = { ...buildDescriptor({ appKey: 'demo-app', baseUrl: 'http://app.test' }), baseUrl: 'http://app.test/', scopes: ['repositories', 'account'] };
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch(descriptor) });
    const response = await fetch(`${fake.url}/site/addons/authorize?descriptor_uri=http%3A%2F%2Fapp.test`);
    const page = await response.text();
    expect(response.status).toBe(422);
    expect(page).toContain('ERR_DESCRIPTOR_INVALID');
    const problems = page.match(/<ul class="problems">([\s\S]*?)<\/ul>/)?.[1] ?? '';
    expect(problems).toContain('did you mean &quot;repository&quot;?');
    expect(problems).toContain('ends with &quot;/&quot;');
    expect(problems.match(/<li>/g)?.length).toBeGreaterThanOrEqual(2);
    expect(page).not.toContain('Grant access');
    expect(fake.registry.list()).toEqual([]);
  });

  it('says when the app does not answer, or answers no descriptor', async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch({}) });
    const unreachable = await fetch(`${fake.url}/site/addons/authorize?descriptor_uri=${encodeURIComponent('http://down.test')}`);
    expect(unreachable.status).toBe(502);
    expect(await unreachable.text()).toContain('ERR_FAKE_DESCRIPTOR_UNREACHABLE');
    const typo = await fetch(`${fake.url}/site/addons/authorize?descriptor_uri=${encodeURIComponent('app.test')}`);
    expect(typo.status).toBe(400);
    expect(await typo.text()).toContain('start it with http://');
  });

  it("shows the app's refusal of the install, with what to do, and registers nothing", async () => {
    const descriptor = buildDescriptor({ appKey: 'demo-app', baseUrl: 'http://app.test' });
    const refusal = () => Response.json({ error: 'ERR_REINSTALL_UNAUTHENTICATED', message: 'signed with another secret' }, { status: 401 });
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch(descriptor, refusal) });
    const { granted } = await installThroughPages(fake.url, 'http://app.test');
    const page = await granted.text();
    expect(granted.status).toBe(502);
    expect(page).toContain('ERR_FAKE_INSTALL_REFUSED');
    expect(page).toContain('HTTP 401');
    expect(page).toContain('npm run rehearse');
    expect(page).toContain('ERR_REINSTALL_UNAUTHENTICATED');
    expect(fake.registry.list()).toEqual([]);
  });

  it('answers only on loopback host names', async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket') });
    const port = Number(new URL(fake.url).port);
    // A raw request: fetch would not send a Host other than the URL's.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end(`GET / HTTP/1.1\r\nHost: rebound.example:${port}\r\nConnection: close\r\n\r\n`);
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('utf8')));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    const status = Number(answer.split(' ')[1]);
    expect(status).toBe(403);
    expect((await fetch(`http://localhost:${port}/healthcheck`)).status).toBe(200);
  });

  it("serves the mock's token endpoint and REST API over HTTP", async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket') });
    const token = await fetch(`${fake.url}/site/oauth2/access_token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt',
    });
    expect(token.status, 'no client credentials: 400, as captured (docs/protocol.md section 2)').toBe(400);
    expect(await token.json()).toMatchObject({ error: 'unauthorized_client' });
    const api = await fetch(`${fake.url}/2.0/repositories/teamsinspace`);
    expect(api.status, 'no credentials: public data only, as on bitbucket.org (docs/protocol.md section 8)').toBe(200);
    expect(((await api.json()) as { values: Array<{ is_private: boolean }> }).values.every((repo) => !repo.is_private)).toBe(true);
    expect(fake.mock.state.counts.exchanges).toBe(1);
    expect(fake.mock.state.counts.apiCalls).toBe(1);
  });

  it('signs the iframe JWT for the module URL only: another URL fails the qsh check', async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch(buildDescriptor({ appKey: 'demo-app', baseUrl: 'http://app.test' })) });
    const { granted } = await installThroughPages(fake.url, 'http://app.test');
    expect(granted.status).toBe(200);
    const src = iframeSrc(await (await fetch(`${fake.url}/teamsinspace/docs/addon/demo-app/jwt-grant`)).text());
    const jwt = new URL(src).searchParams.get('jwt') ?? '';
    expect(decodeUnverified(jwt).claims.iss).toMatch(/^ari:cloud:bitbucket::app\/\{.+\}\/demo-app$/);
    const store = { get: fake.registry.installations.get, create: async () => false, save: async () => {}, delete: async () => false, list: async () => [], close: async () => {} };
    const tampered = src.replace('repoUuid=', 'repoUuid=x');
    const url = new URL(tampered);
    await expect(
      verifyRequest({ method: 'GET', url: `${url.pathname}${url.search}`, headers: {} }, { store, appBaseUrl: 'http://app.test' }),
    ).rejects.toMatchObject({ code: 'ERR_QSH_MISMATCH' });
  });
});
