import { createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { verifyJwt } from '../../src/jwt/verify.ts';
import { queryStringHash } from '../../src/jwt/qsh.ts';
import { expandContextParameters, signedModuleUrl } from './module-url.ts';

const repository = { uuid: '{65fa11c2-8dfe-43d2-ac01-01c3c8ed00f1}', full_name: 'teamsinspace/launch-control', owner: { uuid: '{aa}' } };
const SECRET = 'module-url-test-secret-0123456789';
const CLIENT_KEY = 'ari:cloud:bitbucket::app/{ws}/demo';
const T0 = Date.UTC(2025, 0, 1);

describe('expandContextParameters', () => {
  it('fills in context parameters URL-encoded', () => {
    expect(expandContextParameters('/page?repoUuid={repository.uuid}&name={repository.full_name}', { repository }, ['repository'])).toBe(
      '/page?repoUuid=%7B65fa11c2-8dfe-43d2-ac01-01c3c8ed00f1%7D&name=teamsinspace%2Flaunch-control',
    );
    expect(expandContextParameters('/p?o={repository.owner.uuid}', { repository }, ['repository:write'])).toBe('/p?o=%7Baa%7D');
  });

  it('leaves a parameter empty without the scope it needs, as Bitbucket does', () => {
    expect(expandContextParameters('/page?repoUuid={repository.uuid}', { repository }, ['account'])).toBe('/page?repoUuid=');
  });

  it('leaves unknown parameters and non-text values empty, and reads own properties only', () => {
    const context = { repository, user: { uuid: '{u}' } };
    expect(expandContextParameters('/p?a={repository.nope}&b={repository.owner}&c={user.constructor}', context, ['repository', 'account'])).toBe('/p?a=&b=&c=');
    expect(expandContextParameters('/p?x={repository.__proto__}', context, ['repository'])).toBe('/p?x=');
  });

  it('leaves text that is not a parameter alone', () => {
    expect(expandContextParameters('/p?q={not a param}&r={}', { repository }, ['repository'])).toBe('/p?q={not a param}&r={}');
  });
});

describe('signedModuleUrl', () => {
  const options = {
    appBaseUrl: 'https://app.example/ctx',
    moduleUrl: '/oauth-callback?repoUuid={repository.uuid}',
    context: { repository },
    scopes: ['repository'],
    clientKey: CLIENT_KEY,
    sharedSecret: SECRET,
    now: () => T0,
  };

  it('appends a JWT signed as Bitbucket signs it, with the qsh of the URL without jwt', async () => {
    const url = await signedModuleUrl(options);
    const unsigned = 'https://app.example/ctx/oauth-callback?repoUuid=%7B65fa11c2-8dfe-43d2-ac01-01c3c8ed00f1%7D';
    expect(url.startsWith(`${unsigned}&jwt=`)).toBe(true);
    const jwt = new URL(url).searchParams.get('jwt') ?? '';
    const { claims } = await verifyJwt(jwt, { secret: SECRET, qsh: { accept: [queryStringHash('GET', url, options.appBaseUrl)] }, now: () => T0 });
    expect(claims).toMatchObject({ iss: CLIENT_KEY, aud: CLIENT_KEY, iat: T0 / 1000, exp: T0 / 1000 + 3600 });
    expect(claims.sub).toBeUndefined();
    // The context path is not part of the canonical URL: Atlassian's reference code agrees.
    expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('GET', unsigned), false, options.appBaseUrl));
  });

  it('starts the query with jwt when the module URL has none, and keeps a fragment last', async () => {
    const plain = await signedModuleUrl({ ...options, moduleUrl: '/page' });
    expect(plain).toMatch(/^https:\/\/app\.example\/ctx\/page\?jwt=eyJ/);
    const withFragment = await signedModuleUrl({ ...options, moduleUrl: '/page?a=1#top' });
    expect(withFragment).toMatch(/^https:\/\/app\.example\/ctx\/page\?a=1&jwt=eyJ[^#]+#top$/);
  });

  it('refuses to sign without a secret', async () => {
    await expect(signedModuleUrl({ ...options, sharedSecret: '' })).rejects.toMatchObject({ code: 'ERR_SIGN_INPUT' });
  });
});
