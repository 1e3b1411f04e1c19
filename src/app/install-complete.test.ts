import { afterEach, describe, expect, it } from 'vitest';
import { installLink } from '../connect/install-link.ts';
import { startTestApp, TEST_BASE_URL, type TestApp } from './test-support/harness.ts';
import { installStatus } from './views/install-complete.ts';

const SECRET = 'install-complete-test-secret-0123456789abcdef';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Opens the page as Bitbucket's redirect does, with a raw query string. */
async function open(query: string) {
  const response = await fetch(`${app!.url}/install-complete${query}`);
  return { response, html: await response.text() };
}

describe('GET /install-complete: where the install link sends the browser back', () => {
  it('is the redirect_uri of the home page install link, under BASE_URL', async () => {
    app = await startTestApp();
    const home = await (await fetch(`${app.url}/`)).text();
    const link = installLink({ bitbucketUrl: 'https://bitbucket.org', baseUrl: TEST_BASE_URL });
    expect(home).toContain(link.replaceAll('&', '&amp;'));
    expect(home).not.toContain('addon_key=');
    expect(new URL(link).searchParams.get('redirect_uri')).toBe(`${TEST_BASE_URL}/install-complete`);
  });

  it('says the installation arrived once the app stored it, and shows no secret', async () => {
    app = await startTestApp();
    const { clientKey } = await app.install({ sharedSecret: SECRET });
    const { response, html } = await open(`?client_key=${encodeURIComponent(clientKey)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(html).toContain('The installation arrived');
    expect(html).toContain(clientKey);
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain('Check again');
  });

  it('says "not arrived yet", with what to do, for a client key the app does not hold', async () => {
    app = await startTestApp();
    const clientKey = 'ari:cloud:bitbucket::app/{00000000-0000-4000-8000-000000000001}/jwt-grant-tutorial';
    const { response, html } = await open(`?client_key=${encodeURIComponent(clientKey)}`);
    expect(response.status).toBe(200);
    expect(html).toContain('Not arrived yet');
    expect(html).toContain('POST /installed');
    expect(html).toContain(`href="/install-complete?client_key=${encodeURIComponent(clientKey)}"`);
    expect(html).not.toContain('The installation arrived');
  });

  it('escapes the client key it echoes', async () => {
    app = await startTestApp();
    const { response, html } = await open(`?client_key=${encodeURIComponent('<script>alert(1)</script>"')}`);
    expect(response.status).toBe(200);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
  });

  it.each([
    ['missing', ''],
    ['empty', '?client_key='],
    ['repeated', '?client_key=a&client_key=b'],
    ['too long', `?client_key=${'k'.repeat(513)}`],
    ['with a control character', '?client_key=a%0Ab'],
    ['with a right-to-left override', '?client_key=a%E2%80%AEb'],
  ])('answers a clear 400 page when client_key is %s', async (_name, query) => {
    app = await startTestApp();
    const { response, html } = await open(query);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('ERR_PARAM_INVALID');
    expect(html).toContain('client_key');
    expect(html).toContain('install the app again from the home page');
    expect(html).toContain('href="/lessons/1"');
    expect(html).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/);
  });

  it('is served under the context path of BASE_URL too', async () => {
    app = await startTestApp({ env: { BASE_URL: `${TEST_BASE_URL}/app` } });
    const { clientKey } = await app.install({ sharedSecret: SECRET });
    const { response, html } = await open(`?client_key=${encodeURIComponent(clientKey)}`);
    expect(response.status).toBe(200);
    expect(html).toContain('href="/app/"');
    const underPath = await fetch(`${app.url}/app/install-complete?client_key=${encodeURIComponent(clientKey)}`);
    expect(underPath.status).toBe(200);
  });
});

describe('installStatus', () => {
  it('is "arrived" only for an installation the store returned', () => {
    expect(installStatus(undefined)).toMatchObject({ arrived: false, headline: 'Not arrived yet' });
    const stored = { clientKey: 'k' } as Parameters<typeof installStatus>[0];
    expect(installStatus(stored)).toMatchObject({ arrived: true, headline: 'The installation arrived' });
  });
});
