import { SymmetricAlgorithm, createQueryStringHash, decodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../errors.ts';
import { SignInputError } from './errors.ts';
import { queryStringHash } from './qsh.ts';
import { signInstallationJwt, signProductJwt } from './sign.ts';
import { decodeUnverified } from './verify.ts';

const NOW = 1_700_000_000_250; // epoch ms, deliberately not on a whole second
const now = () => NOW;
const SECRET = 'sëcret-shared-with-bitbucket-0123456789'; // non-ASCII: the key is its UTF-8 bytes
const CLIENT_KEY = 'ari:cloud:bitbucket::app/{8c1f7a52-0c6e-4a3b-9a53-1d1d5e3c7f10}/jwt-grant-tutorial';
const APP_KEY = 'jwt-grant-tutorial';
const TOKEN_ENDPOINT = 'https://bitbucket.org/site/oauth2/access_token';

const installation = { appKey: APP_KEY, clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: TOKEN_ENDPOINT, now };

/** Runs `fn` and returns the ERR_SIGN_INPUT it must throw. */
async function signInputError(fn: () => Promise<unknown>): Promise<SignInputError> {
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLabError(error, 'ERR_SIGN_INPUT')).toBe(true);
  return error as SignInputError;
}

describe('signInstallationJwt', () => {
  it('signs HS256 with iss = app key, sub = clientKey, iat = now in seconds, exp = iat + 180 and the qsh', async () => {
    const token = await signInstallationJwt(installation);
    const { header, claims } = decodeUnverified(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(claims).toEqual({
      iss: APP_KEY,
      sub: CLIENT_KEY,
      iat: 1_700_000_000,
      exp: 1_700_000_180,
      qsh: queryStringHash('POST', TOKEN_ENDPOINT),
    });
  });

  it('is accepted by Atlassian’s reference implementation, key and qsh alike', async () => {
    const token = await signInstallationJwt(installation);
    // decodeSymmetric throws unless the HMAC, keyed with the secret as a UTF-8 string, matches.
    const claims = decodeSymmetric(token, SECRET, SymmetricAlgorithm.HS256);
    expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('POST', '/site/oauth2/access_token'), false));
    expect(() => decodeSymmetric(token, `${SECRET}x`, SymmetricAlgorithm.HS256)).toThrow();
  });

  it('hashes relative to baseUrl when one is given', async () => {
    const token = await signInstallationJwt({ ...installation, url: '/ctx/rest/x?b=2&a=1', baseUrl: '/ctx', method: 'get' });
    expect(decodeUnverified(token).claims.qsh).toBe(queryStringHash('GET', '/rest/x?a=1&b=2'));
  });

  it('uses an explicit qsh as given, and leaves the claim out for null', async () => {
    const explicit = queryStringHash('POST', '/site/oauth2/access_token?grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
    expect(decodeUnverified(await signInstallationJwt({ ...installation, qsh: explicit })).claims.qsh).toBe(explicit);
    expect(decodeUnverified(await signInstallationJwt({ ...installation, qsh: null })).claims).not.toHaveProperty('qsh');
  });

  it('honours expiresIn, in seconds', async () => {
    const { claims } = decodeUnverified(await signInstallationJwt({ ...installation, expiresIn: 300 }));
    expect(claims.exp! - claims.iat!).toBe(300);
  });

  it('gives the same token for the same inputs and clock, and a new one a second later', async () => {
    expect(await signInstallationJwt(installation)).toBe(await signInstallationJwt(installation));
    expect(await signInstallationJwt({ ...installation, now: () => NOW + 1000 })).not.toBe(await signInstallationJwt(installation));
  });

  it.each([
    ['sharedSecret', { sharedSecret: '' }],
    ['sharedSecret', { sharedSecret: undefined }],
    ['clientKey', { clientKey: '' }],
    ['clientKey', { clientKey: '   ' }],
    ['appKey', { appKey: '' }],
    ['appKey', { appKey: 42 }],
    ['expiresIn', { expiresIn: 0 }],
    ['expiresIn', { expiresIn: -180 }],
    ['expiresIn', { expiresIn: 1.5 }],
    ['expiresIn', { expiresIn: Number.NaN }],
    ['expiresIn', { expiresIn: 180_000 }],
    ['now', { now: () => Number.NaN }],
    ['method', { method: '' }],
    ['method', { method: 'GET /x' }],
    ['url', { url: '' }],
    ['url', { url: 'https://exa mple.com/x' }],
    ['qsh', { qsh: '' }],
  ])('refuses a bad %s with ERR_SIGN_INPUT naming it', async (field, change) => {
    const error = await signInputError(() => signInstallationJwt({ ...installation, ...(change as object) }));
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(error.lesson).toBe(3);
  });

  it('points at milliseconds when expiresIn is far too large', async () => {
    const error = await signInputError(() => signInstallationJwt({ ...installation, expiresIn: 180_000 }));
    expect(error.message).toMatch(/seconds, not milliseconds/);
  });

  it('never puts the secret in an error', async () => {
    const error = await signInputError(() => signInstallationJwt({ ...installation, expiresIn: -1 }));
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('does not need method or url when the qsh is given or omitted', async () => {
    const token = await signInstallationJwt({ ...installation, method: '', url: '', qsh: null });
    expect(decodeUnverified(token).claims.sub).toBe(CLIENT_KEY);
  });
});

describe('signProductJwt', () => {
  it('signs like Bitbucket: iss = aud = clientKey, no sub, one hour, qsh of the app request', async () => {
    const token = await signProductJwt({ clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: '/installed', now });
    const { header, claims } = decodeUnverified(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(claims).toEqual({
      iss: CLIENT_KEY,
      aud: CLIENT_KEY,
      iat: 1_700_000_000,
      exp: 1_700_003_600,
      qsh: queryStringHash('POST', '/installed'),
    });
    expect(decodeSymmetric(token, SECRET, SymmetricAlgorithm.HS256).iss).toBe(CLIENT_KEY);
  });

  it('strips the app’s context path from the qsh', async () => {
    const token = await signProductJwt({
      clientKey: CLIENT_KEY,
      sharedSecret: SECRET,
      method: 'POST',
      url: 'https://app.example.com/ctx/installed',
      baseUrl: 'https://app.example.com/ctx',
      now,
    });
    expect(decodeUnverified(token).claims.qsh).toBe(queryStringHash('POST', '/installed'));
  });

  it('refuses an empty clientKey or secret', async () => {
    const base = { clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'POST', url: '/installed' };
    expect((await signInputError(() => signProductJwt({ ...base, clientKey: '' }))).field).toBe('clientKey');
    expect((await signInputError(() => signProductJwt({ ...base, sharedSecret: '' }))).field).toBe('sharedSecret');
  });
});
