/**
 * What lesson 5 needs to show pagination: a fetch that notes, for every page Bitbucket answers,
 * its number, how many values it held and its `next` link. Presentation only: following `next` is
 * `client.paginate`'s job (src/bitbucket/client.ts).
 */
import { keepGate } from '../../src/http/gated-fetch.ts';

/**
 * One page as it came back.
 *
 * @example { url: 'https://api.bitbucket.org/2.0/repositories/%7B…%7D', page: 1, values: 10, size: 23, next: '…?page=2' }
 */
export interface SeenPage {
  /** The URL requested. */
  url: string;
  page: number | undefined;
  /** How many values the page held. */
  values: number;
  /** The total Bitbucket reported, when it did (`size` is optional). */
  size: number | undefined;
  /** The `next` link; undefined on the last page. */
  next: string | undefined;
}

/**
 * A fetch that sends through `send` and appends every successful paged answer (JSON with a
 * `values` list) to `pages`.
 *
 * @example
 * const { fetch, pages } = watchPages(ctx.fetch)
 * const client = createBitbucketClient({ apiUrl, token, fetch })
 * for await (const repo of client.paginate(path)) {}
 * pages.map((p) => p.next) // ['…?page=2', '…?page=3', undefined]
 */
export function watchPages(send: typeof fetch): { fetch: typeof fetch; pages: SeenPage[] } {
  const pages: SeenPage[] = [];
  const watched: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await send(request);
    if (response.ok && /\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
      let body: unknown;
      try {
        body = await response.clone().json();
      } catch {
        // Not JSON after all: the client reports that itself.
        return response;
      }
      if (isRecord(body) && Array.isArray(body.values)) {
        pages.push({
          url: request.url,
          page: typeof body.page === 'number' ? body.page : undefined,
          values: body.values.length,
          size: typeof body.size === 'number' ? body.size : undefined,
          next: typeof body.next === 'string' ? body.next : undefined,
        });
      }
    }
    return response;
  };
  return { fetch: keepGate(watched, send), pages };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
