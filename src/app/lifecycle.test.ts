import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installedPayload, personalInstalledPayload, uninstalledPayload } from '../../mocks/fixtures/lifecycle.ts';
import { uninstallApp } from '../../mocks/install.ts';
import { startTestApp, testDescriptor, TEST_BASE_URL, type TestApp } from '../../test/support/app-harness.ts';
import { queryStringHash } from '../jwt/qsh.ts';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.close();
});

const SECRET = 'lifecycle-test-secret-0123456789abcdef-XYZ';

function payload(sharedSecret = SECRET) {
  return installedPayload({ appKey: app.config.appKey, sharedSecret });
}

async function post(path: string, init: { body: BodyInit; headers?: Record<string, string> }) {
  const response = await fetch(`${app.url}${path}`, { method: 'POST', body: init.body, headers: init.headers });
  const text = await response.text();
  let json: { error?: string; message?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // Non-JSON bodies are asserted on by the tests that expect them.
  }
  return { status: response.status, json, text, headers: response.headers };
}

/** POSTs a JSON lifecycle body with a Bitbucket-style JWT signed over `signedPath`. */
async function lifecycleCall(
  path: string,
  body: object,
  o: { clientKey: string; secret: string; signedPath?: string; now?: () => number; query?: string } = { clientKey: '', secret: '' },
) {
  const jwt = await app.productJwt({ clientKey: o.clientKey, sharedSecret: o.secret, method: 'POST', url: o.signedPath ?? path, now: o.now });
  return post(`${path}${o.query ?? ''}`, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Authorization: `JWT ${jwt}` },
  });
}

/** Every log line: no secret, no whole JWT (a redacted one keeps only a short signature prefix). */
function expectCleanLogs(secrets: string[]) {
  expect(app.lines.length).toBeGreaterThan(0);
  for (const line of app.lines) {
    for (const secret of secrets) expect(line).not.toContain(secret);
    expect(line).not.toMatch(/eyJ[\w-]*\.eyJ[\w-]*\.[\w-]{10,}/);
  }
}

describe('POST /installed', () => {
  it('stores a first install (204) and logs it without the secret', async () => {
    const { response, clientKey } = await app.install({ sharedSecret: SECRET });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    const stored = await app.store.get(clientKey);
    expect(stored?.sharedSecret).toBe(SECRET);
    expect(app.lines.some((line) => line.includes(`installed clientKey=${clientKey} outcome=installed`))).toBe(true);
    expect(app.lines.some((line) => /request method=POST path=\/installed status=204 ms=\d+/.test(line))).toBe(true);
    expectCleanLogs([SECRET]);
  });

  it('accepts a re-install signed with the stored secret', async () => {
    await app.install({ sharedSecret: SECRET });
    const { response, clientKey } = await app.install({ sharedSecret: SECRET });
    expect(response.status).toBe(204);
    expect(app.lines.some((line) => line.includes(`installed clientKey=${clientKey} outcome=reinstalled`))).toBe(true);
  });

  it('accepts a rotation: a new secret in a re-install signed with the stored one', async () => {
    const { clientKey } = await app.install({ sharedSecret: SECRET });
    const { response, sharedSecret, signedWith } = await app.install({ rotate: true });
    expect(response.status).toBe(204);
    expect(signedWith).toBe(SECRET);
    expect((await app.store.get(clientKey))?.sharedSecret).toBe(sharedSecret);
    expect(app.lines.some((line) => line.includes(`installed clientKey=${clientKey} outcome=secret-rotated`))).toBe(true);
    expectCleanLogs([SECRET, sharedSecret]);
  });

  it('refuses a forged re-install carrying a new secret (401) and keeps the stored one', async () => {
    const { clientKey } = await app.install({ sharedSecret: SECRET });
    const forged = 'attacker-chosen-secret-0123456789abcdef';
    const { response } = await app.install({ sharedSecret: forged, precedingSecret: forged, registry: undefined });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('ERR_REINSTALL_UNAUTHENTICATED');
    expect((await app.store.get(clientKey))?.sharedSecret).toBe(SECRET);
    expectCleanLogs([SECRET, forged]);
  });

  it('accepts a first install without a JWT (204), as Bitbucket sends it', async () => {
    const body = payload();
    const result = await post('/installed', { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    expect(result.status).toBe(204);
    expect((await app.store.get(body.clientKey))?.sharedSecret).toBe(SECRET);
  });

  it('refuses a re-install without a JWT (401 ERR_REINSTALL_UNAUTHENTICATED) and keeps the stored one', async () => {
    const { clientKey } = await app.install({ sharedSecret: SECRET });
    const result = await post('/installed', { body: JSON.stringify(payload('an-unsigned-new-secret-0123456789')), headers: { 'Content-Type': 'application/json' } });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_REINSTALL_UNAUTHENTICATED');
    expect(result.json.message).toEqual(expect.any(String));
    expect((await app.store.get(clientKey))?.sharedSecret).toBe(SECRET);
  });

  it('refuses a payload from another Bitbucket than BITBUCKET_URL (400 ERR_INSTALL_BASE_URL)', async () => {
    const body = installedPayload({ appKey: app.config.appKey, sharedSecret: SECRET, bitbucketUrl: 'https://bitbucket.evil.example' });
    const result = await post('/installed', { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('ERR_INSTALL_BASE_URL');
    expect(await app.store.count()).toBe(0);
  });

  it('refuses a JWT in both the query and the header (401 ERR_JWT_AMBIGUOUS)', async () => {
    const body = payload();
    const jwt = await app.productJwt({ clientKey: body.clientKey, sharedSecret: SECRET, method: 'POST', url: '/installed' });
    const result = await lifecycleCall('/installed', body, { clientKey: body.clientKey, secret: SECRET, query: `?jwt=${jwt}` });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_JWT_AMBIGUOUS');
  });

  it('refuses a JWT signed with another algorithm (401 ERR_JWT_ALG)', async () => {
    const body = payload();
    const nowSeconds = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ qsh: queryStringHash('POST', '/installed') })
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .setIssuer(body.clientKey)
      .setAudience(body.clientKey)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 3600)
      .sign(new TextEncoder().encode(SECRET));
    const result = await post('/installed', {
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Authorization: `JWT ${jwt}` },
    });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_JWT_ALG');
  });

  it('refuses an expired JWT (401 ERR_JWT_EXPIRED)', async () => {
    const body = payload();
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    const result = await lifecycleCall('/installed', body, { clientKey: body.clientKey, secret: SECRET, now: () => twoHoursAgo });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_JWT_EXPIRED');
  });

  it('refuses a JWT whose qsh is for another request (401 ERR_QSH_MISMATCH)', async () => {
    const body = payload();
    const result = await lifecycleCall('/installed', body, { clientKey: body.clientKey, secret: SECRET, signedPath: '/uninstalled' });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_QSH_MISMATCH');
  });

  it('refuses a payload whose clientKey is not the JWT issuer (401 ERR_CLIENT_KEY_MISMATCH)', async () => {
    const body = payload();
    const result = await lifecycleCall('/installed', body, { clientKey: `${body.clientKey}-other`, secret: SECRET });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_CLIENT_KEY_MISMATCH');
  });

  it('refuses a personal-account payload without sharedSecret (400 ERR_NO_SHARED_SECRET)', async () => {
    const body = personalInstalledPayload({ appKey: app.config.appKey });
    const result = await lifecycleCall('/installed', body, { clientKey: body.clientKey, secret: SECRET });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('ERR_NO_SHARED_SECRET');
  });

  it('refuses a payload for another app (400 ERR_APP_KEY_MISMATCH)', async () => {
    const body = installedPayload({ appKey: 'some-other-app', sharedSecret: SECRET });
    const result = await lifecycleCall('/installed', body, { clientKey: body.clientKey, secret: SECRET });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('ERR_APP_KEY_MISMATCH');
  });

  it('refuses JSON that is not an installed payload (400 ERR_PAYLOAD_INVALID)', async () => {
    const result = await lifecycleCall('/installed', [1, 2, 3], { clientKey: 'x', secret: SECRET });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('ERR_PAYLOAD_INVALID');
  });

  it('refuses malformed JSON (400 ERR_BODY_MALFORMED) without echoing the body', async () => {
    const result = await post('/installed', {
      body: `{"sharedSecret": "${SECRET}", oops`,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('ERR_BODY_MALFORMED');
    expect(result.text).not.toContain(SECRET);
    expectCleanLogs([SECRET]);
  });

  it('refuses an empty body (400 ERR_BODY_MALFORMED)', async () => {
    const result = await post('/installed', { body: '', headers: { 'Content-Type': 'application/json' } });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('ERR_BODY_MALFORMED');
  });

  it('refuses a body over 64 KiB (413 ERR_BODY_TOO_LARGE)', async () => {
    const body = { ...payload(), padding: 'x'.repeat(64 * 1024) };
    const result = await post('/installed', { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    expect(result.status).toBe(413);
    expect(result.json.error).toBe('ERR_BODY_TOO_LARGE');
  });

  it('refuses another content type (415 ERR_UNSUPPORTED_MEDIA_TYPE)', async () => {
    const result = await post('/installed', { body: JSON.stringify(payload()), headers: { 'Content-Type': 'text/plain' } });
    expect(result.status).toBe(415);
    expect(result.json.error).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a compressed body (415) rather than inflating it', async () => {
    const result = await post('/installed', {
      body: gzipSync(JSON.stringify(payload())),
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    expect(result.status).toBe(415);
    expect(result.json.error).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a non-UTF-8 charset (415)', async () => {
    const result = await post('/installed', { body: '{}', headers: { 'Content-Type': 'application/json; charset=latin1' } });
    expect(result.status).toBe(415);
    expect(result.json.error).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers JSON errors to a browser too: Bitbucket, not a person, calls lifecycle routes', async () => {
    const result = await post('/installed', { body: '{', headers: { 'Content-Type': 'application/json', Accept: 'text/html' } });
    expect(result.status).toBe(400);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('POST /uninstalled', () => {
  it('keeps a tombstone (204), signed with the stored secret; the next install, signed with it, is accepted', async () => {
    const installed = await app.install({ sharedSecret: SECRET });
    const { response } = await uninstallApp({ appBaseUrl: app.url, descriptor: testDescriptor(app.config), installed: installed.payload, registry: app.registry });
    expect(response.status).toBe(204);
    expect(await app.store.get(installed.clientKey)).toMatchObject({ state: 'uninstalled', sharedSecret: SECRET, principal: undefined });
    expect(app.lines.some((line) => line.includes(`uninstalled clientKey=${installed.clientKey} kept=tombstone`))).toBe(true);

    const again = await app.install();
    expect(again.signedWith, 'Bitbucket signs the first install after an uninstall with the preceding secret').toBe(SECRET);
    expect(again.sharedSecret, 'and sends a new one').not.toBe(SECRET);
    expect(again.response.status).toBe(204);
    expect(await app.store.get(installed.clientKey)).toMatchObject({ state: 'active', sharedSecret: again.sharedSecret });
    expect(app.lines.some((line) => line.includes('outcome=reinstalled-after-uninstall'))).toBe(true);
    expectCleanLogs([SECRET, again.sharedSecret]);
  });

  it('answers 404 ERR_INSTALLATION_UNINSTALLED to an uninstall of a tombstone', async () => {
    const installed = await app.install({ sharedSecret: SECRET });
    const body = uninstalledPayload(installed.payload);
    expect((await lifecycleCall('/uninstalled', body, { clientKey: installed.clientKey, secret: SECRET })).status).toBe(204);
    const again = await lifecycleCall('/uninstalled', body, { clientKey: installed.clientKey, secret: SECRET });
    expect(again.status).toBe(404);
    expect(again.json.error).toBe('ERR_INSTALLATION_UNINSTALLED');
  });

  it('answers 404 ERR_INSTALLATION_UNKNOWN for a client it does not know', async () => {
    const body = uninstalledPayload(payload());
    const result = await lifecycleCall('/uninstalled', body, { clientKey: body.clientKey, secret: SECRET });
    expect(result.status).toBe(404);
    expect(result.json.error).toBe('ERR_INSTALLATION_UNKNOWN');
  });

  it('refuses an uninstall signed with another secret (401) and keeps the installation', async () => {
    const installed = await app.install({ sharedSecret: SECRET });
    const body = uninstalledPayload(installed.payload);
    const result = await lifecycleCall('/uninstalled', body, { clientKey: installed.clientKey, secret: 'not-the-stored-secret-0123456789' });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_JWT_SIGNATURE');
    expect(await app.store.get(installed.clientKey)).toBeDefined();
  });

  it('refuses an uninstall without a JWT (401)', async () => {
    const installed = await app.install({ sharedSecret: SECRET });
    const result = await post('/uninstalled', {
      body: JSON.stringify(uninstalledPayload(installed.payload)),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('ERR_JWT_MISSING');
    expect(await app.store.get(installed.clientKey)).toBeDefined();
  });
});

describe('the lifecycle behind a context path', () => {
  it('verifies the qsh relative to BASE_URL, whether a proxy strips the path or keeps it', async () => {
    await app.close();
    app = await startTestApp({ env: { BASE_URL: `${TEST_BASE_URL}/app` } });
    // Bitbucket POSTs to {baseUrl}/installed, signed over POST&/installed&.
    const stripped = await app.install({ sharedSecret: SECRET });
    expect(stripped.response.status).toBe(204);
    const kept = await app.install({ sharedSecret: SECRET, appBaseUrl: `${app.url}/app` });
    expect(kept.response.status).toBe(204);
    expect(app.lines.some((line) => line.includes('path=/app/installed status=204'))).toBe(true);
  });

  it('verifies a stripped request whose path merely starts with the context path\'s letters (BASE_URL .../i, POST /installed)', async () => {
    await app.close();
    app = await startTestApp({ env: { BASE_URL: `${TEST_BASE_URL}/i` } });
    // Signed over POST&/installed&; the path /installed must not lose its "/i" to the context path.
    const stripped = await app.install({ sharedSecret: SECRET });
    expect(stripped.response.status).toBe(204);
    const kept = await app.install({ sharedSecret: SECRET, appBaseUrl: `${app.url}/i` });
    expect(kept.response.status).toBe(204);
    const uninstalled = await app.productJwt({ clientKey: stripped.clientKey, sharedSecret: SECRET, method: 'POST', url: '/uninstalled' });
    const result = await post('/uninstalled', {
      body: JSON.stringify(uninstalledPayload(stripped.payload)),
      headers: { 'Content-Type': 'application/json', Authorization: `JWT ${uninstalled}` },
    });
    expect(result.status).toBe(204);
  });
});
