import { createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hiddenInput, iframeSrc, installThroughPages, postForm } from '../mocks/fake-bitbucket/test-support.ts';
import { startRehearsal, type Rehearsal } from '../scripts/lib/rehearsal.ts';
import { verifyRequest } from '../src/jwt/verify.ts';
import { collectLogs } from './support/collect-logs.ts';
import { guardNetwork } from './support/network-guard.ts';

/**
 * The fake Bitbucket and the lab's app together, as `npm run rehearse` wires them, without a
 * browser: the install flow through the fake's pages against the real app (on loopback), the
 * iframe JWT the app accepts, updates and uninstalls, and what the two logs keep secret. The
 * fake's own surface, without the app, is tested in mocks/fake-bitbucket/fake-bitbucket.test.ts.
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

  it("shows the app's scopes for consent, and installs it with an unsigned first install the app proves with the fake's token endpoint", async () => {
    const { consent, granted } = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    expect(consent).toContain('Read your repositories');
    expect(consent).toContain('Grant access');
    expect(hiddenInput(consent, 'descriptor_uri')).toBe(`${rehearsal.appUrl}/atlassian-connect.json`);

    const page = await granted.text();
    expect(granted.status).toBe(200);
    expect(page).toContain('HTTP 204');
    expect(page).toContain('no Authorization header: a first install is not signed');
    await rehearsal.installVerifier.idle();

    // Both sides now hold the same installation: the app proved it with one exchange at the fake.
    expect(rehearsal.fake.mock.state.log.map((entry) => `${entry.endpoint} ${entry.status}`)).toEqual(['POST /site/oauth2/access_token 200']);
    const [app] = rehearsal.fake.registry.list();
    expect(app?.appKey).toBe('jwt-grant-tutorial');
    const bitbucketSide = await rehearsal.fake.registry.installations.get(app?.clientKey ?? '');
    const appSide = await rehearsal.store.get(app?.clientKey ?? '');
    expect(appSide?.sharedSecret).toBeTruthy();
    expect(appSide?.sharedSecret).toBe(bitbucketSide?.sharedSecret);
    expect(appSide).toMatchObject({ state: 'active', origin: 'simulated' });
    expect(bitbucketSide?.scopes).toEqual(['account', 'repository']);
    // The result page shows the payload, never the secret.
    expect(page).not.toContain(appSide?.sharedSecret);
    expect(logs.lines.some((line) => line.includes('outcome=pending'))).toBe(true);
    expect(logs.lines.some((line) => line.includes('install proven') && line.includes('state=active'))).toBe(true);
  });

  it('follows the install link: redirect_uri under the app\'s baseUrl, back to it with ?client_key= after the install', async () => {
    const redirectUri = `${rehearsal.appUrl}/installed-here?from=bitbucket`;
    const { consent, granted } = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl, { redirectUri });
    expect(hiddenInput(consent, 'redirect_uri')).toBe(redirectUri);
    expect(granted.status).toBe(303);
    const [app] = rehearsal.fake.registry.list();
    expect(granted.headers.get('location')).toBe(`${redirectUri}&client_key=${encodeURIComponent(app?.clientKey ?? '')}`);

    for (const elsewhere of ['https://attacker.example/installed', `${rehearsal.fakeUrl}/x`, 'not a url']) {
      const link = new URLSearchParams({ descriptor_uri: rehearsal.appUrl, redirect_uri: elsewhere });
      const refused = await fetch(`${rehearsal.fakeUrl}/site/addons/authorize?${link}`);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('ERR_FAKE_REDIRECT_URI');
    }
    await rehearsal.installVerifier.idle();
  });

  it("frames the app's repository page with a JWT the app's verifyRequest accepts", async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    await rehearsal.installVerifier.idle();
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

  it('updates an installed app signed with the preceding secret: a re-install, then a rotation', async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    await rehearsal.installVerifier.idle();
    const [app] = rehearsal.fake.registry.list();
    const clientKey = app?.clientKey ?? '';
    const before = await rehearsal.store.get(clientKey);
    const { consent, granted } = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    expect(consent).toContain('Already installed');
    expect(consent).toContain('Issue a new sharedSecret (rotation)');
    expect(granted.status).toBe(200);
    const updated = await granted.text();
    expect(updated).toContain('JWT Grant Tutorial updated');
    expect(updated).toContain('Authorization: JWT &lt;HS256 with the secret of the preceding install');
    expect((await rehearsal.store.get(clientKey))?.sharedSecret).toBe(before?.sharedSecret);
    expect(rehearsal.fake.registry.list()).toHaveLength(1);
    expect(logs.lines.some((line) => line.includes('outcome=reinstalled'))).toBe(true);

    const rotated = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl, { rotate: true });
    expect(rotated.granted.status).toBe(200);
    expect(await rotated.granted.text()).toContain('new sharedSecret');
    const after = await rehearsal.store.get(clientKey);
    expect(after?.sharedSecret).not.toBe(before?.sharedSecret);
    expect(after?.sharedSecret).toBe((await rehearsal.fake.registry.installations.get(clientKey))?.sharedSecret);
    expect(logs.lines.some((line) => line.includes('outcome=secret-rotated'))).toBe(true);
  });

  it('uninstalls with a signed request the app accepts, and revokes the app page and its tokens; installing again is signed with the old secret', async () => {
    await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    await rehearsal.installVerifier.idle();
    const [app] = rehearsal.fake.registry.list();
    await (await fetch(iframeSrc(await (await fetch(`${rehearsal.fakeUrl}${ADDON_PATH}`)).text()))).text();
    const [token] = rehearsal.fake.mock.state.tokens.keys();

    const response = await postForm(rehearsal.fakeUrl, '/teamsinspace/workspace/settings/addon-management/uninstall', { clientKey: app?.clientKey ?? '' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toContain('status=204');
    expect(await (await fetch(`${rehearsal.fakeUrl}${location}`)).text()).toContain('is uninstalled');

    const clientKey = app?.clientKey ?? '';
    const oldSecret = app?.payload.sharedSecret;
    expect(await rehearsal.store.list({ state: 'active' })).toEqual([]);
    expect(await rehearsal.store.get(clientKey), 'the app keeps a tombstone: the last secret').toMatchObject({ state: 'uninstalled', sharedSecret: oldSecret });
    expect(rehearsal.fake.registry.list()).toEqual([]);
    expect((await fetch(`${rehearsal.fakeUrl}${ADDON_PATH}`)).status).toBe(404);
    const api = await fetch(`${rehearsal.fakeUrl}/2.0/repositories/teamsinspace`, { headers: { Authorization: `Bearer ${token}` } });
    expect(api.status).toBe(401);

    const again = await installThroughPages(rehearsal.fakeUrl, rehearsal.appUrl);
    expect(again.granted.status).toBe(200);
    expect(await again.granted.text()).toContain('secret of the preceding install');
    const reinstalled = await rehearsal.store.get(clientKey);
    expect(reinstalled).toMatchObject({ state: 'active', sharedSecret: (await rehearsal.fake.registry.installations.get(clientKey))?.sharedSecret });
    expect(reinstalled?.sharedSecret, 'Bitbucket sent a new secret').not.toBe(oldSecret);
    expect(logs.lines.some((line) => line.includes('outcome=reinstalled-after-uninstall'))).toBe(true);
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
    await rehearsal.installVerifier.idle();
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
