import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queryStringHash } from '../../src/jwt/qsh.ts';
import { signInstallationJwt } from '../../src/jwt/sign.ts';
import { verifyHs256Floor } from './hmac-floor.ts';

const SECRET = 'floor-test-secret-0123456789abcdef';
const URL_SIGNED = 'https://api.bitbucket.org/2.0/user';
const QSH = queryStringHash('GET', URL_SIGNED, 'https://api.bitbucket.org');
const T0 = Date.UTC(2026, 0, 15);
const now = () => T0;

const sign = (o: { secret?: string; url?: string; at?: number } = {}) =>
  signInstallationJwt({
    appKey: 'jwt-grant-tutorial',
    clientKey: 'ari:cloud:bitbucket::app/{x}/jwt-grant-tutorial',
    sharedSecret: o.secret ?? SECRET,
    method: 'GET',
    url: o.url ?? URL_SIGNED,
    baseUrl: 'https://api.bitbucket.org',
    now: () => o.at ?? T0,
  });

describe('verifyHs256Floor', () => {
  it('returns the claims of a token signed by src/jwt/sign.ts', async () => {
    expect(verifyHs256Floor(await sign(), { secret: SECRET, qsh: QSH, now })).toMatchObject({ iss: 'jwt-grant-tutorial', qsh: QSH });
  });

  it('refuses another secret, a changed signature, changed claims and wrong shapes', async () => {
    const token = await sign();
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const options = { secret: SECRET, qsh: QSH, now };
    expect(verifyHs256Floor(await sign({ secret: 'another-secret-0123456789abcdef' }), options)).toBeUndefined();
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.slice(-1)}`;
    expect(verifyHs256Floor(`${header}.${claims}.${flipped}`, options)).toBeUndefined();
    const forged = Buffer.from(JSON.stringify({ iss: 'x', qsh: QSH, exp: T0 / 1000 + 60 })).toString('base64url');
    expect(verifyHs256Floor(`${header}.${forged}.${signature}`, options)).toBeUndefined();
    expect(verifyHs256Floor(`${header}.${claims}`, options)).toBeUndefined();
    expect(verifyHs256Floor(`${token}.x`, options)).toBeUndefined();
  });

  it('refuses a qsh for another request and an expired token', async () => {
    expect(verifyHs256Floor(await sign({ url: `${URL_SIGNED}?x=1` }), { secret: SECRET, qsh: QSH, now })).toBeUndefined();
    expect(verifyHs256Floor(await sign({ at: T0 - 181_000 }), { secret: SECRET, qsh: QSH, now })).toBeUndefined();
  });

  it('refuses correctly signed claims that are not JSON', () => {
    const head = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const body = Buffer.from('not json').toString('base64url');
    const mac = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    expect(verifyHs256Floor(`${head}.${body}.${mac}`, { secret: SECRET, qsh: QSH, now })).toBeUndefined();
  });
});
