import { afterEach, describe, expect, it } from 'vitest';
import { appClaims, qshOf, referenceCanonical, signHs256 } from '../../test/fixtures/mistaken-signers.ts';
import { createMemoryStore } from '../store/memory.ts';
import { makeInstallation } from '../../test/support/store/installations.ts';
import { startTestApp, type TestApp } from '../../test/support/app-harness.ts';

/** `/inspect`: the form, the analysis, and what must never come back or reach the log. */

const installation = makeInstallation('inspected', { sharedSecret: 'route-test-shared-secret-0123456789-QRS' });
const FORM_SECRET = 'a-secret-typed-into-the-form-0123456789';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start() {
  app = await startTestApp({ deps: { store: createMemoryStore([installation]) } });
  return app;
}

function post(base: string, fields: Record<string, string>) {
  return fetch(`${base}/inspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Nothing secret in the page or in any log line: not the shared secrets, not a whole token. */
function expectNothingLeaked(texts: string[], token: string) {
  for (const text of texts) {
    expect(text).not.toContain(installation.sharedSecret);
    expect(text).not.toContain(FORM_SECRET);
    expect(text).not.toContain(token.split('.')[2]);
  }
}

describe('GET /inspect', () => {
  it('serves the form: token, method, URL, an empty password field; never cached', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/inspect`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<form class="inspect" method="post" action="/inspect">');
    expect(html).toMatch(/<textarea name="token"/);
    expect(html).toMatch(/<select name="method">/);
    expect(html).toMatch(/<input type="text" name="url" value=""/);
    expect(html).toContain('<input type="password" name="sharedSecret" value="" autocomplete="off">');
  });
});

describe('POST /inspect', () => {
  it("analyses a Bitbucket token with the stored installation's secret, and says it is valid", async () => {
    const test = await start();
    const token = await test.productJwt({ clientKey: installation.clientKey, sharedSecret: installation.sharedSecret, method: 'GET', url: '/oauth-callback?repoUuid=%7B1%7D' });
    const response = await post(test.url, { token, method: 'GET', url: '/oauth-callback?repoUuid=%7B1%7D' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('✓ Valid');
    expect(html).toContain('Bitbucket → app');
    expect(html).toContain(`the stored installation ${installation.clientKey}`);
    expect(html, 'the URL is shown again, the token is not').toContain('value="/oauth-callback?repoUuid=%7B1%7D"');
    expect(html).not.toContain(`${token}</textarea>`);
    expectNothingLeaked([html, ...test.lines], token);
  });

  it('names the qsh mistake of a signer that kept the query unsorted, with the secret typed into the form, never echoed or logged', async () => {
    const test = await start();
    const url = 'https://api.bitbucket.org/2.0/repositories/teams-in-space?role=member&pagelen=50';
    const canonical = referenceCanonical({ method: 'GET', url }, ['query-not-sorted']);
    const token = signHs256(appClaims({ appKey: 'jwt-grant-tutorial', clientKey: 'ari:cloud:bitbucket::app/{elsewhere}/jwt-grant-tutorial', qsh: qshOf(canonical), nowMs: Date.now() }), FORM_SECRET);
    const response = await post(test.url, { token, method: 'GET', url, sharedSecret: FORM_SECRET });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('✗ Invalid');
    expect(html).toContain('QSH_QUERY_NOT_SORTED');
    expect(html).toContain('signer hashed  GET&amp;/2.0/repositories/teams-in-space&amp;role=member&amp;pagelen=50');
    expect(html).toContain('with the shared secret field (secret <code>a-se…(39 chars)</code>)');
    expectNothingLeaked([html, ...test.lines], token);
    const logged = test.lines.filter((line) => line.includes('/inspect'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^request method=POST path=\/inspect status=200 /);
  });

  it('escapes what the token carries', async () => {
    const test = await start();
    const token = signHs256({ iss: '<script>alert(1)</script>', sub: 'x', iat: 1, exp: 2, qsh: 'q' }, 'whatever-secret-0000');
    const html = await (await post(test.url, { token })).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers 400 with the form for an empty token, a repeated field and an unparseable URL', async () => {
    const test = await start();
    const empty = await post(test.url, { url: '/x' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('the token field is empty');

    const repeated = await fetch(`${test.url}/inspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a&token=b' });
    expect(repeated.status).toBe(400);
    expect(await repeated.text()).toContain('sent more than once');

    const token = signHs256(appClaims({ appKey: 'k', clientKey: 'c', qsh: 'q', nowMs: Date.now() }), 'whatever-secret-0000');
    const badUrl = await post(test.url, { token, url: 'http://[' });
    expect(badUrl.status).toBe(400);
    expect(await badUrl.text()).toContain('cannot be parsed as a URL');
  });

  it('answers 413 for a form over its size limit', async () => {
    const test = await start();
    const response = await post(test.url, { token: 'x'.repeat(40 * 1024) });
    expect(response.status).toBe(413);
  });
});
