import { createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryStringHash } from '../jwt/qsh.ts';
import type { Installation } from '../store/installation.ts';
import { exchangeJwtForToken, JWT_GRANT_TYPE, tokenEndpoint } from './exchange.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const now = () => NOW;
const ENDPOINT = 'https://bitbucket.org/site/oauth2/access_token';

const installation: Installation = {
  clientKey: 'ari:cloud:bitbucket::app/{c0ffee00-0000-4000-8000-000000000001}/jwt-grant-tutorial',
  key: 'jwt-grant-tutorial',
  sharedSecret: 'shared-secret-0123456789-abcdefghijklmnop',
  baseUrl: 'https://bitbucket.example',
  baseApiUrl: 'https://api.bitbucket.example',
  productType: 'bitbucket',
  principal: { type: 'team', uuid: '{c0ffee00-0000-4000-8000-000000000001}' },
  installedAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
};

const TOKEN_BODY = {
  access_token: 'access-token-value-0123456789abcdefghijkl',
  scopes: 'account repository',
  expires_in: 7200,
  token_type: 'bearer',
  state: 'jwt',
};

interface Captured {
  headers: Headers;
  body: string;
  url: string;
}

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers the token endpoint with `respond`, keeping what the client sent. */
function tokenEndpointAnswers(respond: (captured: Captured) => Response, url = ENDPOINT): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      const captured = { headers: request.headers, body: await request.text(), url: request.url };
      seen.push(captured);
      return respond(captured);
    }),
  );
  return seen;
}

function jwtOf(captured: Captured | undefined): string {
  const header = captured?.headers.get('authorization') ?? '';
  expect(header).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+$/);
  return header.slice('JWT '.length);
}

describe('tokenEndpoint', () => {
  it('appends /site/oauth2/access_token to the web origin, keeping a context path', () => {
    expect(tokenEndpoint('https://bitbucket.org')).toBe('https://bitbucket.org/site/oauth2/access_token');
    expect(tokenEndpoint('https://bitbucket.org/')).toBe('https://bitbucket.org/site/oauth2/access_token');
    expect(tokenEndpoint('http://localhost:4000/bb/')).toBe('http://localhost:4000/bb/site/oauth2/access_token');
  });

  it('refuses what is not an http(s) base URL', () => {
    expect(() => tokenEndpoint('bitbucket.org')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

describe('exchangeJwtForToken: the request', () => {
  it('POSTs exactly the grant form with Authorization: JWT, and parses the token', async () => {
    const seen = tokenEndpointAnswers(() => HttpResponse.json(TOKEN_BODY));
    const token = await exchangeJwtForToken({ installation, now });

    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.body).toBe('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
    expect(new URLSearchParams(request?.body).get('grant_type')).toBe(JWT_GRANT_TYPE);
    expect(request?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.get('accept')).toBe('application/json');

    expect(token).toEqual({
      accessToken: TOKEN_BODY.access_token,
      scopes: ['account', 'repository'],
      expiresAt: NOW + 7200 * 1000,
      tokenType: 'bearer',
    });
  });

  it('signs an HS256 JWT with iss = app key, sub = clientKey, exp - iat = 180 and the qsh of the endpoint', async () => {
    const seen = tokenEndpointAnswers(() => HttpResponse.json(TOKEN_BODY));
    await exchangeJwtForToken({ installation, now });
    const jwt = jwtOf(seen[0]);

    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(installation.sharedSecret), {
      currentDate: new Date(NOW),
      algorithms: ['HS256'],
    });
    expect(payload.iss).toBe(installation.key);
    expect(payload.sub).toBe(installation.clientKey);
    expect(payload.iat).toBe(NOW / 1000);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(180);
    expect(payload.aud).toBeUndefined();
    // The second of the three known forms (docs/protocol.md, section 3), cross-checked with Atlassian's code.
    const expected = createQueryStringHash(fromMethodAndUrl('POST', '/site/oauth2/access_token'));
    expect(payload.qsh).toBe(expected);
    expect(payload.qsh).toBe(queryStringHash('POST', '/site/oauth2/access_token'));
  });

  it('sends scope space-separated and bitbucket_repository when asked', async () => {
    const seen = tokenEndpointAnswers(() => HttpResponse.json({ ...TOKEN_BODY, scopes: 'repository' }));
    const repository = '{5a1b2c3d-0000-4000-8000-00000000abcd}';
    const token = await exchangeJwtForToken({ installation, now, scope: ['repository', 'pullrequest'], repository });

    const form = new URLSearchParams(seen[0]?.body);
    expect([...form.keys()]).toEqual(['grant_type', 'scope', 'bitbucket_repository']);
    expect(form.get('scope')).toBe('repository pullrequest');
    expect(form.get('bitbucket_repository')).toBe(repository);
    expect(token.scopes).toEqual(['repository']);
  });

  it('sends no scope field for an empty scope list (no narrowing)', async () => {
    const seen = tokenEndpointAnswers(() => HttpResponse.json(TOKEN_BODY));
    await exchangeJwtForToken({ installation, now, scope: [] });
    expect(seen[0]?.body).toBe('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
  });

  it('goes to https://bitbucket.org by default, never to the baseUrl an installer sent', async () => {
    // installation.baseUrl is https://bitbucket.example: whoever installs first chooses it.
    const seen = tokenEndpointAnswers(() => HttpResponse.json(TOKEN_BODY));
    await exchangeJwtForToken({ installation, now });
    expect(seen).toHaveLength(1);
  });

  it('uses bitbucketUrl over installation.baseUrl, and hashes the path relative to it', async () => {
    const seen = tokenEndpointAnswers(() => HttpResponse.json(TOKEN_BODY), 'https://mock.example/bb/site/oauth2/access_token');
    await exchangeJwtForToken({ installation, now, bitbucketUrl: 'https://mock.example/bb/' });
    const { payload } = await jwtVerify(jwtOf(seen[0]), new TextEncoder().encode(installation.sharedSecret), {
      currentDate: new Date(NOW),
    });
    expect(payload.qsh).toBe(queryStringHash('POST', '/site/oauth2/access_token'));
  });

  it('accepts expires_in as a digit string and defaults a missing scopes and token_type', async () => {
    tokenEndpointAnswers(() => HttpResponse.json({ access_token: 'abc', expires_in: '3600' }));
    await expect(exchangeJwtForToken({ installation, now })).resolves.toEqual({
      accessToken: 'abc',
      scopes: [],
      expiresAt: NOW + 3_600_000,
      tokenType: 'bearer',
    });
  });

  it('refuses malformed scope and repository options before signing anything', async () => {
    await expect(exchangeJwtForToken({ installation, now, scope: ['repository write'] })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    });
    await expect(exchangeJwtForToken({ installation, now, repository: 'my-repo&scope=admin' })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    });
  });

  it('refuses an installation without a sharedSecret with a named error, sending nothing', async () => {
    const seen = tokenEndpointAnswers(() => HttpResponse.json(TOKEN_BODY));
    const error = await exchangeJwtForToken({ installation: { ...installation, sharedSecret: '' }, now }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INSTALLATION_INCOMPLETE', lesson: 2, clientKey: installation.clientKey });
    expect((error as Error).message).toContain('sharedSecret');
    expect(seen).toHaveLength(0);
  });
});

describe('exchangeJwtForToken: errors', () => {
  const cases: Array<[string, () => Response, Record<string, unknown>, string[]]> = [
    [
      'invalid_grant',
      () => HttpResponse.json({ error: 'invalid_grant', error_description: 'Unsupported grant type: None' }, { status: 400 }),
      { code: 'ERR_GRANT_INVALID', status: 400, oauthError: 'invalid_grant', serverText: 'Unsupported grant type: None' },
      ['invalid_grant', 'Unsupported grant type: None', 'grant_type=urn:bitbucket:oauth2:jwt', 'Lesson 4'],
    ],
    [
      'unauthorized_client',
      () =>
        HttpResponse.json(
          { error: 'unauthorized_client', error_description: 'Requests must be authenticated using OAuth client credentials' },
          // The one public capture of this error with a status has 400 (docs/protocol.md section 2).
          { status: 400 },
        ),
      { code: 'ERR_GRANT_UNAUTHORIZED_CLIENT', status: 400, oauthError: 'unauthorized_client' },
      ['Requests must be authenticated using OAuth client credentials', 'case-sensitive', '"Authorization: JWT <token>"'],
    ],
    [
      'another OAuth error on 403',
      () => HttpResponse.json({ error: 'access_denied', error_description: 'Scope not granted' }, { status: 403 }),
      { code: 'ERR_GRANT_REJECTED', status: 403, oauthError: 'access_denied' },
      ['access_denied', 'Scope not granted'],
    ],
    [
      'a non-JSON 401',
      () => new HttpResponse('Unauthorized: bad signature', { status: 401 }),
      { code: 'ERR_GRANT_REJECTED', status: 401, oauthError: undefined, serverText: 'Unauthorized: bad signature' },
      ['HTTP 401', 'Unauthorized: bad signature'],
    ],
    [
      'a 429 with Retry-After seconds',
      () => HttpResponse.json({ error: 'rate_limited' }, { status: 429, headers: { 'Retry-After': '30' } }),
      { code: 'ERR_RATE_LIMITED', status: 429, retryAfterMs: 30_000 },
      ['429', 'wait 30 s', 'cache it'],
    ],
    [
      'a 429 with a Retry-After date',
      () => new HttpResponse('slow down', { status: 429, headers: { 'Retry-After': 'Sun, 01 Mar 2026 12:02:00 GMT' } }),
      { code: 'ERR_RATE_LIMITED', retryAfterMs: 120_000 },
      ['slow down'],
    ],
    [
      'a 429 without Retry-After',
      () => new HttpResponse('', { status: 429 }),
      { code: 'ERR_RATE_LIMITED', retryAfterMs: undefined },
      ['no Retry-After'],
    ],
    [
      'a 503 HTML page',
      () => new HttpResponse('<html><body>Service Unavailable</body></html>', { status: 503 }),
      { code: 'ERR_SERVER', status: 503 },
      ['HTTP 503', 'Service Unavailable'],
    ],
    [
      'a 5xx even with an OAuth error body',
      () => HttpResponse.json({ error: 'invalid_grant' }, { status: 500 }),
      { code: 'ERR_SERVER', status: 500 },
      ['invalid_grant'],
    ],
    [
      'a 200 that is not JSON',
      () => new HttpResponse('<html>login page</html>', { status: 200 }),
      { code: 'ERR_TOKEN_RESPONSE_INVALID', status: 200, serverText: '<html>login page</html>' },
      ['not JSON', '<html>login page</html>'],
    ],
    [
      'a 200 without access_token',
      () => HttpResponse.json({ expires_in: 3600, scopes: 'account' }),
      { code: 'ERR_TOKEN_RESPONSE_INVALID' },
      ['no access_token', 'expires_in, scopes'],
    ],
    [
      'a 200 with a non-numeric expires_in',
      () => HttpResponse.json({ ...TOKEN_BODY, expires_in: 'soon' }),
      { code: 'ERR_TOKEN_RESPONSE_INVALID' },
      ['expires_in is string'],
    ],
    [
      'a 200 with a JSON array',
      () => HttpResponse.json([TOKEN_BODY]),
      { code: 'ERR_TOKEN_RESPONSE_INVALID' },
      ['not an object'],
    ],
    [
      'a redirect',
      () => new HttpResponse(null, { status: 302, headers: { Location: 'https://id.example/login' } }),
      { code: 'ERR_TOKEN_RESPONSE_INVALID', status: 302 },
      ['redirects to https://id.example/login'],
    ],
    [
      'a 404 (wrong origin)',
      () => new HttpResponse('Not Found', { status: 404 }),
      { code: 'ERR_TOKEN_RESPONSE_INVALID', status: 404 },
      ['HTTP 404', 'Bitbucket URL'],
    ],
  ];

  it.each(cases)('maps %s to its code, quoting the server', async (_name, respond, fields, words) => {
    const seen = tokenEndpointAnswers(respond);
    const error = await exchangeJwtForToken({ installation, now }).catch((e: unknown) => e);
    expect(error).toMatchObject(fields);
    const { message } = error as Error;
    for (const word of words) expect(message).toContain(word);
    // Never the secrets: not the shared secret, not the JWT's signature, not the access token.
    const signature = jwtOf(seen[0]).split('.')[2] ?? '';
    expect(message).not.toContain(installation.sharedSecret);
    expect(message).not.toContain(signature);
    expect(message).not.toContain(TOKEN_BODY.access_token);
  });

  it('redacts the JWT and the secret when the server echoes them back', async () => {
    tokenEndpointAnswers(({ headers }) =>
      HttpResponse.json(
        { error: 'invalid_grant', error_description: `bad secret ${installation.sharedSecret} in ${headers.get('authorization')}` },
        { status: 400 },
      ),
    );
    const error = (await exchangeJwtForToken({ installation, now }).catch((e: unknown) => e)) as Error & { serverText: string };
    expect(error.serverText).toContain('shar…(41 chars)');
    expect(error.message).not.toContain(installation.sharedSecret);
    expect(error.message).not.toMatch(/eyJ[\w-]*\.eyJ[\w-]*\.[\w-]{20,}/);
  });

  it('maps a fetch that throws to ERR_NETWORK', async () => {
    const failing = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) });
    };
    await expect(exchangeJwtForToken({ installation, now, fetch: failing })).rejects.toMatchObject({
      code: 'ERR_NETWORK',
      lesson: 4,
      target: `POST ${ENDPOINT}`,
    });
  });

  it('gives up with ERR_TIMEOUT when the endpoint never answers', async () => {
    let aborted = false;
    const hanging = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(init.signal?.reason);
        });
      });
    await expect(exchangeJwtForToken({ installation, now, fetch: hanging, timeoutMs: 20 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
      timeoutMs: 20,
    });
    expect(aborted).toBe(true);
  });

  it("stops with ERR_ABORTED when the caller's signal aborts", async () => {
    const controller = new AbortController();
    let started!: () => void;
    const sent = new Promise<void>((resolve) => (started = resolve));
    const hanging = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        started();
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const pending = exchangeJwtForToken({ installation, now, fetch: hanging, signal: controller.signal });
    await sent;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
