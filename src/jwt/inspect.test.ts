import { createCanonicalRequest, createQueryStringHash, encodeSymmetric, fromMethodAndPathAndBody, fromMethodAndUrl } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { appClaims, productClaims, qshOf, referenceCanonical, signHs256, type SignerBug } from '../../test/fixtures/mistaken-signers.ts';
import { createMemoryStore } from '../store/memory.ts';
import { makeInstallation } from '../../test/support/store/installations.ts';
import { inspectJwt, type Inspection, type InspectOptions } from './inspect.ts';
import { formatInspection } from './inspect-text.ts';
import { signInstallationJwt, signProductJwt } from './sign.ts';

/**
 * `inspectJwt` on tokens signed by reference signers with one mistake each
 * (test/fixtures/mistaken-signers.ts, node:crypto and a hand-written canonicaliser; or Atlassian's
 * own atlassian-jwt fed a wrongly built request), never by the lab's code: the inspector must
 * name the mistake. Then the signature causes, the direction, the secret sources and the times.
 */

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const APP_KEY = 'jwt-grant-tutorial';
const CLIENT_KEY = 'ari:cloud:bitbucket::app/{5a1b2c3d-0000-4000-8000-00000000abcd}/jwt-grant-tutorial';
const SECRET = 'inspect-test-shared-secret-0123456789-XYZ';
const API = 'https://api.bitbucket.org';
const APP_BASE_URL = 'https://app.example.test';

const base: InspectOptions = {
  appBaseUrl: APP_BASE_URL,
  bitbucketUrl: 'https://bitbucket.org',
  secret: { secret: SECRET, label: 'JWT_SECRET' },
  now: () => NOW,
};

const codes = (inspection: Inspection) => inspection.findings.map((f) => f.code);
const qshMistakes = (inspection: Inspection) => codes(inspection).filter((c) => c.startsWith('QSH_'));

/** An app token for `request`, its qsh from the reference canonicaliser with `bugs`. */
function appToken(request: { method: string; url: string; contextPath?: string }, bugs: SignerBug[] = [], key: string | Buffer = SECRET) {
  return signHs256(appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh: qshOf(referenceCanonical(request, bugs)), nowMs: NOW }), key);
}

/** The caret line points at the first column where the two canonical strings differ. */
function expectCaretAtFirstDifference(text: string) {
  const lines = text.split('\n');
  const signer = lines.find((line) => line.includes('signer hashed  ')) ?? '';
  const right = lines.find((line) => line.includes('should be      ')) ?? '';
  const caret = lines.find((line) => line.includes('^ first difference')) ?? '';
  const column = caret.indexOf('^');
  expect(column).toBeGreaterThan(0);
  expect(signer.indexOf('signer hashed  ')).toBe(right.indexOf('should be      '));
  expect(signer.slice(0, column).replace('signer hashed', '')).toBe(right.slice(0, column).replace('should be    ', ''));
  expect(signer[column]).not.toBe(right[column]);
}

/** Inspects and checks the common shape of a qsh mistake: invalid, named, both strings shown. */
async function expectMistake(token: string, request: InspectOptions['request'], code: string, signerCanonical: string, options: Partial<InspectOptions> = {}) {
  const inspection = await inspectJwt(token, { ...base, request, ...options });
  expect(inspection.verdict).toBe('invalid');
  expect(inspection.signature.status, 'the signature itself is fine').toBe('valid');
  expect(qshMistakes(inspection)).toEqual([code]);
  expect(inspection.qsh.explanation?.signer?.canonical, "the string the signer hashed").toBe(signerCanonical);
  expect(inspection.qsh.explanation?.canonical).not.toBe(signerCanonical);
  const text = formatInspection(inspection, { color: false });
  expect(text).toContain(code);
  expectCaretAtFirstDifference(text);
  return inspection;
}

describe('inspectJwt names the qsh mistake of a reference signer that makes it', () => {
  it('the reference canonicaliser agrees with Atlassian\'s for the requests used here (so it is a fair witness)', () => {
    for (const url of [
      `${API}/2.0/repositories/teams-in-space?role=member&pagelen=50`,
      `${API}/2.0/repositories/teams-in-space?q=name~%22it's%20(draft)%22`,
      `${API}/2.0/repositories/teams-in-space?q=name+~+%22api%22`,
      `${API}/2.0/repositories/teams-in-space/`,
      '/oauth-callback?repoUuid=%7B1%7D&jwt=eyJ.old.token',
    ]) {
      const { pathname, search } = new URL(url, APP_BASE_URL);
      expect(referenceCanonical({ method: 'GET', url: `${pathname}${search}` })).toBe(createCanonicalRequest(fromMethodAndUrl('GET', url), false));
    }
  });

  it('QSH_QUERY_NOT_SORTED: the query kept in the order of the URL', async () => {
    const request = { method: 'GET', url: `${API}/2.0/repositories/teams-in-space?role=member&pagelen=50` };
    await expectMistake(appToken(request, ['query-not-sorted']), request, 'QSH_QUERY_NOT_SORTED', 'GET&/2.0/repositories/teams-in-space&role=member&pagelen=50');
  });

  it("QSH_ENCODE_URI_COMPONENT: ! ' ( ) * left unencoded", async () => {
    const request = { method: 'GET', url: `${API}/2.0/repositories/teams-in-space?q=name~%22it's%20(draft)%22` };
    await expectMistake(appToken(request, ['encode-uri-component']), request, 'QSH_ENCODE_URI_COMPONENT', "GET&/2.0/repositories/teams-in-space&q=name~%22it's%20(draft)%22");
  });

  it('QSH_PLUS_NOT_DECODED: "+" hashed as a plus, not a space', async () => {
    const request = { method: 'GET', url: `${API}/2.0/repositories/teams-in-space?q=name+~+%22api%22` };
    await expectMistake(appToken(request, ['plus-not-decoded']), request, 'QSH_PLUS_NOT_DECODED', 'GET&/2.0/repositories/teams-in-space&q=name%2B~%2B%22api%22');
  });

  it('QSH_JWT_PARAM_HASHED: a URL still holding another token, hashed with it', async () => {
    const stale = signHs256({ iss: CLIENT_KEY, aud: CLIENT_KEY, iat: 1, exp: 2, qsh: 'x' }, 'another-secret-entirely');
    const request = { method: 'GET', url: `/oauth-callback?repoUuid=%7B1%7D&jwt=${stale}` };
    const canonical = referenceCanonical(request, ['jwt-hashed']);
    const token = signHs256(productClaims({ clientKey: CLIENT_KEY, qsh: qshOf(canonical), nowMs: NOW }), SECRET);
    const inspection = await inspectJwt(token, { ...base, request });
    expect(inspection.verdict).toBe('invalid');
    expect(qshMistakes(inspection)).toEqual(['QSH_JWT_PARAM_HASHED']);
    // The stale token is a credential too: shown redacted, in the URL and in the signer's string.
    const text = formatInspection(inspection, { color: false });
    expect(text).not.toContain(stale);
    expect(text).toContain('signer hashed  GET&/oauth-callback&jwt=eyJ');
  });

  it('QSH_CONTEXT_PATH_KEPT: the signer hashed the context path the app strips', async () => {
    const request = { method: 'GET', url: '/bitbucket/oauth-callback?repoUuid=%7B1%7D' };
    const canonical = referenceCanonical({ ...request, contextPath: '/bitbucket' }, ['context-path-kept']);
    const token = signHs256(productClaims({ clientKey: CLIENT_KEY, qsh: qshOf(canonical), nowMs: NOW }), SECRET);
    await expectMistake(token, request, 'QSH_CONTEXT_PATH_KEPT', 'GET&/bitbucket/oauth-callback&repoUuid=%7B1%7D', {
      appBaseUrl: `${APP_BASE_URL}/bitbucket`,
    });
  });

  it('QSH_CONTEXT_PATH_DROPPED: the signer took https://api.bitbucket.org/2.0 for its base URL', async () => {
    const request = { method: 'GET', url: `${API}/2.0/user` };
    const token = appToken({ ...request, contextPath: '/2.0' });
    const inspection = await expectMistake(token, request, 'QSH_CONTEXT_PATH_DROPPED', 'GET&/user&');
    expect(inspection.findings[0]?.message).toContain('"/2.0"');
  });

  it('QSH_ORIGIN_HASHED: the whole URL hashed, origin and all', async () => {
    const request = { method: 'GET', url: `${API}/2.0/user` };
    await expectMistake(appToken(request, ['origin-hashed']), request, 'QSH_ORIGIN_HASHED', `GET&${API}/2.0/user&`);
  });

  it('QSH_TRAILING_SLASH_KEPT: the trailing slash hashed', async () => {
    const request = { method: 'GET', url: `${API}/2.0/repositories/teams-in-space/` };
    await expectMistake(appToken(request, ['trailing-slash-kept']), request, 'QSH_TRAILING_SLASH_KEPT', 'GET&/2.0/repositories/teams-in-space/&');
  });

  it('QSH_WRONG_METHOD: atlassian-jwt asked for GET, the request is a POST', async () => {
    const url = `${API}/2.0/repositories/teams-in-space/demo/issues`;
    const qsh = createQueryStringHash(fromMethodAndUrl('GET', url), false);
    const token = encodeSymmetric(appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh, nowMs: NOW }), SECRET);
    const inspection = await expectMistake(token, { method: 'POST', url }, 'QSH_WRONG_METHOD', 'GET&/2.0/repositories/teams-in-space/demo/issues&');
    expect(inspection.findings[0]?.message).toContain('method GET; the request is POST');
  });

  it('QSH_METHOD_NOT_UPPER_CASE: the method hashed as sent, in lower case', async () => {
    const request = { method: 'DELETE', url: `${API}/2.0/repositories/teams-in-space/demo` };
    await expectMistake(appToken(request, ['method-lower-case']), request, 'QSH_METHOD_NOT_UPPER_CASE', 'delete&/2.0/repositories/teams-in-space/demo&');
  });

  it("QSH_BODY_FOLDED: atlassian-jwt's checkBodyForParams folded a form body into the query", async () => {
    const url = `${API}/2.0/repositories/teams-in-space/demo/issues`;
    const qsh = createQueryStringHash(fromMethodAndPathAndBody('post', url, { title: 'Broken build', kind: 'bug' }), true);
    const token = encodeSymmetric(appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh, nowMs: NOW }), SECRET);
    await expectMistake(token, { method: 'POST', url, body: 'title=Broken+build&kind=bug' }, 'QSH_BODY_FOLDED', 'POST&/2.0/repositories/teams-in-space/demo/issues&kind=bug&title=Broken%20build');
  });

  it('names two mistakes made together, and nothing else', async () => {
    const request = { method: 'GET', url: `${API}/2.0/repositories/teams-in-space?q=(a)&pagelen=50` };
    const inspection = await inspectJwt(appToken(request, ['query-not-sorted', 'encode-uri-component']), { ...base, request });
    expect(qshMistakes(inspection).sort()).toEqual(['QSH_ENCODE_URI_COMPONENT', 'QSH_QUERY_NOT_SORTED']);
    expect(inspection.qsh.explanation?.signer?.canonical).toBe('GET&/2.0/repositories/teams-in-space&q=(a)&pagelen=50');
  });

  it('says so when no known mistake reproduces the hash (a token for another request)', async () => {
    const token = appToken({ method: 'GET', url: `${API}/2.0/repositories/other-workspace` });
    const inspection = await inspectJwt(token, { ...base, request: { method: 'GET', url: `${API}/2.0/repositories/teams-in-space` } });
    expect(qshMistakes(inspection)).toEqual(['QSH_MISMATCH']);
    expect(inspection.qsh.explanation?.signer).toBeUndefined();
  });

  it("accepts the token endpoint's folded-body form as the mock does, and says it is unsettled", async () => {
    const url = 'https://bitbucket.org/site/oauth2/access_token';
    const qsh = createQueryStringHash(fromMethodAndPathAndBody('post', url, { grant_type: 'urn:bitbucket:oauth2:jwt' }), true);
    const token = encodeSymmetric(appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh, nowMs: NOW }), SECRET);
    const inspection = await inspectJwt(token, base);
    expect(inspection.request?.assumed, 'no request given: the token endpoint is assumed').toBeTruthy();
    expect(inspection.qsh.status).toBe('accepted');
    expect(codes(inspection)).toContain('QSH_TOKEN_ENDPOINT_FORM');
    expect(inspection.verdict).toBe('valid');
  });
});

describe('inspectJwt finds why a signature fails', () => {
  const request = { method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token' };
  const tokenFor = (key: string | Buffer, o: { signatureEncoding?: 'base64' } = {}) =>
    signHs256(appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh: qshOf(referenceCanonical(request)), nowMs: NOW }), key, o);

  it("SIGNATURE_OTHER_INSTALLATION: signed with another stored installation's secret, which is named by clientKey only", async () => {
    const mine = { ...makeInstallation('mine'), clientKey: CLIENT_KEY, key: APP_KEY, sharedSecret: SECRET };
    const other = makeInstallation('other');
    const inspection = await inspectJwt(tokenFor(other.sharedSecret), { ...base, secret: undefined, installations: createMemoryStore([mine, other]) });
    expect(inspection.signature.status).toBe('invalid');
    expect(inspection.signature.cause).toMatchObject({ code: 'SIGNATURE_OTHER_INSTALLATION', clientKey: other.clientKey });
    const text = formatInspection(inspection, { color: false });
    expect(text).toContain(other.clientKey);
    expect(text).not.toContain(other.sharedSecret);
    expect(text).not.toContain(SECRET);
  });

  it('SIGNATURE_SECRET_WHITESPACE: the signer read the secret with a trailing newline', async () => {
    const inspection = await inspectJwt(tokenFor(`${SECRET}\n`), { ...base, request });
    expect(inspection.signature.cause?.code).toBe('SIGNATURE_SECRET_WHITESPACE');
    expect(inspection.signature.cause?.message).toContain('trailing newline');
    expect(inspection.verdict).toBe('invalid');
  });

  it('SIGNATURE_SECRET_WHITESPACE: the secret given here has whitespace the signer\'s had not', async () => {
    const inspection = await inspectJwt(tokenFor(SECRET), { ...base, request, secret: { secret: ` ${SECRET}\n`, label: 'JWT_SECRET' } });
    expect(inspection.signature.cause?.code).toBe('SIGNATURE_SECRET_WHITESPACE');
    expect(inspection.signature.cause?.message).toContain('trimmed');
  });

  it.each([['base64'], ['base64url']] as const)('SIGNATURE_SECRET_BASE64_DECODED: the %s-decoded secret used as the key', async (encoding) => {
    const secret = 'c2hhcmVkLXNlY3JldC1mb3ItdGhlLWluc3BlY3Rvcj8-Pz8_';
    const inspection = await inspectJwt(tokenFor(Buffer.from(secret, encoding)), { ...base, request, secret: { secret, label: 'JWT_SECRET' } });
    expect(inspection.signature.cause?.code).toBe('SIGNATURE_SECRET_BASE64_DECODED');
  });

  it('SIGNATURE_BASE64_NOT_BASE64URL: the right MAC, written in base64 with padding', async () => {
    const token = tokenFor(SECRET, { signatureEncoding: 'base64' });
    expect(token).toMatch(/=$/);
    const inspection = await inspectJwt(token, { ...base, request });
    expect(inspection.signature.cause?.code).toBe('SIGNATURE_BASE64_NOT_BASE64URL');
    expect(inspection.verdict).toBe('invalid');
  });

  it('SIGNATURE_INVALID when no known cause reproduces it, naming the secret only redacted', async () => {
    const inspection = await inspectJwt(tokenFor('a-secret-nobody-here-knows-0000'), { ...base, request });
    expect(codes(inspection)).toContain('SIGNATURE_INVALID');
    expect(inspection.signature.secret?.redacted).toBe(`${SECRET.slice(0, 4)}…(${SECRET.length} chars)`);
    expect(JSON.stringify(inspection)).not.toContain(SECRET);
  });
});

describe('inspectJwt: direction, secret sources, times', () => {
  it("detects an app's token (sub, no aud) and Bitbucket's (aud = iss, no sub), explaining claims for each", async () => {
    const app = await inspectJwt(await signInstallationJwt({ appKey: APP_KEY, clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', now: () => NOW }), base);
    expect(app.direction.direction).toBe('app-to-bitbucket');
    expect(app.claims.find((c) => c.name === 'iss')?.meaning).toContain('app key');
    expect(app.verdict).toBe('valid');

    const product = await inspectJwt(await signProductJwt({ clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: '/installed', baseUrl: APP_BASE_URL, now: () => NOW }), base);
    expect(product.direction.direction).toBe('bitbucket-to-app');
    expect(product.claims.find((c) => c.name === 'iss')?.meaning).toContain('clientKey');
    expect(product.request?.assumed, "a lifecycle call's qsh is recognised without a request").toContain('POST /installed');
    expect(product.verdict).toBe('valid');
  });

  it('reports an unknown direction, and what is missing and extra for each direction', async () => {
    const neither = await inspectJwt(signHs256({ iss: 'x', iat: NOW / 1000, exp: NOW / 1000 + 60, qsh: qshOf('GET&/&') }, SECRET), base);
    expect(neither.direction.direction).toBe('unknown');
    expect(codes(neither)).toContain('DIRECTION_UNKNOWN');

    const appWithAud = await inspectJwt(signHs256({ ...appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh: 'a'.repeat(64), nowMs: NOW }), aud: 'x', jti: '1' }, SECRET), base);
    expect(appWithAud.claims.find((c) => c.name === 'aud')?.status).toBe('extra');
    expect(appWithAud.findings.filter((f) => f.code === 'CLAIM_EXTRA').map((f) => f.severity).sort()).toEqual(['info', 'warning']);

    const productWithoutQsh = await inspectJwt(signHs256({ iss: CLIENT_KEY, aud: CLIENT_KEY, iat: NOW / 1000, exp: NOW / 1000 + 3600 }, SECRET), base);
    expect(productWithoutQsh.claims.find((c) => c.name === 'qsh')?.status).toBe('missing');
    expect(productWithoutQsh.verdict).toBe('invalid');
  });

  it('takes the secret of the stored installation the token names (sub of an app token, iss of Bitbucket\'s)', async () => {
    const installation = { ...makeInstallation('stored'), clientKey: CLIENT_KEY, key: APP_KEY, sharedSecret: SECRET };
    const installations = createMemoryStore([installation]);
    const token = await signInstallationJwt({ appKey: APP_KEY, clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', now: () => NOW });
    const inspection = await inspectJwt(token, { ...base, secret: undefined, installations });
    expect(inspection.signature).toMatchObject({ status: 'valid', secret: { label: `the stored installation ${CLIENT_KEY}` } });

    const product = await signProductJwt({ clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'GET', url: '/page', baseUrl: APP_BASE_URL, now: () => NOW });
    const fromIss = await inspectJwt(product, { ...base, secret: undefined, installations, request: { url: '/page' } });
    expect(fromIss.signature.status).toBe('valid');
    expect(fromIss.verdict).toBe('valid');
  });

  it.each([
    ['pending', { state: 'pending' as const }, /pending: a first install the app has not yet proven.*ERR_INSTALLATION_PENDING/],
    ['uninstalled', { state: 'uninstalled' as const, principal: undefined, scopes: undefined, uninstalledAt: new Date(NOW).toISOString() }, /uninstalled \(a tombstone.*ERR_INSTALLATION_UNINSTALLED/],
  ])('says when the installation the token names is %s: its secret checks the signature, but the app serves nothing for it', async (_state, change, message) => {
    const installation = { ...makeInstallation('stored'), clientKey: CLIENT_KEY, key: APP_KEY, sharedSecret: SECRET, ...change };
    const token = await signInstallationJwt({ appKey: APP_KEY, clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', now: () => NOW });
    const inspection = await inspectJwt(token, { ...base, secret: undefined, installations: createMemoryStore([installation]) });
    expect(inspection.signature.status).toBe('valid');
    expect(inspection.findings.find((f) => f.code === 'INSTALLATION_NOT_ACTIVE')?.message).toMatch(message);
  });

  it('an explicit secret (JWT_SECRET) goes first; the stored one is still tried, and named, when it fails', async () => {
    const installation = { ...makeInstallation('stored'), clientKey: CLIENT_KEY, key: APP_KEY, sharedSecret: SECRET };
    const token = await signInstallationJwt({ appKey: APP_KEY, clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', now: () => NOW });
    const inspection = await inspectJwt(token, { ...base, secret: { secret: 'an-old-secret-from-before-a-reinstall', label: 'JWT_SECRET' }, installations: createMemoryStore([installation]) });
    expect(inspection.signature.status).toBe('invalid');
    expect(inspection.signature.cause).toMatchObject({ code: 'SIGNATURE_OTHER_INSTALLATION', clientKey: CLIENT_KEY });
  });

  it('without any secret says plainly that the signature was not checked, and does not call the token valid', async () => {
    const token = await signInstallationJwt({ appKey: APP_KEY, clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', now: () => NOW });
    const inspection = await inspectJwt(token, { ...base, secret: undefined, installations: createMemoryStore(), secretHint: 'Set JWT_SECRET.' });
    expect(inspection.signature.status).toBe('not-checked');
    expect(inspection.verdict).toBe('unverified');
    expect(inspection.findings.find((f) => f.code === 'SIGNATURE_NOT_CHECKED')?.message).toMatch(/NOT checked.*Set JWT_SECRET\./);
    expect(formatInspection(inspection, { color: false })).toContain('NOT VERIFIED');
  });

  it('shows times as dates and relative to now, and names an expired token, a future one and milliseconds', async () => {
    const iat = NOW / 1000 - 600;
    const expired = await inspectJwt(signHs256({ ...appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh: 'a'.repeat(64), nowMs: NOW - 600_000 }) }, SECRET), base);
    expect(expired.claims.find((c) => c.name === 'exp')?.moment).toMatchObject({ iso: new Date((iat + 180) * 1000).toISOString(), relative: '7 min ago' });
    expect(expired.findings.find((f) => f.code === 'TOKEN_EXPIRED')?.message).toContain('expired 7 min ago');

    const future = await inspectJwt(signHs256(appClaims({ appKey: APP_KEY, clientKey: CLIENT_KEY, qsh: 'a'.repeat(64), nowMs: NOW + 300_000 }), SECRET), base);
    expect(codes(future)).toContain('TOKEN_NOT_YET_VALID');

    const millis = await inspectJwt(signHs256({ iss: APP_KEY, sub: CLIENT_KEY, iat: NOW, exp: NOW + 180_000, qsh: 'a'.repeat(64) }, SECRET), base);
    expect(codes(millis)).toContain('CLAIM_MILLISECONDS');
  });

  it('reports a token that is not a JWT, without throwing', async () => {
    const inspection = await inspectJwt('not.a-jwt', base);
    expect(inspection.verdict).toBe('invalid');
    expect(codes(inspection)).toEqual(['TOKEN_MALFORMED']);
  });

  it('refuses an unparseable request URL with ERR_INSPECT_INPUT', async () => {
    const token = appToken({ method: 'GET', url: '/x' });
    await expect(inspectJwt(token, { ...base, request: { url: 'http://[' } })).rejects.toMatchObject({ code: 'ERR_INSPECT_INPUT', field: 'url' });
  });
});
