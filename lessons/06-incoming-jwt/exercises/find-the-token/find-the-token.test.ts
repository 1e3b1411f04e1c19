import { describe, it } from 'vitest';
import { expectRefusal, expectRule } from '../../../runner/practice/expect-rule.ts';
import { extractJwt } from './find-the-token.ts';

/** Stand-ins for tokens: extractJwt only finds them, it does not read them. */
const PAGE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJwYWdlIn0.c2lnbmF0dXJl';
const LIFECYCLE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJsaWZlY3ljbGUifQ.c2lnbmF0dXJl';
const PAGE_URL = `/oauth-callback?repoUuid=%7B7a3c5e2f-9b1d-4c8e-a6f0-2d4b8e1c9f37%7D&jwt=${PAGE_TOKEN}`;

describe('find-the-token', () => {
  it('1. a page request carries the token in the jwt query parameter', () => {
    expectRule(extractJwt({ url: PAGE_URL, headers: { accept: 'text/html' } }), PAGE_TOKEN, 'extractJwt({ url: "/oauth-callback?repoUuid=...&jwt=<token>" })');
  });

  it('2. a lifecycle call carries it after Authorization: JWT', () => {
    const request = { url: '/installed', headers: { authorization: `JWT ${LIFECYCLE_TOKEN}` } };
    expectRule(extractJwt(request), LIFECYCLE_TOKEN, 'extractJwt({ url: "/installed", headers: { authorization: "JWT <token>" } })');
    expectRule(extractJwt({ url: '/installed', headers: new Headers({ Authorization: `JWT ${LIFECYCLE_TOKEN}` }) }), LIFECYCLE_TOKEN, 'the same, with a Headers object');
  });

  it('3. a token in both places is refused (ERR_JWT_AMBIGUOUS)', async () => {
    await expectRefusal(
      () => extractJwt({ url: PAGE_URL, headers: { authorization: `JWT ${LIFECYCLE_TOKEN}` } }),
      'ERR_JWT_AMBIGUOUS',
      'a jwt parameter and an Authorization: JWT header',
    );
  });

  it('4. a token given twice is refused (ERR_JWT_AMBIGUOUS)', async () => {
    await expectRefusal(() => extractJwt({ url: `${PAGE_URL}&jwt=${LIFECYCLE_TOKEN}`, headers: {} }), 'ERR_JWT_AMBIGUOUS', 'two jwt parameters');
    await expectRefusal(
      () => extractJwt({ url: '/installed', headers: { authorization: [`JWT ${PAGE_TOKEN}`, `JWT ${LIFECYCLE_TOKEN}`] } }),
      'ERR_JWT_AMBIGUOUS',
      'two Authorization headers',
    );
  });

  it('5. another scheme is refused (ERR_JWT_SCHEME), a proxy\'s Basic beside a jwt parameter ignored', async () => {
    await expectRefusal(() => extractJwt({ url: '/installed', headers: { authorization: `Bearer ${LIFECYCLE_TOKEN}` } }), 'ERR_JWT_SCHEME', 'Authorization: Bearer <token>');
    await expectRefusal(() => extractJwt({ url: '/installed', headers: { authorization: `jwt ${LIFECYCLE_TOKEN}` } }), 'ERR_JWT_SCHEME', 'Authorization: jwt <token> (lower case)');
    expectRule(extractJwt({ url: PAGE_URL, headers: { authorization: 'Basic dXNlcjpwYXNz' } }), PAGE_TOKEN, 'a jwt parameter and a proxy\'s Authorization: Basic');
  });

  it('6. no token, or an empty one, is ERR_JWT_MISSING', async () => {
    await expectRefusal(() => extractJwt({ url: '/installed', headers: {} }), 'ERR_JWT_MISSING', 'no token at all');
    await expectRefusal(() => extractJwt({ url: '/installed', headers: { authorization: 'JWT ' } }), 'ERR_JWT_MISSING', 'Authorization: "JWT " and nothing after');
    await expectRefusal(() => extractJwt({ url: '/oauth-callback?jwt=', headers: {} }), 'ERR_JWT_MISSING', 'an empty jwt parameter');
  });
});
