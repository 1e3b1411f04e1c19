import { readFileSync } from 'node:fs';
import { createCanonicalRequest, createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRequest, encodeRfc3986, queryStringHash } from './qsh.ts';

interface Vector {
  method: string;
  url: string;
  baseUrl?: string;
  canonical: string;
  qsh: string;
  /** Where the vector comes from: which atlassian-jwt unit test, or this project. */
  from: string;
}

// Inside the repository, with where each vector comes from: a fresh clone needs nothing beside it.
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/qsh-vectors.json', import.meta.url), 'utf8')) as {
  reference: { package: string; version: string };
  vectors: Vector[];
};
const { vectors } = fixture;

/** What Atlassian's reference computes (checkBodyForParams false: the body never counts). */
function reference(method: string, url: string, baseUrl?: string): string {
  return createCanonicalRequest(fromMethodAndUrl(method, url), false, baseUrl);
}

/**
 * Our canonical request as the reference spells it: with the one url.parse artifact this project
 * does not copy (see the regression test below), ' ^ | escaped in a path that holds an "@".
 */
function withUrlParseEscapes(url: string, canonical: string): string {
  const path = url.split('?')[0] ?? '';
  if (!path.includes('@')) return canonical;
  const [method = '', canonicalPath = '', ...query] = canonical.split('&');
  const escaped = canonicalPath.replace(/['^|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [method, escaped, ...query].join('&');
}

/** Path and query exactly as `fetch` would put them on the request line. */
function wireForm(url: string): string {
  const parsed = new URL(url, 'http://wire.invalid');
  return `${parsed.pathname}${parsed.search}`;
}

describe('the qsh vectors (test/fixtures/qsh-vectors.json)', () => {
  it('are all there, each with its source, for the reference version installed', () => {
    expect(vectors).toHaveLength(10);
    for (const vector of vectors) expect(vector.from).toMatch(/^(unit tests? |the second request of the unit test |this project: )/);
    const installed = JSON.parse(readFileSync(new URL('../../node_modules/atlassian-jwt/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(`${fixture.reference.package}@${installed.version}`).toBe(`atlassian-jwt@${fixture.reference.version}`);
  });

  for (const vector of vectors) {
    it(`${vector.method} ${vector.url}${vector.baseUrl ? ` (base ${vector.baseUrl})` : ''}`, () => {
      expect(canonicalRequest(vector.method, vector.url, vector.baseUrl)).toBe(vector.canonical);
      expect(queryStringHash(vector.method, vector.url, vector.baseUrl)).toBe(vector.qsh);
      // The vectors and the reference agree, so the property below compares against a trusted oracle.
      expect(reference(vector.method, vector.url, vector.baseUrl)).toBe(vector.canonical);
      expect(createQueryStringHash(fromMethodAndUrl(vector.method, vector.url), false, vector.baseUrl)).toBe(vector.qsh);
    });
  }
});

describe('encodeRfc3986', () => {
  it("encodes ! ' ( ) * that encodeURIComponent leaves, with upper-case hex", () => {
    expect(encodeRfc3986("!'()*")).toBe('%21%27%28%29%2A');
  });

  it('leaves the unreserved characters alone and encodes space as %20', () => {
    expect(encodeRfc3986('AZaz09-._~')).toBe('AZaz09-._~');
    expect(encodeRfc3986('a b+c')).toBe('a%20b%2Bc');
  });

  it('encodes UTF-8 bytes', () => {
    expect(encodeRfc3986('é€')).toBe('%C3%A9%E2%82%AC');
  });
});

describe('canonicalRequest', () => {
  it('strips protocol, host and port from absolute URLs', () => {
    expect(canonicalRequest('get', 'https://api.bitbucket.org:443/2.0/repositories/%7Bws%7D?pagelen=10')).toBe(
      'GET&/2.0/repositories/%7Bws%7D&pagelen=10',
    );
  });

  it('strips the context path given as a URL, with or without a trailing slash, or as a bare path', () => {
    for (const base of ['https://app.example.com/ctx', 'https://app.example.com/ctx/', '/ctx']) {
      expect(canonicalRequest('POST', '/ctx/installed', base)).toBe('POST&/installed&');
    }
    expect(canonicalRequest('POST', '/installed', 'https://app.example.com')).toBe('POST&/installed&');
  });

  it('keeps a path that only looks like the context path further in', () => {
    expect(canonicalRequest('GET', '/other/ctx/page', '/ctx')).toBe('GET&/other/ctx/page&');
  });

  it('hashes a page module URL without its jwt parameter', () => {
    const url = '/oauth-callback?repoUuid=%7B1b2c%7D&jwt=eyJhbGciOiJIUzI1NiJ9.e30.sig';
    expect(canonicalRequest('GET', url)).toBe('GET&/oauth-callback&repoUuid=%7B1b2c%7D');
    expect(queryStringHash('GET', url)).toBe(queryStringHash('GET', '/oauth-callback?repoUuid=%7B1b2c%7D'));
  });

  it('decodes + in the query as a space, hashed as %20', () => {
    expect(canonicalRequest('GET', '/s?q=a+b&r=a%20b')).toBe('GET&/s&q=a%20b&r=a%20b');
  });

  it('sorts names by code unit (upper case first) and a repeated name’s values too', () => {
    expect(canonicalRequest('GET', '/s?b=2&a=1&B=3&a=0')).toBe('GET&/s&B=3&a=0,1&b=2');
  });

  it('is the same for an absolute URL and its path, whatever the origin', () => {
    const path = "/a'b|c^d/(x)!*~?q='1'";
    expect(canonicalRequest('GET', `https://h.example:8443${path}`)).toBe(canonicalRequest('GET', path));
  });

  it('binds the method: GET and POST of one URL differ', () => {
    expect(queryStringHash('GET', '/installed')).not.toBe(queryStringHash('POST', '/installed'));
  });

  it('signs the token endpoint as POST with an empty query', () => {
    expect(canonicalRequest('POST', 'https://bitbucket.org/site/oauth2/access_token')).toBe(
      'POST&/site/oauth2/access_token&',
    );
  });
});

describe('regressions against the reference (atlassian-jwt 2.0.3)', () => {
  it('keeps a ? that starts the raw query as part of the first name (found by the property below)', () => {
    for (const url of ['/p??a=1', 'https://h.example/p??a=1']) {
      expect(canonicalRequest('GET', url)).toBe('GET&/p&%3Fa=1');
    }
    expect(reference('GET', '/p??a=1')).toBe('GET&/p&%3Fa=1');
  });

  it('drops a __proto__ parameter, as the reference does', () => {
    const url = '/x?__proto__=1&b=2';
    expect(canonicalRequest('GET', url)).toBe('GET&/x&b=2');
    expect(canonicalRequest('GET', url)).toBe(reference('GET', url));
  });

  // The reference parses with Node's legacy url.parse, which escapes ' ^ | (and characters a wire
  // path never holds raw) in absolute URLs, and in relative ones only when the path holds an "@".
  // That is parser behaviour, not a canonicalisation rule: it makes the reference disagree with
  // itself (absolute vs relative form of one request), and Bitbucket's Java side, which hashes the
  // path as received, does not do it. Section 5 says the path is not re-encoded, so it is not.
  it("keeps ' ^ | raw in a path, where the reference's url.parse escapes them only sometimes", () => {
    expect(reference('GET', "/a'b^c|d")).toBe("GET&/a'b^c|d&");
    expect(reference('GET', "https://h.example/a'b^c|d")).toBe('GET&/a%27b%5Ec%7Cd&');
    expect(reference('GET', "/@a'b^c|d")).toBe('GET&/@a%27b%5Ec%7Cd&');
    for (const url of ["/a'b^c|d", "https://h.example/a'b^c|d"]) expect(canonicalRequest('GET', url)).toBe("GET&/a'b^c|d&");
    expect(canonicalRequest('GET', "/@a'b^c|d")).toBe("GET&/@a'b^c|d&");
  });
});

// Building blocks of generated requests: the characters the protocol treats specially.
const pathPiece = fc.constantFrom(
  'a', 'Z', '0', '-', '.', '_', '~', '!', "'", '(', ')', '*', '+', ',', ';', '=', '&', '$', ':', '@',
  '%20', '%2F', '%26', '%25', '%7B', '%7D', '%C3%A9', '%E2%82%AC', '%F0%9F%98%80', ' ', '{', '}', 'é', '|', '^',
);
const segment = fc.array(pathPiece, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join(''));
const path = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.boolean())
  .map(([segments, trailingSlash]) => `/${segments.join('/')}${trailingSlash && segments.length > 0 ? '/' : ''}`);

const textPiece = fc.oneof(
  fc.constantFrom(
    'a', 'B', 'jwt', 'JWT', 'Jwt', ' ', '+', '*', '~', '!', "'", '(', ')', ',', '&', '=', '%', '/', '?', ':', '@',
    'é', '€', '😀', 'A', 'b', '_', '-', '.',
  ),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
const text = fc.array(textPiece, { maxLength: 4 }).map((pieces) => pieces.join(''));
const name = fc.oneof(fc.constantFrom('jwt', 'a', 'A', 'repoUuid', 'b', '', '?x', '__proto__', 'constructor'), text);
const rawByte = fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`);

/** The ways clients spell one decoded value on the wire. */
const encoders: Record<string, (s: string) => string> = {
  component: encodeURIComponent,
  rfc3986: encodeRfc3986,
  plusForSpace: (s) => encodeURIComponent(s).replaceAll('%20', '+'),
  // Only what would change the query's structure is escaped; the URL parser encodes the rest.
  minimal: (s) => s.replace(/[%&=#+]/g, (c) => encodeURIComponent(c)).replaceAll(' ', '+'),
};
const encoding = fc.constantFrom(...Object.keys(encoders));

/** A parameter: its decoded name, its value (null: no `=`), and how the client encodes them. */
type Param = [name: string, value: string | null, encoding: string];
const param: fc.Arbitrary<Param> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(name, fc.option(text, { nil: null }), encoding) },
  // Arbitrary bytes, valid UTF-8 or not, as a raw client might send them: already on the wire.
  { weight: 1, arbitrary: fc.tuple(name, fc.array(rawByte, { maxLength: 4 }).map((b) => b.join('')), fc.constant('raw')) },
);
const query = fc
  .array(param, { maxLength: 10 })
  .chain((params) =>
    // Repeat some parameters, so repeated names (and repeated jwt) are common.
    fc.subarray(params).map((repeated) => [...params, ...repeated]),
  )
  .map((params) =>
    params
      .map(([n, v, how]) => {
        const encode = encoders[how];
        const encodedName = encode ? encode(n) : encodeURIComponent(n);
        if (v === null) return encodedName;
        return `${encodedName}=${encode ? encode(v) : v}`;
      })
      .join('&'),
  );

const method = fc.oneof(
  fc.constantFrom('GET', 'get', 'Post', 'pUt', 'DELETE', 'patch', 'OPTIONS', 'head'),
  fc.stringMatching(/^[A-Za-z]{1,8}$/),
);
const contextPath = fc.option(fc.constantFrom('/ctx', '/my-app/v1', '/jira', '/a&b'), { nil: undefined });
const baseUrlForm = fc.constantFrom('bare', 'url', 'url/');

const request = fc
  .record({ method, contextPath, baseUrlForm, underContext: fc.boolean(), path, query, hasQuery: fc.boolean() })
  .map((r) => {
    const fullPath = r.contextPath && r.underContext ? `${r.contextPath}${r.path}` : r.path;
    const url = wireForm(r.hasQuery || r.query !== '' ? `${fullPath}?${r.query}` : fullPath);
    const baseUrl =
      r.contextPath === undefined
        ? undefined
        : r.baseUrlForm === 'bare'
          ? r.contextPath
          : `https://app.example.com${r.contextPath}${r.baseUrlForm === 'url/' ? '/' : ''}`;
    return { method: r.method, url, baseUrl };
  });

describe('agreement with the reference on generated wire-form requests', () => {
  it('computes the same canonical request as atlassian-jwt', () => {
    fc.assert(
      fc.property(request, ({ method, url, baseUrl }) => {
        expect(withUrlParseEscapes(url, canonicalRequest(method, url, baseUrl))).toBe(reference(method, url, baseUrl));
      }),
      { numRuns: 1000, seed: 20_260_201 },
    );
  });

  it('gives an absolute URL the canonical request of its path', () => {
    fc.assert(
      fc.property(request, ({ method, url, baseUrl }) => {
        const absolute = canonicalRequest(method, `https://app.example.com:8443${url}`, baseUrl);
        expect(absolute).toBe(canonicalRequest(method, url, baseUrl));
        expect(withUrlParseEscapes(url, absolute)).toBe(reference(method, url, baseUrl));
      }),
      { numRuns: 300, seed: 20_260_202 },
    );
  });

  it('ignores every jwt parameter, wherever it stands', () => {
    fc.assert(
      fc.property(request, fc.string(), fc.nat(), ({ method, url, baseUrl }, token, at) => {
        const [pathPart = '', queryPart = ''] = url.split(/\?(.*)/s);
        const pairs = queryPart === '' ? [] : queryPart.split('&');
        pairs.splice(at % (pairs.length + 1), 0, `jwt=${encodeURIComponent(token)}`);
        const withJwt = `${pathPart}?${pairs.join('&')}`;
        expect(queryStringHash(method, withJwt, baseUrl)).toBe(queryStringHash(method, url, baseUrl));
      }),
      { numRuns: 300, seed: 20_260_202 },
    );
  });
});
