/**
 * What lesson 4 needs to show the token request as it went on the wire: a fetch that keeps a copy
 * of each request and response body, a fetch that breaks one thing in a request on purpose, and
 * the request written as raw HTTP and as curl. Presentation only: the request itself is built by
 * `exchangeJwtForToken` (src/oauth/exchange.ts).
 */
import { awaitGate, keepGate } from '../../src/http/gated-fetch.ts';

/**
 * One request as it was sent, and the body it got back.
 *
 * @example
 * const { fetch, seen } = watchFetch(ctx.fetch)
 * await exchangeJwtForToken({ installation, fetch })
 * seen[0]?.headers.get('authorization') // 'JWT eyJ...'
 */
export interface SeenExchange {
  method: string;
  url: string;
  headers: Headers;
  /** The request body as text ('' when none). */
  body: string;
  status: number;
  /** The response body as text. */
  responseBody: string;
}

/**
 * A fetch that sends through `send` and keeps a copy of each exchange in `seen`, so a lesson can
 * talk about the exact request a library built.
 *
 * @example
 * const { fetch, seen } = watchFetch(ctx.fetch)
 * await exchangeJwtForToken({ installation, fetch })
 * formatCurl(seen[0]!)
 */
export function watchFetch(send: typeof fetch): { fetch: typeof fetch; seen: SeenExchange[] } {
  const seen: SeenExchange[] = [];
  const watched: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.clone().text();
    const response = await send(request);
    seen.push({
      method: request.method,
      url: request.url,
      headers: new Headers(request.headers),
      body,
      status: response.status,
      responseBody: await response.clone().text(),
    });
    return response;
  };
  return { fetch: keepGate(watched, send), seen };
}

/**
 * A fetch that lets `change` edit the headers and the form body of each request before sending
 * it through `send`: how the lesson makes one deliberate mistake in an otherwise correct request.
 *
 * @example
 * const bearer = bendFetch(ctx.fetch, (headers) => headers.set('authorization', 'Bearer ...'))
 * await exchangeJwtForToken({ installation, fetch: bearer }) // rejects: the scheme is JWT
 */
export function bendFetch(send: typeof fetch, change: (headers: Headers, form: URLSearchParams) => void): typeof fetch {
  const bend = async (input: RequestInfo | URL, init?: RequestInit): Promise<[string, RequestInit]> => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    const form = new URLSearchParams(await request.text());
    change(headers, form);
    return [request.url, { method: request.method, headers, body: form.toString(), redirect: request.redirect, signal: request.signal }];
  };
  const bent: typeof fetch = async (input, init) => send(...(await bend(input, init)));
  // The gate (the runner's "Send this request?") is asked about the bent request: what is really sent.
  return Object.assign(bent, { beforeSend: async (input: RequestInfo | URL, init?: RequestInit) => awaitGate(send, ...(await bend(input, init))) });
}

/** `content-type` → `Content-Type`: how the headers are usually written by hand. */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * The request as an HTTP/1.1 message: request line, `Host`, headers, blank line, body.
 *
 * @example
 * formatRawHttp(seen[0]!)
 * // 'POST /site/oauth2/access_token HTTP/1.1\nHost: bitbucket.org\nAuthorization: JWT eyJ...\n...'
 */
export function formatRawHttp(request: Pick<SeenExchange, 'method' | 'url' | 'headers' | 'body'>): string {
  const url = new URL(request.url);
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of request.headers) lines.push(`${headerName(name)}: ${value}`);
  return `${lines.join('\n')}\n\n${request.body}`;
}

/** POSIX shell single quotes: nothing inside is interpreted; a `'` is closed, escaped, reopened. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The same request as a curl command: the `Authorization` header as it was sent (`-H`, not `-u`:
 * the scheme is `JWT`, not Basic) and each form field with `--data-urlencode`, which makes curl
 * POST it as `application/x-www-form-urlencoded`.
 *
 * @example
 * formatCurl(seen[0]!)
 * // "curl 'https://bitbucket.org/site/oauth2/access_token' \\\n  -H 'Authorization: JWT eyJ...' \\\n  --data-urlencode 'grant_type=urn:bitbucket:oauth2:jwt'"
 */
export function formatCurl(request: Pick<SeenExchange, 'url' | 'headers' | 'body'>): string {
  const parts = [`curl ${shellQuote(request.url)}`];
  const authorization = request.headers.get('authorization');
  if (authorization) parts.push(`-H ${shellQuote(`Authorization: ${authorization}`)}`);
  const accept = request.headers.get('accept');
  if (accept) parts.push(`-H ${shellQuote(`Accept: ${accept}`)}`);
  for (const [name, value] of new URLSearchParams(request.body)) parts.push(`--data-urlencode ${shellQuote(`${name}=${value}`)}`);
  return parts.join(' \\\n  ');
}
