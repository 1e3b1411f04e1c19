import { createHmac } from 'node:crypto';
import { SymmetricAlgorithm, encodeSymmetric } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../errors.ts';
import type { LabError } from '../errors.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import type {
  JwtAudienceError,
  JwtClaimError,
  JwtExpiredError,
  JwtLifetimeError,
  JwtNotYetValidError,
  JwtSchemeError,
  QshMismatchError,
} from './errors.ts';
import { canonicalRequest, queryStringHash } from './qsh.ts';
import { signInstallationJwt, signProductJwt } from './sign.ts';
import { decodeUnverified, extractJwt, verifyJwt, verifyRequest } from './verify.ts';
import type { VerifyJwtOptions } from './verify.ts';

const T = 1_700_000_000; // epoch seconds
const NOW = T * 1000;
const now = () => NOW;
const SECRET = 'sh4red-secret-of-this-installation-0123456789';
const OTHER_SECRET = 'another-installation-secret-9876543210';
const CLIENT_KEY = 'ari:cloud:bitbucket::app/{8c1f7a52-0c6e-4a3b-9a53-1d1d5e3c7f10}/jwt-grant-tutorial';
const APP_BASE_URL = 'https://app.example.com';

/** Builds a token by hand, whatever its header says: how an attacker (or a buggy client) would. */
function forge(
  claims: Record<string, unknown>,
  { header = { alg: 'HS256', typ: 'JWT' } as Record<string, unknown>, secret = SECRET, hash = 'sha256' } = {},
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

const goodClaims = (extra: Record<string, unknown> = {}) => ({
  iss: CLIENT_KEY,
  aud: CLIENT_KEY,
  iat: T - 10,
  exp: T + 3590,
  qsh: queryStringHash('POST', '/installed'),
  ...extra,
});

const skipQsh = { secret: SECRET, qsh: 'skip', now } satisfies VerifyJwtOptions;

/** The LabError `promise` rejects with, checked to carry `code`. */
async function rejection<E extends LabError = LabError>(promise: Promise<unknown>, code: string): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code });
  expect(isLabError(error, code)).toBe(true);
  return error as E;
}

function thrown<E extends LabError = LabError>(fn: () => unknown, code: string): E {
  try {
    fn();
  } catch (error) {
    expect(isLabError(error, code)).toBe(true);
    return error as E;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** An installation store that records the lookups made. */
function storeWith(...installations: Installation[]): InstallationStore & { lookups: string[] } {
  const rows = new Map(installations.map((i) => [i.clientKey, i]));
  const lookups: string[] = [];
  return {
    lookups,
    get: async (clientKey) => {
      lookups.push(clientKey);
      return rows.get(clientKey);
    },
    create: async (i) => {
      if (rows.has(i.clientKey)) return false;
      rows.set(i.clientKey, i);
      return true;
    },
    save: async (i) => void rows.set(i.clientKey, i),
    delete: async (clientKey) => rows.delete(clientKey),
    list: async () => [...rows.values()],
    close: async () => undefined,
  };
}

const installation: Installation = {
  clientKey: CLIENT_KEY,
  key: 'jwt-grant-tutorial',
  sharedSecret: SECRET,
  baseUrl: 'https://bitbucket.org',
  baseApiUrl: 'https://api.bitbucket.org',
  productType: 'bitbucket',
  principal: { type: 'team', uuid: '{8c1f7a52-0c6e-4a3b-9a53-1d1d5e3c7f10}', username: 'acme' },
  installedAt: '2023-11-14T22:00:00.000Z',
  updatedAt: '2023-11-14T22:00:00.000Z',
};

describe('extractJwt', () => {
  it('takes the token from Authorization: JWT, in a plain object (any name case) or Headers', () => {
    expect(extractJwt({ url: '/installed', headers: { authorization: 'JWT a.b.c' } })).toBe('a.b.c');
    expect(extractJwt({ url: '/installed', headers: { Authorization: ['JWT a.b.c'] } })).toBe('a.b.c');
    expect(extractJwt({ url: '/installed', headers: new Headers({ Authorization: 'JWT  a.b.c ' }) })).toBe('a.b.c');
  });

  it('takes the token from the jwt query parameter of a page module URL', () => {
    const url = '/oauth-callback?repoUuid=%7B1b2c%7D&jwt=a.b.c&xdm_e=x';
    expect(extractJwt({ url, headers: {} })).toBe('a.b.c');
    expect(extractJwt({ url: `https://app.example.com${url}#frag`, headers: {} })).toBe('a.b.c');
  });

  it('reads the query as the qsh does: in /p??jwt=x the parameter is named "?jwt"', () => {
    thrown(() => extractJwt({ url: '/p??jwt=a.b.c', headers: {} }), 'ERR_JWT_MISSING');
  });

  it('refuses a token in both places, even the same one', () => {
    const error = thrown(
      () => extractJwt({ url: '/page?jwt=a.b.c', headers: { authorization: 'JWT a.b.c' } }),
      'ERR_JWT_AMBIGUOUS',
    );
    expect(error.message).toMatch(/Authorization header.*jwt query parameter/);
  });

  it('refuses two jwt parameters or two Authorization headers', () => {
    thrown(() => extractJwt({ url: '/page?jwt=a.b.c&jwt=d.e.f', headers: {} }), 'ERR_JWT_AMBIGUOUS');
    thrown(() => extractJwt({ url: '/x', headers: { authorization: ['JWT a.b.c', 'JWT d.e.f'] } }), 'ERR_JWT_AMBIGUOUS');
  });

  it('says what is missing', () => {
    expect(thrown(() => extractJwt({ url: '/installed?jwtx=1', headers: {} }), 'ERR_JWT_MISSING').lesson).toBe(6);
    thrown(() => extractJwt({ url: '/installed', headers: { authorization: '' } }), 'ERR_JWT_MISSING');
    expect(thrown(() => extractJwt({ url: '/x', headers: { authorization: 'JWT ' } }), 'ERR_JWT_MISSING').message).toMatch(
      /no token follows/,
    );
    expect(thrown(() => extractJwt({ url: '/x?jwt=', headers: {} }), 'ERR_JWT_MISSING').message).toMatch(/empty/);
  });

  it.each([['Bearer'], ['Basic'], ['jwt'], ['Jwt']])('refuses the %s scheme, saying the scheme is "JWT"', (scheme) => {
    const credentials = 'dXNlcjpzM2NyM3QtcGFzc3dvcmQ=';
    const error = thrown<JwtSchemeError>(
      () => extractJwt({ url: '/x', headers: { authorization: `${scheme} ${credentials}` } }),
      'ERR_JWT_SCHEME',
    );
    expect(error.scheme).toBe(scheme);
    expect(error.message).toContain('"JWT"');
    expect(error.message).not.toContain(credentials);
  });

  it('calls the scheme case-sensitive when it is jwt in the wrong case', () => {
    expect(thrown(() => extractJwt({ url: '/x', headers: { authorization: 'jwt a.b.c' } }), 'ERR_JWT_SCHEME').message).toMatch(
      /case-sensitive/,
    );
  });

  it('ignores a proxy’s non-JWT credentials when the query carries the token, but not a mis-cased JWT', () => {
    expect(extractJwt({ url: '/page?jwt=a.b.c', headers: { authorization: 'Basic dXNlcjpwdw==' } })).toBe('a.b.c');
    thrown(() => extractJwt({ url: '/page?jwt=a.b.c', headers: { authorization: 'jwt d.e.f' } }), 'ERR_JWT_SCHEME');
  });
});

describe('decodeUnverified', () => {
  it('returns header and claims without checking the signature', () => {
    const token = forge(goodClaims(), { secret: 'not-the-secret' });
    expect(decodeUnverified(token)).toEqual({ header: { alg: 'HS256', typ: 'JWT' }, claims: goodClaims() });
  });

  it.each([
    ['one part', 'garbage', /1 dot-separated part,/],
    ['two parts', 'eyJhbGciOiJIUzI1NiJ9.e30', /2 dot-separated parts/],
    ['five parts (a JWE)', 'a.b.c.d.e', /encrypted JWE/],
    ['a padded part', 'eyJhbGciOiJIUzI1NiJ9.e30=.c2ln', /base64url/],
    ['an empty header', '.e30.c2ln', /header part is empty/],
    ['JSON that is no object', `${Buffer.from('[1]').toString('base64url')}.e30.c2ln`, /header part is not a JSON object/],
    ['claims that are not JSON', `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{nope').toString('base64url')}.c2ln`, /not base64url-encoded UTF-8 JSON/],
    ['a header without alg', `${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.c2ln`, /no "alg"/],
    ['a signature with spaces', 'eyJhbGciOiJIUzI1NiJ9.e30.c2 ln', /signature part/],
  ])('calls %s ERR_JWT_MALFORMED', (_, token, reason) => {
    expect(thrown(() => decodeUnverified(token), 'ERR_JWT_MALFORMED').message).toMatch(reason);
  });

  it('refuses a non-string', () => {
    thrown(() => decodeUnverified(undefined as unknown as string), 'ERR_JWT_MALFORMED');
  });

  it('refuses an oversized token before looking at it', () => {
    // Not even base64url: decoding would have said MALFORMED.
    const error = thrown(() => decodeUnverified('!'.repeat(8193)), 'ERR_JWT_TOO_LARGE');
    expect(error).toMatchObject({ length: 8193, limit: 8192 });
    thrown(() => decodeUnverified(forge(goodClaims()), { maxTokenLength: 100 }), 'ERR_JWT_TOO_LARGE');
  });
});

describe('verifyJwt', () => {
  it('returns the header and claims of a good token', async () => {
    const token = forge(goodClaims());
    const verified = await verifyJwt(token, { ...skipQsh, qsh: { accept: [queryStringHash('POST', '/installed')] } });
    expect(verified).toEqual({ token, header: { alg: 'HS256', typ: 'JWT' }, claims: goodClaims() });
  });

  it('round-trips what signInstallationJwt signs', async () => {
    const url = 'https://api.bitbucket.org/2.0/repositories/%7Bws%7D?pagelen=100';
    const token = await signInstallationJwt({
      appKey: 'jwt-grant-tutorial',
      clientKey: CLIENT_KEY,
      sharedSecret: SECRET,
      method: 'GET',
      url,
      now,
    });
    const { claims } = await verifyJwt(token, {
      secret: SECRET,
      now,
      issuer: 'jwt-grant-tutorial',
      subject: CLIENT_KEY,
      qsh: { accept: [queryStringHash('GET', '/2.0/repositories/%7Bws%7D?pagelen=100')] },
    });
    expect(claims).toMatchObject({ iss: 'jwt-grant-tutorial', sub: CLIENT_KEY, iat: T, exp: T + 180 });
  });

  it('accepts what Atlassian’s reference implementation signs', async () => {
    const token = encodeSymmetric(goodClaims(), SECRET, SymmetricAlgorithm.HS256);
    expect((await verifyJwt(token, skipQsh)).claims.iss).toBe(CLIENT_KEY);
  });

  it('asks a secret function, with the unverified claims and header, for the key', async () => {
    const seen: unknown[] = [];
    const token = forge(goodClaims());
    await verifyJwt(token, {
      ...skipQsh,
      secret: async (claims, header) => {
        seen.push(claims.iss, header.alg);
        return SECRET;
      },
    });
    expect(seen).toEqual([CLIENT_KEY, 'HS256']);
  });

  it('calls an unknown issuer ERR_INSTALLATION_UNKNOWN when the secret function has nothing', async () => {
    const error = await rejection(verifyJwt(forge(goodClaims()), { ...skipQsh, secret: () => undefined }), 'ERR_INSTALLATION_UNKNOWN');
    expect(error).toMatchObject({ clientKey: CLIENT_KEY, lesson: 2 });
    // For an app JWT the clientKey is `sub`, not `iss` (the app key).
    const appJwt = forge({ iss: 'jwt-grant-tutorial', sub: CLIENT_KEY, iat: T, exp: T + 180 });
    expect(await rejection(verifyJwt(appJwt, { ...skipQsh, secret: () => '' }), 'ERR_INSTALLATION_UNKNOWN')).toMatchObject({
      clientKey: CLIENT_KEY,
    });
  });

  it('refuses a token signed with another secret, or altered after signing', async () => {
    await rejection(verifyJwt(forge(goodClaims(), { secret: OTHER_SECRET }), skipQsh), 'ERR_JWT_SIGNATURE');
    const [header, , signature] = forge(goodClaims()).split('.');
    const altered = Buffer.from(JSON.stringify(goodClaims({ exp: T + 999_999 }))).toString('base64url');
    await rejection(verifyJwt(`${header}.${altered}.${signature}`, skipQsh), 'ERR_JWT_SIGNATURE');
  });

  describe('refuses every algorithm but HS256, before choosing a secret', () => {
    const lookups: string[] = [];
    const options: VerifyJwtOptions = {
      ...skipQsh,
      secret: (claims) => {
        lookups.push(claims.iss);
        return SECRET;
      },
    };

    it.each([
      ['none, unsigned', forge(goodClaims(), { header: { alg: 'none' } }).replace(/[^.]+$/, '')],
      ['RS256 in the header, HMAC-signed with the secret', forge(goodClaims(), { header: { alg: 'RS256', typ: 'JWT' } })],
      ['HS512, signed with the right secret', forge(goodClaims(), { header: { alg: 'HS512', typ: 'JWT' }, hash: 'sha512' })],
      ['hs256 in lower case', forge(goodClaims(), { header: { alg: 'hs256' } })],
    ])('%s', async (_, token) => {
      const error = await rejection(verifyJwt(token, options), 'ERR_JWT_ALG');
      expect(error.message).toContain('"HS256"');
      expect(lookups).toEqual([]);
    });
  });

  it('refuses an oversized token before decoding it', async () => {
    const error = await rejection(verifyJwt(forge(goodClaims({ pad: 'x'.repeat(9000) })), skipQsh), 'ERR_JWT_TOO_LARGE');
    expect(error.message).toMatch(/refused before decoding/);
    await rejection(verifyJwt(forge(goodClaims()), { ...skipQsh, maxTokenLength: 64 }), 'ERR_JWT_TOO_LARGE');
  });

  it('calls a garbled token ERR_JWT_MALFORMED', async () => {
    await rejection(verifyJwt('not-a-jwt', skipQsh), 'ERR_JWT_MALFORMED');
  });

  it('refuses a critical header extension it does not know (jose’s refusal, in our terms)', async () => {
    const token = forge(goodClaims(), { header: { alg: 'HS256', crit: ['exp-ext'], 'exp-ext': true } });
    const error = await rejection(verifyJwt(token, skipQsh), 'ERR_JWT_MALFORMED');
    expect(error.message).toContain('exp-ext');
  });

  describe('time, with leeway', () => {
    const at = (ms: number) => ({ ...skipQsh, now: () => ms });
    const token = forge(goodClaims({ iat: T - 180, exp: T }));

    it('accepts a token up to exp + leeway, and not at that second', async () => {
      await expect(verifyJwt(token, at((T + 29) * 1000 + 999))).resolves.toBeDefined();
      const error = await rejection<JwtExpiredError>(verifyJwt(token, at((T + 30) * 1000)), 'ERR_JWT_EXPIRED');
      expect(error.expiredAt).toEqual(new Date(T * 1000));
      expect(error.leewaySeconds).toBe(30);
      expect(error.message).toContain(new Date(T * 1000).toISOString());
    });

    it('with no leeway, expires at exp exactly', async () => {
      await expect(verifyJwt(token, { ...at(T * 1000 - 1), leewaySeconds: 0 })).resolves.toBeDefined();
      await rejection(verifyJwt(token, { ...at(T * 1000), leewaySeconds: 0 }), 'ERR_JWT_EXPIRED');
    });

    it('accepts an iat up to leeway in the future, and refuses it beyond', async () => {
      await expect(verifyJwt(forge(goodClaims({ iat: T + 30 })), skipQsh)).resolves.toBeDefined();
      const error = await rejection<JwtNotYetValidError>(
        verifyJwt(forge(goodClaims({ iat: T + 31 })), skipQsh),
        'ERR_JWT_NOT_YET_VALID',
      );
      expect(error).toMatchObject({ claim: 'iat', validFrom: new Date((T + 31) * 1000) });
    });

    it('refuses an nbf beyond the leeway', async () => {
      const error = await rejection<JwtNotYetValidError>(
        verifyJwt(forge(goodClaims({ nbf: T + 120 })), { ...skipQsh, leewaySeconds: 60 }),
        'ERR_JWT_NOT_YET_VALID',
      );
      expect(error.claim).toBe('nbf');
    });

    it('accepts a lifetime (exp - iat) up to one hour plus the leeway, and refuses one second more', async () => {
      // Bitbucket's own tokens live exactly 3600 s.
      await expect(verifyJwt(forge(goodClaims({ iat: T - 10, exp: T - 10 + 3600 })), skipQsh)).resolves.toBeDefined();
      await expect(verifyJwt(forge(goodClaims({ iat: T - 10, exp: T - 10 + 3630 })), skipQsh)).resolves.toBeDefined();
      const error = await rejection<JwtLifetimeError>(verifyJwt(forge(goodClaims({ iat: T - 10, exp: T - 10 + 3631 })), skipQsh), 'ERR_JWT_LIFETIME');
      expect(error).toMatchObject({ lifetimeSeconds: 3631, maxSeconds: 3630, lesson: 6 });
      expect(error.message).toMatch(/claims to live 3631 s.*more than the 3630 s/);
    });

    it('refuses a token valid for a year, even correctly signed and current', async () => {
      const error = await rejection<JwtLifetimeError>(verifyJwt(forge(goodClaims({ exp: T + 365 * 86400 })), skipQsh), 'ERR_JWT_LIFETIME');
      expect(error.message).toMatch(/milliseconds/);
    });

    it('takes the bound as an option (leeway on top), Infinity to turn it off', async () => {
      const token = forge(goodClaims({ iat: T - 10, exp: T - 10 + 240 }));
      await expect(verifyJwt(token, { ...skipQsh, maxLifetimeSeconds: 210 })).resolves.toBeDefined();
      await rejection(verifyJwt(token, { ...skipQsh, maxLifetimeSeconds: 209 }), 'ERR_JWT_LIFETIME');
      await rejection(verifyJwt(token, { ...skipQsh, maxLifetimeSeconds: 180, leewaySeconds: 0 }), 'ERR_JWT_LIFETIME');
      await expect(verifyJwt(forge(goodClaims({ exp: T + 1e9 })), { ...skipQsh, maxLifetimeSeconds: Number.POSITIVE_INFINITY })).resolves.toBeDefined();
      for (const bad of [0, -1, Number.NaN]) {
        await expect(verifyJwt(token, { ...skipQsh, maxLifetimeSeconds: bad })).rejects.toThrow(RangeError);
      }
    });

    it('checks the signature before the lifetime: a forged long-lived token is a signature failure', async () => {
      await rejection(verifyJwt(forge(goodClaims({ exp: T + 86400 }), { secret: OTHER_SECRET }), skipQsh), 'ERR_JWT_SIGNATURE');
    });

    it('catches iat in milliseconds as not yet valid', async () => {
      const error = await rejection(verifyJwt(forge(goodClaims({ iat: NOW })), skipQsh), 'ERR_JWT_NOT_YET_VALID');
      expect(error.message).toMatch(/milliseconds/);
    });
  });

  it.each([
    ['exp', { exp: undefined }, /"exp" claim is missing/],
    ['iat', { iat: undefined }, /"iat" claim is missing/],
    ['iss', { iss: undefined }, /"iss" claim is missing/],
    ['iss', { iss: '' }, /non-empty string/],
    ['exp', { exp: String(T + 60) }, /Unix seconds/],
    ['iat', { iat: null }, /Unix seconds/],
    ['aud', { aud: [CLIENT_KEY, 7] }, /string or an array of strings/],
    ['qsh', { qsh: 42 }, /must be a string/],
    ['sub', { sub: {} }, /must be a string/],
  ])('requires a well-typed %s (ERR_JWT_CLAIM)', async (claim, change, message) => {
    const error = await rejection<JwtClaimError>(verifyJwt(forge(goodClaims(change)), skipQsh), 'ERR_JWT_CLAIM');
    expect(error.claim).toBe(claim);
    expect(error.message).toMatch(message);
  });

  it('checks issuer and subject when given', async () => {
    const error = await rejection(verifyJwt(forge(goodClaims()), { ...skipQsh, issuer: 'someone-else' }), 'ERR_JWT_ISSUER');
    expect(error).toMatchObject({ expected: 'someone-else', received: CLIENT_KEY });
    expect(
      await rejection<JwtClaimError>(verifyJwt(forge(goodClaims()), { ...skipQsh, subject: CLIENT_KEY }), 'ERR_JWT_CLAIM'),
    ).toMatchObject({ claim: 'sub' });
  });

  describe('audience', () => {
    it.each([
      ['a string', CLIENT_KEY],
      ['a one-element array', [CLIENT_KEY]],
      ['absent', undefined],
    ])('accepts aud as %s', async (_, aud) => {
      await expect(verifyJwt(forge(goodClaims({ aud })), { ...skipQsh, audience: CLIENT_KEY })).resolves.toBeDefined();
    });

    it.each([
      ['another key', 'ari:cloud:bitbucket::app/{other}/jwt-grant-tutorial'],
      ['an array with another key too', [CLIENT_KEY, 'someone-else']],
      ['an empty array', []],
    ])('refuses aud as %s', async (_, aud) => {
      const error = await rejection<JwtAudienceError>(
        verifyJwt(forge(goodClaims({ aud })), { ...skipQsh, audience: CLIENT_KEY }),
        'ERR_JWT_AUDIENCE',
      );
      expect(error.received).toEqual(aud);
    });
  });

  describe('qsh', () => {
    const hash = queryStringHash('POST', '/installed');

    it('passes anything when skipped explicitly, and insists on the option otherwise', async () => {
      await expect(verifyJwt(forge(goodClaims({ qsh: 'whatever' })), skipQsh)).resolves.toBeDefined();
      await expect(verifyJwt(forge(goodClaims()), { secret: SECRET, now } as unknown as VerifyJwtOptions)).rejects.toThrow(
        TypeError,
      );
    });

    it('refuses a token without qsh unless it is optional', async () => {
      const token = forge(goodClaims({ qsh: undefined }));
      const error = await rejection(
        verifyJwt(token, { ...skipQsh, qsh: { accept: [hash], canonical: 'POST&/installed&' } }),
        'ERR_QSH_MISSING',
      );
      expect(error.message).toContain('POST&/installed&');
      await expect(verifyJwt(token, { ...skipQsh, qsh: { accept: [hash], optional: true } })).resolves.toBeDefined();
    });

    it('accepts any of several forms (the token endpoint’s unsettled qsh)', async () => {
      const forms = [
        queryStringHash('POST', '/site/oauth2/access_token'),
        queryStringHash('POST', '/site/oauth2/access_token?grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt'),
      ];
      for (const qsh of forms) {
        await expect(verifyJwt(forge(goodClaims({ qsh })), { ...skipQsh, qsh: { accept: forms, optional: true } })).resolves.toBeDefined();
      }
    });

    it('names expected, received and the canonical request on a mismatch', async () => {
      const received = queryStringHash('GET', '/installed');
      const error = await rejection<QshMismatchError>(
        verifyJwt(forge(goodClaims({ qsh: received })), { ...skipQsh, qsh: { accept: [hash], canonical: 'POST&/installed&' } }),
        'ERR_QSH_MISMATCH',
      );
      expect(error).toMatchObject({ expected: [hash], received, canonical: 'POST&/installed&', lesson: 6 });
      expect(error.message).toContain('"POST&/installed&"');
      expect(error.message).toMatch(/base URL.*context path.*proxy.*query/s);
    });
  });

  it('refuses nonsensical options', async () => {
    const token = forge(goodClaims());
    await expect(verifyJwt(token, { ...skipQsh, leewaySeconds: -1 })).rejects.toThrow(RangeError);
    await expect(verifyJwt(token, { ...skipQsh, maxTokenLength: 0 })).rejects.toThrow(RangeError);
    await expect(verifyJwt(token, { ...skipQsh, now: () => Number.NaN })).rejects.toThrow(RangeError);
  });

  it('never shows the secret or the whole token in an error', async () => {
    const cases: Array<[string, Partial<VerifyJwtOptions>]> = [
      [forge(goodClaims(), { secret: OTHER_SECRET }), {}],
      [forge(goodClaims({ exp: T - 3600 })), {}],
      [forge(goodClaims({ iat: T + 3600 })), {}],
      [forge(goodClaims({ exp: undefined })), {}],
      [forge(goodClaims()), { issuer: 'x' }],
      [forge(goodClaims()), { audience: 'x' }],
      [forge(goodClaims()), { qsh: { accept: ['x'] } }],
      [forge(goodClaims({ qsh: undefined })), { qsh: { accept: ['x'] } }],
      [forge(goodClaims(), { header: { alg: 'HS512' }, hash: 'sha512' }), {}],
      [forge(goodClaims()), { secret: () => undefined }],
      [forge(goodClaims()), { maxTokenLength: 10 }],
    ];
    for (const [token, change] of cases) {
      const promise = verifyJwt(token, { ...skipQsh, ...change });
      const error = (await promise.then(
        () => undefined,
        (e: unknown) => e,
      )) as LabError;
      expect(isLabError(error)).toBe(true);
      const shown = `${error.message} ${JSON.stringify(error)}`;
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain(OTHER_SECRET);
      expect(shown).not.toContain(token);
      expect(shown).not.toContain(token.split('.')[2]);
    }
  });
});

describe('verifyRequest', () => {
  const installedRequest = async (options: { url?: string; sign?: Partial<Parameters<typeof signProductJwt>[0]> } = {}) => ({
    method: 'POST',
    url: options.url ?? '/installed',
    headers: {
      authorization: `JWT ${await signProductJwt({
        clientKey: CLIENT_KEY,
        sharedSecret: SECRET,
        method: 'POST',
        url: options.url ?? '/installed',
        now,
        ...options.sign,
      })}`,
    },
  });

  it('verifies a lifecycle call against the stored installation', async () => {
    const store = storeWith(installation);
    const request = await installedRequest();
    const result = await verifyRequest(request, { store, appBaseUrl: APP_BASE_URL, now });
    expect(result.installation).toEqual(installation);
    expect(result.claims).toMatchObject({ iss: CLIENT_KEY, aud: CLIENT_KEY, qsh: queryStringHash('POST', '/installed') });
    expect(result.token).toBe(request.headers.authorization.slice(4));
    expect(store.lookups).toEqual([CLIENT_KEY]);
  });

  it('accepts Headers and an aud array', async () => {
    const token = forge(goodClaims({ aud: [CLIENT_KEY] }));
    const request = { method: 'POST', url: '/installed', headers: new Headers({ Authorization: `JWT ${token}` }) };
    await expect(verifyRequest(request, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now })).resolves.toMatchObject({
      token,
    });
  });

  it('strips the app’s context path, as Bitbucket does when it signs', async () => {
    const request = await installedRequest({
      url: '/ctx/installed',
      sign: { url: 'https://app.example.com/ctx/installed', baseUrl: 'https://app.example.com/ctx' },
    });
    const options = { store: storeWith(installation), appBaseUrl: 'https://app.example.com/ctx', now };
    await expect(verifyRequest(request, options)).resolves.toMatchObject({ installation });
  });

  it('explains a context path the signer did not strip', async () => {
    const request = await installedRequest({ url: '/ctx/installed' });
    const error = await rejection<QshMismatchError>(
      verifyRequest(request, { store: storeWith(installation), appBaseUrl: 'https://app.example.com/ctx', now }),
      'ERR_QSH_MISMATCH',
    );
    expect(error.canonical).toBe('POST&/installed&');
    expect(error.received).toBe(queryStringHash('POST', '/ctx/installed'));
    expect(error.message).toMatch(/context path/);
  });

  it('verifies a page module URL whose qsh covers everything but jwt', async () => {
    const page = '/oauth-callback?repoUuid=%7B1b2c3d%7D';
    const token = await signProductJwt({ clientKey: CLIENT_KEY, sharedSecret: SECRET, method: 'GET', url: page, now });
    const request = { method: 'GET', url: `${page}&jwt=${token}`, headers: {} };
    await expect(verifyRequest(request, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now })).resolves.toMatchObject({
      token,
    });

    const elsewhere = { ...request, url: `/oauth-callback?repoUuid=%7Bother%7D&jwt=${token}` };
    const error = await rejection<QshMismatchError>(
      verifyRequest(elsewhere, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now }),
      'ERR_QSH_MISMATCH',
    );
    expect(error.canonical).toBe(canonicalRequest('GET', '/oauth-callback?repoUuid=%7Bother%7D'));
  });

  it('binds the method: a POST token does not pass on GET', async () => {
    const request = { ...(await installedRequest()), method: 'GET' };
    await rejection(verifyRequest(request, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now }), 'ERR_QSH_MISMATCH');
  });

  it('refuses a token whose issuer is not installed, even signed with a real secret, and says to (re)install', async () => {
    const stranger = 'ari:cloud:bitbucket::app/{00000000-0000-0000-0000-000000000000}/jwt-grant-tutorial';
    const request = await installedRequest({ sign: { clientKey: stranger } });
    const error = await rejection(
      verifyRequest(request, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now }),
      'ERR_INSTALLATION_UNKNOWN',
    );
    expect(error).toMatchObject({ clientKey: stranger, lesson: 2 });
    expect(error.message).toMatch(/\(re\)install/);
  });

  it('refuses a token signed with another secret', async () => {
    const request = await installedRequest({ sign: { sharedSecret: OTHER_SECRET } });
    await rejection(verifyRequest(request, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now }), 'ERR_JWT_SIGNATURE');
  });

  it('refuses an aud other than iss, even correctly signed', async () => {
    const token = forge(goodClaims({ aud: 'ari:cloud:bitbucket::app/{other}/jwt-grant-tutorial' }));
    const request = { method: 'POST', url: '/installed', headers: { authorization: `JWT ${token}` } };
    await rejection(verifyRequest(request, { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now }), 'ERR_JWT_AUDIENCE');
  });

  it('applies the clock and leeway it is given', async () => {
    const request = await installedRequest();
    const options = { store: storeWith(installation), appBaseUrl: APP_BASE_URL };
    await rejection(verifyRequest(request, { ...options, now: () => NOW + 3631_000 }), 'ERR_JWT_EXPIRED');
    await expect(verifyRequest(request, { ...options, now: () => NOW + 3631_000, leewaySeconds: 60 })).resolves.toBeDefined();
  });

  it('refuses alg confusion and oversized tokens without touching the store', async () => {
    const store = storeWith(installation);
    const options = { store, appBaseUrl: APP_BASE_URL, now, maxTokenLength: 2048 };
    const none = forge(goodClaims(), { header: { alg: 'none' } }).replace(/[^.]+$/, '');
    await rejection(verifyRequest({ method: 'POST', url: '/installed', headers: { authorization: `JWT ${none}` } }, options), 'ERR_JWT_ALG');
    const huge = forge(goodClaims({ pad: 'x'.repeat(2048) }));
    await rejection(verifyRequest({ method: 'POST', url: '/installed', headers: { authorization: `JWT ${huge}` } }, options), 'ERR_JWT_TOO_LARGE');
    expect(store.lookups).toEqual([]);
  });

  it('passes the extraction errors through', async () => {
    const options = { store: storeWith(installation), appBaseUrl: APP_BASE_URL, now };
    await expect(verifyRequest({ method: 'POST', url: '/installed', headers: {} }, options)).rejects.toMatchObject({
      code: 'ERR_JWT_MISSING',
    });
  });
});
