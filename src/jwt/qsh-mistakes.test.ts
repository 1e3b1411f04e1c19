import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRequest, queryStringHash } from './qsh.ts';
import { explainQsh, QSH_MISTAKE_CODES, signerCanonicalRequest } from './qsh-mistakes.ts';

/**
 * The mistake finder builds wrong canonical requests from a signer's habits. With every habit
 * right it must give what src/jwt/qsh.ts gives, or it would "find" mistakes in correct tokens.
 * (Each mistake against an independent signer: src/jwt/inspect.test.ts.)
 */

const request = fc.record({
  method: fc.constantFrom('GET', 'get', 'POST', 'Put', 'DELETE'),
  url: fc.webUrl({ withQueryParameters: true, withFragments: false }),
  baseUrl: fc.option(fc.constantFrom('/ctx', 'https://app.example.com/my-app', '/a&b'), { nil: undefined }),
});

describe('explainQsh', () => {
  it('with no mistake builds exactly the canonical request of src/jwt/qsh.ts', () => {
    fc.assert(
      fc.property(request, ({ method, url, baseUrl }) => {
        expect(signerCanonicalRequest({ method, url, baseUrl }, [])).toBe(canonicalRequest(method, url, baseUrl));
      }),
      { numRuns: 500, seed: 20_260_901 },
    );
  });

  it('says a matching qsh matches, and looks no further', () => {
    fc.assert(
      fc.property(request, ({ method, url, baseUrl }) => {
        const explanation = explainQsh({ method, url, baseUrl }, queryStringHash(method, url, baseUrl));
        expect(explanation).toMatchObject({ matches: true, canonical: canonicalRequest(method, url, baseUrl), alternatives: [] });
        expect(explanation.signer).toBeUndefined();
      }),
      { numRuns: 200, seed: 20_260_902 },
    );
  });

  it('does not blame a habit that changes nothing for this request (a sorted query is not "unsorted")', () => {
    const sorted = { method: 'GET', url: '/x?a=1&b=2' };
    const unrelated = queryStringHash('GET', '/somewhere-else');
    expect(explainQsh(sorted, unrelated)).toMatchObject({ matches: false, alternatives: [] });
    expect(signerCanonicalRequest(sorted, ['QSH_QUERY_NOT_SORTED'])).toBe(canonicalRequest('GET', '/x?a=1&b=2'));
  });

  it('finds the fewest mistakes: one where one is enough, three where three were made', () => {
    const r = { method: 'GET', url: 'https://api.bitbucket.org/2.0/x/?q=(a+b)&a=1' };
    for (const mistakes of [['QSH_ORIGIN_HASHED'], ['QSH_ORIGIN_HASHED', 'QSH_PLUS_NOT_DECODED', 'QSH_TRAILING_SLASH_KEPT']] as const) {
      const signer = signerCanonicalRequest(r, mistakes);
      const found = explainQsh(r, sha(signer));
      expect(found.signer?.canonical).toBe(signer);
      expect(found.signer?.mistakes.map((m) => m.code).sort()).toEqual([...mistakes].sort());
    }
  });

  it('lists its mistakes in a stable order, every code once', () => {
    expect(new Set(QSH_MISTAKE_CODES).size).toBe(QSH_MISTAKE_CODES.length);
  });
});

function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
