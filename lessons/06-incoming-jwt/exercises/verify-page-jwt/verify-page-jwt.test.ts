import { createHmac } from 'node:crypto';
import { describe, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../../../mocks/fixtures/lifecycle.ts';
import { queryStringHash } from '../../../../src/jwt/qsh.ts';
import { createMemoryStore } from '../../../../src/store/memory.ts';
import { expectRefusal, expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { verifyRequest } from './verify-page-jwt.ts';

const APP_BASE_URL = 'https://abc123.ngrok.app';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const NOW_SECONDS = NOW / 1000;
/** Fixture secrets, not real ones. */
const SHARED_SECRET = 'practice-page-secret-0123456789-abcdefghijklmnop';
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SHARED_SECRET }), { now: () => NOW });
const store = createMemoryStore([installation]);
const PAGE = '/oauth-callback?repoUuid=%7B7a3c5e2f-9b1d-4c8e-a6f0-2d4b8e1c9f37%7D';
const OTHER_PAGE = '/oauth-callback?repoUuid=%7Bc41d8e0a-2f6b-4a97-9e3c-5b1f7d2a8e64%7D';

/**
 * A token as Bitbucket signs one for a page, with the parts a rule changes: written with
 * node:crypto here, so that a mistake in the lab's own signer cannot hide one in yours.
 */
function pageToken(o: { alg?: string; secret?: string; claims?: Record<string, unknown>; path?: string; baseUrl?: string } = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: installation.clientKey,
    aud: installation.clientKey,
    iat: NOW_SECONDS - 5,
    exp: NOW_SECONDS - 5 + 3600,
    qsh: queryStringHash('GET', `${o.baseUrl ?? APP_BASE_URL}${o.path ?? PAGE}`, o.baseUrl ?? APP_BASE_URL),
    ...o.claims,
  };
  const head = `${encode({ alg: o.alg ?? 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  const hash = o.alg === 'HS512' ? 'sha512' : 'sha256';
  return `${head}.${createHmac(hash, o.secret ?? SHARED_SECRET).update(head).digest('base64url')}`;
}

/** The iframe's request as the app receives it. */
function pageRequest(token: string, path = PAGE) {
  return { method: 'GET', url: `${path}&jwt=${token}`, headers: { accept: 'text/html' } };
}

const options = { store, appBaseUrl: APP_BASE_URL, now: () => NOW, leewaySeconds: 30 };
const verify = (token: string, path = PAGE, appBaseUrl = APP_BASE_URL) => () => verifyRequest(pageRequest(token, path), { ...options, appBaseUrl });

describe('verify-page-jwt', () => {
  it('1. only HS256 is accepted (ERR_JWT_ALG)', async () => {
    await expectRefusal(verify(pageToken({ alg: 'HS512' })), 'ERR_JWT_ALG', 'a token whose header says HS512');
    await expectRefusal(verify(pageToken({ alg: 'none' })), 'ERR_JWT_ALG', 'a token whose header says none');
  });

  it('2. the issuer is a stored installation (ERR_INSTALLATION_UNKNOWN)', async () => {
    const stranger = 'ari:cloud:bitbucket::app/{00000000-0000-4000-8000-000000000000}/jwt-grant-tutorial';
    await expectRefusal(verify(pageToken({ claims: { iss: stranger, aud: stranger } })), 'ERR_INSTALLATION_UNKNOWN', 'iss: a clientKey the store does not know');
  });

  it('3. aud, when present, is the issuer\'s clientKey (ERR_JWT_AUDIENCE)', async () => {
    await expectRefusal(verify(pageToken({ claims: { aud: 'another-app' } })), 'ERR_JWT_AUDIENCE', 'aud: "another-app"');
  });

  it('4. the signature is checked with the stored sharedSecret (ERR_JWT_SIGNATURE)', async () => {
    await expectRefusal(verify(pageToken({ secret: 'not-the-shared-secret-of-this-installation' })), 'ERR_JWT_SIGNATURE', 'signed with another secret');
    const [head = '', , signature = ''] = pageToken().split('.');
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(pageToken().split('.')[1]!, 'base64url').toString()), exp: NOW_SECONDS + 86_400 })).toString('base64url');
    await expectRefusal(verify(`${head}.${changed}.${signature}`), 'ERR_JWT_SIGNATURE', 'exp changed after signing, signature kept');
  });

  it('5. an expired token is refused, with 30 s of leeway (ERR_JWT_EXPIRED)', async () => {
    await expectRefusal(verify(pageToken({ claims: { iat: NOW_SECONDS - 3720, exp: NOW_SECONDS - 120 } })), 'ERR_JWT_EXPIRED', 'exp: 2 minutes ago');
    try {
      await verify(pageToken({ claims: { iat: NOW_SECONDS - 3610, exp: NOW_SECONDS - 10 } }))();
    } catch (error) {
      failRule('accepted: clocks drift, 10 s is inside the leeway', `refused: ${(error as Error).message.split('\n')[0]}`, 'exp: 10 s ago');
    }
  });

  it('6. a token from the future is refused (ERR_JWT_NOT_YET_VALID)', async () => {
    await expectRefusal(verify(pageToken({ claims: { iat: NOW_SECONDS + 300, exp: NOW_SECONDS + 3900 } })), 'ERR_JWT_NOT_YET_VALID', 'iat: 5 minutes from now');
  });

  it('7. a token that claims to live over an hour is refused (ERR_JWT_LIFETIME)', async () => {
    await expectRefusal(verify(pageToken({ claims: { iat: NOW_SECONDS - 5, exp: NOW_SECONDS - 5 + 86_400 } })), 'ERR_JWT_LIFETIME', 'exp - iat: a whole day');
    try {
      await verify(pageToken({ claims: { iat: NOW_SECONDS - 5, exp: NOW_SECONDS - 5 + 3600 + 20 } }))();
    } catch (error) {
      failRule('accepted: an hour, give or take the leeway, is how long Bitbucket\'s tokens live', `refused: ${(error as Error).message.split('\n')[0]}`, 'exp - iat: 3620 s');
    }
  });

  it('8. the qsh is there and is the hash of this request (ERR_QSH_MISSING, ERR_QSH_MISMATCH)', async () => {
    await expectRefusal(verify(pageToken({ claims: { qsh: undefined } })), 'ERR_QSH_MISSING', 'a token without qsh');
    await expectRefusal(verify(pageToken(), OTHER_PAGE), 'ERR_QSH_MISMATCH', 'a genuine token replayed on another repository\'s page');
  });

  it('9. a genuine page request is accepted, with its installation', async () => {
    let verified: Awaited<ReturnType<typeof verifyRequest>> | undefined;
    try {
      verified = await verify(pageToken())();
    } catch (error) {
      failRule('accepted', `refused: ${(error as Error).message.split('\n')[0]}`, 'a page request Bitbucket signed');
    }
    expectRule(verified?.installation.clientKey, installation.clientKey, 'verifyRequest(...).installation.clientKey');
    expectRule(verified?.claims.iss, installation.clientKey, 'verifyRequest(...).claims.iss');
    const base = `${APP_BASE_URL}/bitbucket`;
    try {
      await verifyRequest(pageRequest(pageToken({ baseUrl: base }), `/bitbucket${PAGE}`), { ...options, appBaseUrl: base });
    } catch (error) {
      failRule('accepted: the app strips its context path, as Bitbucket did', `refused: ${(error as Error).message.split('\n')[0]}`, `an app at ${base}`);
    }
  });
});
