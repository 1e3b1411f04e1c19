import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { expectRule } from '../../../runner/practice/expect-rule.ts';
import { canonicalRequest, encodeRfc3986, queryStringHash } from './canonical-request.ts';

/** Atlassian's vectors: atlassian-jwt 2.0.3's unit tests, and what its code computes. */
const { vectors } = JSON.parse(readFileSync(new URL('../../../../test/fixtures/qsh-vectors.json', import.meta.url), 'utf8')) as {
  vectors: { method: string; url: string; baseUrl?: string; canonical: string; qsh: string }[];
};

/** Checks `canonicalRequest(method, url, baseUrl?)` and names the call in a failure. */
function expectCanonical(method: string, url: string, expected: string, baseUrl?: string): void {
  const call = `canonicalRequest(${[method, url, ...(baseUrl ? [baseUrl] : [])].map((a) => `'${a}'`).join(', ')})`;
  expectRule(canonicalRequest(method, url, baseUrl), expected, call);
}

describe('canonical-request', () => {
  it('1. the method is upper case', () => {
    expectCanonical('get', '/path', 'GET&/path&');
    expectCanonical('Post', '/installed', 'POST&/installed&');
  });

  it('2. the path is relative to the context path', () => {
    expectCanonical('GET', 'https://example.atlassian.net/jira/rest/api?x=y', 'GET&/rest/api&x=y', 'https://example.atlassian.net/jira');
    expectCanonical('POST', 'https://bitbucket.org/site/oauth2/access_token', 'POST&/site/oauth2/access_token&', 'https://bitbucket.org');
    expectCanonical('GET', '/jira', 'GET&/&', '/jira');
  });

  it('3. an & in the path becomes %26', () => {
    expectCanonical('POST', '/rest/api/2/project&a=b?x=y', 'POST&/rest/api/2/project%26a=b&x=y');
  });

  it('4. the path starts with /, and one trailing / is dropped', () => {
    expectCanonical('GET', '/hello-world/?param=foo', 'GET&/hello-world&param=foo');
    expectCanonical('GET', '/', 'GET&/&');
  });

  it('5. no query leaves the string ending in &', () => {
    expectCanonical('GET', '/2.0/user', 'GET&/2.0/user&');
  });

  it('6. names and values are decoded (+ is a space) and encoded again', () => {
    expectCanonical('GET', '/p?q=lab+2026&r=%7Ehome', 'GET&/p&q=lab%202026&r=~home');
  });

  it('7. the jwt parameter is left out', () => {
    expectCanonical('GET', '/page?jwt=eyJ0eXAiOiJKV1QifQ&repoUuid=abc', 'GET&/page&repoUuid=abc');
  });

  it('8. parameters are sorted by name, by UTF-16 code unit', () => {
    expectCanonical('GET', '/p?b=2&a=1&A=x', 'GET&/p&A=x&a=1&b=2');
  });

  it('9. a repeated name is one pair, its values sorted and joined with ,', () => {
    expectCanonical('GET', '/p?fields=values.slug&x=1&fields=next&fields=Next', 'GET&/p&fields=Next,next,values.slug&x=1');
  });

  it('10. a parameter without a value gives name=', () => {
    expectCanonical('GET', '/hello-world?a&b=foo&c', 'GET&/hello-world&a=&b=foo&c=');
  });

  it("11. RFC 3986 encoding: ! ' ( ) * are encoded too", () => {
    expectRule(encodeRfc3986("it's (a) test*!"), 'it%27s%20%28a%29%20test%2A%21', `encodeRfc3986("it's (a) test*!")`);
    expectRule(encodeRfc3986('AZaz09-._~'), 'AZaz09-._~', "encodeRfc3986('AZaz09-._~')");
    expectRule(encodeRfc3986('é€'), '%C3%A9%E2%82%AC', "encodeRfc3986('é€')");
  });

  it('12. the qsh is the hex SHA-256 of the canonical request', () => {
    expectRule(queryStringHash('GET', '/path'), '799be84a7fa35570087163c0cd9af3abff7ac05c2c12ba0bb1d7eebc984b3ac2', "queryStringHash('GET', '/path')");
  });

  it("13. all of Atlassian's vectors agree (atlassian-jwt 2.0.3)", () => {
    for (const [index, v] of vectors.entries()) {
      const request = `${v.method} ${v.url}${v.baseUrl ? ` (base ${v.baseUrl})` : ''}`;
      expectRule(canonicalRequest(v.method, v.url, v.baseUrl), v.canonical, `vector ${index + 1} of ${vectors.length}, ${request}`);
      expectRule(queryStringHash(v.method, v.url, v.baseUrl), v.qsh, `vector ${index + 1} of ${vectors.length}: its qsh`);
    }
  });
});
