import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../errors.ts';
import { queryStringHash } from '../jwt/qsh.ts';
import { signProductJwt } from '../jwt/sign.ts';
import type { Installation } from '../store/installation.ts';
import { createMemoryStore } from '../store/memory.ts';
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

function setup(initial: Installation[] = []) {
  let clock = T0;
  const store = createMemoryStore(initial);
  const deps: LifecycleDeps = { store, appBaseUrl: APP_BASE_URL, appKey: APP_KEY, now: () => clock };
  return {
    store,
    deps,
    advance(ms: number) {
      clock += ms;
    },
  };
}

/** Runs `action`, expecting a LabError with `code`; returns it for further checks. */
async function rejection(action: Promise<unknown>, code: string) {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLabError(error), `expected a LabError ${code}, got ${String(error)}`).toBe(true);
  expect(isLabError(error) && error.code).toBe(code);
  return error as Error & { code: string; lesson?: number };
}

async function installedOnce() {
  const context = setup();
  await handleInstalled(await signedRequest('/installed', installedBody()), context.deps);
  return context;
}

describe('handleInstalled: first install (trust on first use)', () => {
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
    const deps: LifecycleDeps = { store, appBaseUrl: 'https://example.com/app', appKey: APP_KEY, now: () => T0 };
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

describe('handleInstalled: re-install of a known clientKey', () => {
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

describe('handleInstalled: the JWT', () => {
  it('refuses an unsigned install, and stores nothing', async () => {
    const { store, deps } = setup();
    const request = { method: 'POST', url: '/installed', headers: { 'content-type': 'application/json' }, body: installedBody() };
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
  it('removes a known installation when signed with its stored secret', async () => {
    const { store, deps } = await installedOnce();
    const result = await handleUninstalled(await signedRequest('/uninstalled', uninstalledBody()), deps);
    expect(result).toEqual({ clientKey: CLIENT_KEY, removed: true });
    expect(await store.get(CLIENT_KEY)).toBeUndefined();
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
    expect(result.removed).toBe(true);
  });
});
