import { createHmac } from 'node:crypto';
import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { describe, it } from 'vitest';
import { expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { appClaims, base64urlJson, signAppJwt, type AppJwtInput } from './sign-jwt.ts';

const TOKEN_ENDPOINT = 'https://bitbucket.org/site/oauth2/access_token';
/** Half a second past a whole second: iat must round down. */
const NOW = Date.parse('2026-01-01T00:00:00.500Z');
const input: AppJwtInput = {
  appKey: 'jwt-grant-tutorial',
  clientKey: 'ari:cloud:bitbucket::app/{5b3c2f1e-8a4d-4e6f-9c7b-1a2d3e4f5a6b}/jwt-grant-tutorial',
  // Not a real secret: a fixture, with a non-ASCII character to check the key is UTF-8 bytes.
  sharedSecret: 'practice-shared-secret-0123456789-é',
  qsh: createQueryStringHash(fromMethodAndUrl('POST', TOKEN_ENDPOINT), false, 'https://bitbucket.org'),
  now: NOW,
};

/** The token's three parts; a failure says how many there were. */
function partsOf(token: string): [string, string, string] {
  const parts = token.split('.');
  if (parts.length !== 3) failRule('three parts joined by "."', `${parts.length} part(s)`, 'signAppJwt(input)');
  return parts as [string, string, string];
}

function decoded(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return `(not base64url JSON: ${part.slice(0, 30)})`;
  }
}

describe('sign-jwt', () => {
  it('1. base64url: - and _ instead of + and /, no = padding', () => {
    // Chosen so that plain base64 would have "+", "/" and "=".
    expectRule(base64urlJson({ q: '>>>?' }), 'eyJxIjoiPj4-PyJ9', "base64urlJson({ q: '>>>?' })");
    expectRule(base64urlJson({ alg: 'HS256', typ: 'JWT' }), 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', "base64urlJson({ alg: 'HS256', typ: 'JWT' })");
  });

  it('2. the header says HS256, a JWT', () => {
    const [header] = partsOf(signAppJwt(input));
    expectRule(decoded(header), { alg: 'HS256', typ: 'JWT' }, 'the first part of signAppJwt(input), decoded');
  });

  it('3. iss is the app key, sub the clientKey', () => {
    const claims = appClaims(input);
    expectRule({ iss: claims.iss, sub: claims.sub }, { iss: input.appKey, sub: input.clientKey }, 'appClaims(input): iss and sub');
  });

  it('4. iat is now, in whole Unix seconds', () => {
    expectRule(appClaims(input).iat, 1767225600, `appClaims({ ..., now: ${NOW} }).iat`);
  });

  it('5. exp is iat + 180 seconds', () => {
    expectRule(appClaims(input).exp, 1767225600 + 180, 'appClaims(input).exp');
  });

  it('6. the signature is HMAC-SHA256 of header.claims, keyed with the sharedSecret', () => {
    const [header, claims, signature] = partsOf(signAppJwt(input));
    const expected = createHmac('sha256', Buffer.from(input.sharedSecret, 'utf8')).update(`${header}.${claims}`).digest('base64url');
    expectRule(signature, expected, 'the third part of signAppJwt(input)');
  });

  it("7. Atlassian's atlassian-jwt accepts the token", () => {
    const token = signAppJwt(input);
    let claims: unknown;
    try {
      claims = decodeSymmetric(token, input.sharedSecret, SymmetricAlgorithm.HS256);
    } catch (error) {
      failRule('decodeSymmetric(token, sharedSecret, HS256) returns the claims', `it throws: ${(error as Error).message}`, 'atlassian-jwt 2.0.3');
    }
    expectRule(claims, { iss: input.appKey, sub: input.clientKey, iat: 1767225600, exp: 1767225780, qsh: input.qsh }, 'decodeSymmetric(signAppJwt(input), ...)');
  });
});
