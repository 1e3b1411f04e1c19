import { createQueryStringHash, encodeSymmetric, fromMethodAndPathAndBody } from 'atlassian-jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KNOWN_SCOPES } from '../src/connect/scopes.ts';
import { queryStringHash } from '../src/jwt/qsh.ts';
import { repositoryFixtures } from './fixtures/repositories.ts';
import { APP_KEY, BITBUCKET, GRANT_BODY, SHARED_SECRET, startTestBitbucket, T0, TOKEN_URL, type TestBitbucket } from './test-support.ts';
import { LAB_NOTES } from './lab-note.ts';
import { TOKEN_LIFETIME_SECONDS } from './token-endpoint.ts';

const UNAUTHENTICATED = {
  error: 'unauthorized_client',
  error_description: 'Requests must be authenticated using OAuth client credentials',
};

async function expectOAuthError(response: Response, status: number, error: string, description?: string | RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  if (typeof description === 'string') expect(body.error_description).toBe(description);
  else if (description) expect(body.error_description).toMatch(description);
}

let bb: TestBitbucket;
afterEach(() => bb.stop());

describe('token endpoint: what it accepts', () => {
  beforeEach(() => {
    bb = startTestBitbucket();
  });

  it('issues a token for a JWT whose qsh hashes POST&/site/oauth2/access_token&', async () => {
    const response = await bb.exchange();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      scopes: 'account repository',
      expires_in: 7200,
      token_type: 'bearer',
      state: 'jwt_grant',
    });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('accepts the qsh with the form body folded in as the query, as atlassian-jwt computes it', async () => {
    const folded = createQueryStringHash(
      fromMethodAndPathAndBody('post', '/site/oauth2/access_token', { grant_type: 'urn:bitbucket:oauth2:jwt' }),
      true,
    );
    expect(folded).toBe(queryStringHash('POST', `${TOKEN_URL}?${GRANT_BODY}`, BITBUCKET));
    expect((await bb.exchange({ authorization: `JWT ${await bb.sign({ qsh: folded })}` })).status).toBe(200);
  });

  it('accepts a JWT without qsh, as some published clients send', async () => {
    expect((await bb.exchange({ authorization: `JWT ${await bb.sign({ qsh: null })}` })).status).toBe(200);
  });

  it('accepts a JWT signed by another library (jwt-simple style, atlassian-jwt)', async () => {
    const iat = Math.floor(T0 / 1000);
    const jwt = encodeSymmetric({ iss: APP_KEY, sub: bb.installation.clientKey, iat, exp: iat + 180 }, SHARED_SECRET);
    expect((await bb.exchange({ authorization: `JWT ${jwt}` })).status).toBe(200);
  });

  it('narrows the token to the scope asked for', async () => {
    const response = await bb.exchange({ body: `${GRANT_BODY}&scope=repository` });
    expect(((await response.json()) as { scopes: string }).scopes).toBe('repository');
  });

  it('restricts the token to the repository asked for, braces optional', async () => {
    const repo = repositoryFixtures()[4]!;
    for (const uuid of [repo.uuid, repo.uuid.slice(1, -1)]) {
      const token = await bb.accessToken(`${GRANT_BODY}&bitbucket_repository=${encodeURIComponent(uuid)}`);
      expect(bb.mock.state.tokens.get(token)?.repository).toBe(repo.uuid);
    }
  });

  it('accepts a mock mounted under a path, with the qsh relative to it', async () => {
    bb.stop();
    bb = startTestBitbucket({ bitbucketUrl: 'http://127.0.0.1:4000/bb', apiUrl: 'http://127.0.0.1:4000/api' });
    const url = 'http://127.0.0.1:4000/bb/site/oauth2/access_token';
    const jwt = await bb.sign({ url, baseUrl: 'http://127.0.0.1:4000/bb' });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `JWT ${jwt}` },
      body: GRANT_BODY,
    });
    expect(response.status).toBe(200);
  });
});

describe('token endpoint: what it refuses, with Bitbucket\'s bodies', () => {
  beforeEach(() => {
    bb = startTestBitbucket();
  });

  // docs/protocol.md section 2: the one public capture of unauthorized_client with a status has 400.
  it('no Authorization: 400 unauthorized_client, as captured, with no X-Lab-Note', async () => {
    const response = await bb.exchange({ authorization: null });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(UNAUTHENTICATED);
    expect(response.headers.get('x-lab-note')).toBeNull();
  });

  it.each([
    ['Bearer', 'Bearer abc'],
    ['Basic', `Basic ${Buffer.from('key:secret').toString('base64')}`],
    ['lower-case jwt', 'jwt PLACEHOLDER'],
    ['JWT without a token', 'JWT '],
  ])('Authorization %s: answered as without credentials (400 unauthorized_client), marked as the mock\'s inference', async (_name, header) => {
    const authorization = header.replace('PLACEHOLDER', await bb.sign());
    const response = await bb.exchange({ authorization });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(UNAUTHENTICATED);
    expect(response.headers.get('x-lab-note')).toBe(LAB_NOTES.tokenNotJwtScheme);
  });

  it('no grant_type: 400 "Unsupported grant type: None"', async () => {
    const response = await bb.exchange({ body: '' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_grant', error_description: 'Unsupported grant type: None' });
  });

  it('another grant_type: 400 naming it', async () => {
    const response = await bb.exchange({ body: 'grant_type=client_credentials' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Unsupported grant type: client_credentials',
    });
  });

  it('a JSON body is not a form: its grant_type is None', async () => {
    const response = await bb.exchange({ body: JSON.stringify({ grant_type: 'urn:bitbucket:oauth2:jwt' }), contentType: 'application/json' });
    await expectOAuthError(response, 400, 'invalid_grant', 'Unsupported grant type: None');
  });

  it('a token that is not a JWT: 401 unauthorized_client', async () => {
    await expectOAuthError(await bb.exchange({ authorization: 'JWT not-a-jwt' }), 401, 'unauthorized_client', /^Invalid JWT/);
  });

  it('an unknown sub: 401 unauthorized_client', async () => {
    const jwt = await bb.sign({ clientKey: 'ari:cloud:bitbucket::app/{00000000-0000-4000-8000-000000000000}/jwt-grant-tutorial' });
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 401, 'unauthorized_client', /^Unknown client/);
  });

  it('a JWT without sub: 401 unauthorized_client', async () => {
    const iat = Math.floor(T0 / 1000);
    const jwt = encodeSymmetric({ iss: APP_KEY, iat, exp: iat + 180 }, SHARED_SECRET);
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 401, 'unauthorized_client', /"sub"/);
  });

  it('a bad signature: 401 unauthorized_client', async () => {
    const jwt = await bb.sign({ sharedSecret: 'another-secret-0123456789abcdef' });
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 401, 'unauthorized_client', /signature/);
  });

  it('iss other than the installation\'s app key: 401 unauthorized_client', async () => {
    const jwt = await bb.sign({ appKey: 'someone-elses-app' });
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 401, 'unauthorized_client', /issuer/);
  });

  it('alg none: 401 unauthorized_client', async () => {
    const [, claims] = (await bb.sign()).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${header}.${claims}.` }), 401, 'unauthorized_client');
  });

  it('an expired JWT: 400 invalid_grant', async () => {
    const jwt = await bb.sign({ now: () => T0 - 10 * 60_000 });
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 400, 'invalid_grant', /expired/);
  });

  it('a JWT issued in the future: 400 invalid_grant', async () => {
    const jwt = await bb.sign({ now: () => T0 + 10 * 60_000 });
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 400, 'invalid_grant', /"iat"/);
  });

  it('a qsh for another request: 400 invalid_grant', async () => {
    const jwt = await bb.sign({ method: 'GET', url: 'https://api.bitbucket.org/2.0/user', baseUrl: 'https://api.bitbucket.org' });
    await expectOAuthError(await bb.exchange({ authorization: `JWT ${jwt}` }), 400, 'invalid_grant', /qsh/);
  });

  it('a scope beyond the app\'s: 400 invalid_scope', async () => {
    const response = await bb.exchange({ body: `${GRANT_BODY}&scope=repository%20pullrequest:write` });
    await expectOAuthError(response, 400, 'invalid_scope', /pullrequest:write/);
    expect(bb.mock.state.tokens.size).toBe(0);
  });

  it('an unknown bitbucket_repository: 400 invalid_request', async () => {
    const response = await bb.exchange({ body: `${GRANT_BODY}&bitbucket_repository=%7B00000000-0000-4000-8000-000000000000%7D` });
    await expectOAuthError(response, 400, 'invalid_request', /Unknown repository/);
  });

  it('never echoes the JWT or the secret in an error', async () => {
    const jwt = await bb.sign({ sharedSecret: 'another-secret-0123456789abcdef' });
    const text = await (await bb.exchange({ authorization: `JWT ${jwt}` })).text();
    expect(text).not.toContain(jwt.split('.')[2]);
    expect(text).not.toContain(SHARED_SECRET);
  });
});

describe('token endpoint: X-Lab-Note marks what the mock makes up, and only that', () => {
  beforeEach(() => {
    bb = startTestBitbucket();
  });

  const note = (response: Response) => response.headers.get('x-lab-note');

  it('answers Bitbucket was seen to send carry none: no grant_type (captured), no Authorization (captured, 400)', async () => {
    expect(note(await bb.exchange({ body: '' }))).toBeNull();
    expect(note(await bb.exchange({ authorization: null }))).toBeNull();
  });

  it('a success marks the state value, whose meaning for the JWT grant is not documented', async () => {
    const response = await bb.exchange();
    expect(response.status).toBe(200);
    expect(note(response)).toBe(LAB_NOTES.tokenState);
  });

  it('the unsettled statuses for a refused JWT are marked (docs/protocol.md section 2: unsettled)', async () => {
    const badSignature = await bb.exchange({ authorization: `JWT ${await bb.sign({ sharedSecret: 'another-secret-0123456789abcdef' })}` });
    const expired = await bb.exchange({ authorization: `JWT ${await bb.sign({ now: () => T0 - 10 * 60_000 })}` });
    expect([badSignature.status, expired.status]).toEqual([401, 400]);
    expect(note(badSignature)).toBe(LAB_NOTES.tokenJwtRefused);
    expect(note(expired)).toBe(LAB_NOTES.tokenJwtRefused);
  });

  it('inferred answers are marked: a JSON body, another grant type, a scope or repository refused', async () => {
    const json = await bb.exchange({ body: JSON.stringify({ grant_type: 'urn:bitbucket:oauth2:jwt' }), contentType: 'application/json' });
    expect(note(json)).toBe(LAB_NOTES.tokenNotAForm);
    expect(note(await bb.exchange({ body: 'grant_type=client_credentials' }))).toBe(LAB_NOTES.tokenOtherGrant);
    expect(note(await bb.exchange({ body: `${GRANT_BODY}&scope=webhook` }))).toBe(LAB_NOTES.tokenFieldRefused);
    expect(note(await bb.exchange({ body: `${GRANT_BODY}&bitbucket_repository=%7B00000000-0000-4000-8000-000000000000%7D` }))).toBe(
      LAB_NOTES.tokenFieldRefused,
    );
  });
});

describe('token endpoint: scopes of the installation', () => {
  // docs/protocol.md sections 7 and 8, [K]: no `scopes` in the descriptor means all scopes.
  it('grants every known scope to an app whose descriptor names none', async () => {
    bb = startTestBitbucket({ scopes: null });
    expect(((await (await bb.exchange()).json()) as { scopes: string }).scopes).toBe(KNOWN_SCOPES.join(' '));
    expect((await bb.exchange({ body: `${GRANT_BODY}&scope=pullrequest:write%20webhook` })).status).toBe(200);
  });

  it('grants the installation\'s own scopes and refuses others', async () => {
    bb = startTestBitbucket({ scopes: ['account', 'repository', 'pullrequest'] });
    expect(((await (await bb.exchange()).json()) as { scopes: string }).scopes).toBe('account repository pullrequest');
    expect((await bb.exchange({ body: `${GRANT_BODY}&scope=pullrequest` })).status).toBe(200);
    await expectOAuthError(await bb.exchange({ body: `${GRANT_BODY}&scope=webhook` }), 400, 'invalid_scope');
  });
});

describe('token endpoint: issued tokens are remembered', () => {
  beforeEach(() => {
    bb = startTestBitbucket({ randomToken: (() => { let n = 0; return () => `token-${++n}`; })() });
  });

  it('records each token with its installation, scopes and expiry by the injected clock', async () => {
    await bb.exchange();
    bb.clock.now = T0 + 5_000;
    await bb.exchange({ body: `${GRANT_BODY}&scope=account` });
    expect([...bb.mock.state.tokens]).toEqual([
      ['token-1', { clientKey: bb.installation.clientKey, scopes: ['account', 'repository'], repository: undefined, issuedAt: T0, expiresAt: T0 + TOKEN_LIFETIME_SECONDS * 1000 }],
      ['token-2', { clientKey: bb.installation.clientKey, scopes: ['account'], repository: undefined, issuedAt: T0 + 5_000, expiresAt: T0 + 5_000 + 7_200_000 }],
    ]);
    expect(bb.mock.state.counts).toMatchObject({ exchanges: 2, tokensIssued: 2, byEndpoint: { 'POST /site/oauth2/access_token': 2 } });
  });

  it('counts refused exchanges too, and logs every request unredacted with its status', async () => {
    await bb.exchange({ authorization: null });
    const jwt = await bb.sign();
    await bb.exchange({ authorization: `JWT ${jwt}` });
    expect(bb.mock.state.counts.exchanges).toBe(2);
    expect(bb.mock.state.counts.tokensIssued).toBe(1);
    expect(bb.mock.state.log.map((entry) => entry.status)).toEqual([400, 200]);
    expect(bb.mock.state.log[1]).toMatchObject({
      at: T0,
      endpoint: 'POST /site/oauth2/access_token',
      method: 'POST',
      url: TOKEN_URL,
      body: GRANT_BODY,
      headers: { authorization: `JWT ${jwt}` },
    });
  });

  it('a token works until its expiry, then gets "Access token expired."', async () => {
    const token = await bb.accessToken();
    const call = () => fetch('https://api.bitbucket.org/2.0/user', { headers: { Authorization: `Bearer ${token}` } });
    bb.clock.now = T0 + 7_200_000 - 1;
    expect((await call()).status).toBe(200);
    bb.clock.now = T0 + 7_200_000;
    const expired = await call();
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ type: 'error', error: { message: 'Access token expired.' } });
  });
});
