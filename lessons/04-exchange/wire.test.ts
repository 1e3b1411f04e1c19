import { describe, expect, it } from 'vitest';
import { bendFetch, formatCurl, formatRawHttp, watchFetch } from './wire.ts';

const URL_ = 'https://bitbucket.org/site/oauth2/access_token';

/** A fetch that answers every request with what it received, as JSON. */
const echo: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  return Response.json({ authorization: request.headers.get('authorization'), body: await request.text() });
};

describe('watchFetch', () => {
  it('keeps what was sent and answered, and hands the caller an unread response', async () => {
    const { fetch, seen } = watchFetch(echo);
    const response = await fetch(URL_, { method: 'POST', headers: { Authorization: 'JWT a.b.c' }, body: 'grant_type=x' });
    expect(await response.json(), 'the caller can still read the body').toEqual({ authorization: 'JWT a.b.c', body: 'grant_type=x' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: URL_, body: 'grant_type=x', status: 200 });
    expect(seen[0]?.headers.get('authorization')).toBe('JWT a.b.c');
    expect(JSON.parse(seen[0]?.responseBody ?? '{}')).toEqual({ authorization: 'JWT a.b.c', body: 'grant_type=x' });
  });
});

describe('bendFetch', () => {
  it('changes only what the mistake needs: a header, a form field', async () => {
    const bent = bendFetch(echo, (headers, form) => {
      headers.set('authorization', 'Bearer a.b.c');
      form.delete('grant_type');
    });
    const response = await bent(URL_, { method: 'POST', headers: { Authorization: 'JWT a.b.c' }, body: 'grant_type=x&scope=repository' });
    expect(await response.json()).toEqual({ authorization: 'Bearer a.b.c', body: 'scope=repository' });
  });
});

describe('formatRawHttp and formatCurl', () => {
  const request = {
    method: 'POST',
    url: URL_,
    headers: new Headers({ authorization: 'JWT a.b.c', 'content-type': 'application/x-www-form-urlencoded' }),
    body: 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt&scope=it%27s',
  };

  it('writes the HTTP/1.1 message: path in the request line, Host, headers, blank line, body', () => {
    expect(formatRawHttp(request)).toBe(
      [
        'POST /site/oauth2/access_token HTTP/1.1',
        'Host: bitbucket.org',
        'Authorization: JWT a.b.c',
        'Content-Type: application/x-www-form-urlencoded',
        '',
        'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt&scope=it%27s',
      ].join('\n'),
    );
  });

  it('writes curl with -H for the JWT scheme and one --data-urlencode per field, quoted for the shell', () => {
    expect(formatCurl(request)).toBe(
      [
        `curl '${URL_}'`,
        "-H 'Authorization: JWT a.b.c'",
        "--data-urlencode 'grant_type=urn:bitbucket:oauth2:jwt'",
        // A single quote in a value closes the quoting, is escaped, and reopens it.
        "--data-urlencode 'scope=it'\\''s'",
      ].join(' \\\n  '),
    );
  });
});
