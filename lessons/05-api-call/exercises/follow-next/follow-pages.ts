import { quoteServerText } from '../../../../src/http/server-text.ts';
import { ApiResponseInvalidError, PaginationError } from '../../../../src/bitbucket/errors.ts';

/**
 * Pagination of Bitbucket's REST API (docs/protocol.md §8; lesson 5's notes, "Pages"): a list
 * answers one page at a time, each page names the next one in `next`, an absolute URL, and the last
 * page has none. `createBitbucketClient`'s `paginate` follows them with {@link followPages}.
 *
 * Lesson 5's exercise `follow-next` is this file with the `#region exercise` part left for the
 * learner to write (lessons/05-api-call/exercises/follow-next/); a test keeps the two equal outside
 * that region.
 */

/**
 * What {@link followPages} needs of the client.
 *
 * @example
 * const source: PageSource = { get: (url) => request(url, signal), withinApi, apiUrl: 'https://api.bitbucket.org', maxPages: Infinity }
 */
export interface PageSource {
  /** GETs one page with the client's token (and its retries); resolves to the status and the parsed JSON. */
  get(url: URL): Promise<{ status: number; data: unknown }>;
  /** True when `url` is under the client's `apiUrl`: the only place its token may go. */
  withinApi(url: URL): boolean;
  /** The client's `apiUrl`, for messages. */
  apiUrl: string;
  /** Stop after this many pages, without error; `Infinity` for no limit. */
  maxPages: number;
}

/**
 * One page of a list, as Bitbucket answers it.
 *
 * @example { values: [{ slug: 'a' }, { slug: 'b' }], next: 'https://api.bitbucket.org/2.0/repositories/acme?page=2' }
 */
export interface Page<T> {
  values: T[];
  /** The next page's URL; absent (or null) on the last page. Not yet checked: see {@link followPages}. */
  next: unknown;
}

/**
 * The page in a parsed answer, or `ERR_API_RESPONSE_INVALID` when it has no `values` list.
 *
 * @example readPage({ values: [1, 2], next: null }, url, 200) // { values: [1, 2], next: null }
 */
export function readPage<T>(data: unknown, url: URL, status: number): Page<T> {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !Array.isArray((data as { values?: unknown }).values)) {
    throw new ApiResponseInvalidError({ target: `GET ${url.href}`, status, problem: 'the body is not a page (no "values" list)', serverText: '' });
  }
  const page = data as { values: T[]; next?: unknown };
  return { values: page.values, next: page.next };
}

/**
 * A page's `next` as a URL (resolved against the page's own URL, should it ever be relative), or
 * `ERR_API_PAGINATION` when it is not one. Where it points is not checked here.
 *
 * @example nextUrl('https://api.bitbucket.org/2.0/repositories/acme?page=2', current).searchParams.get('page') // '2'
 */
export function nextUrl(next: unknown, current: URL): URL {
  try {
    if (typeof next === 'string') return new URL(next, current);
  } catch {
    // Not a URL: refused below.
  }
  throw new PaginationError(`GET ${current.href}`, `it is not a URL (${quoteServerText(String(next), [], 80)})`);
}

/**
 * Yields the `values` of every page of a list, starting at `first` and following `next` until a
 * page has none (or `maxPages` pages were read). Lazy: a page is fetched only when the caller asks
 * for its values. A `next` outside the client's `apiUrl` is `ERR_API_PAGINATION`, never requested
 * (the client's token would go with it), and so is one that repeats a page already read (a loop).
 *
 * @throws `ERR_API_PAGINATION`, `ERR_API_RESPONSE_INVALID`, and whatever `source.get` throws.
 *
 * @example
 * for await (const repo of followPages<{ slug: string }>(new URL(`${apiUrl}/2.0/repositories/acme?pagelen=100`), source)) {
 *   console.log(repo.slug)
 * }
 */
export async function* followPages<T>(first: URL, source: PageSource): AsyncGenerator<T, void, undefined> {
  // #region exercise: following next
  // A list answers one page at a time; each page names the next in `next` (lesson 5's notes, "Pages").
  // TODO (rule 2, follow next): after the first page's values, ask for the page `next` names, and
  //   so on, until a page has no `next` (absent or null). nextUrl(page.next, url) parses it.
  // TODO (rule 3, as given): request exactly that URL: Bitbucket may page with a cursor, never
  //   count pages yourself.
  // TODO (rule 4, lazy): yield each page's values before fetching the next page (yield* values).
  // TODO (rule 5, maxPages): after source.maxPages pages, stop without error.
  // TODO (rule 6, the API only): a next for which source.withinApi(next) is false is refused, and
  //   never requested: the token goes wherever the client goes. throw new PaginationError(
  //   `GET ${url.href}`, `it points to ${next.origin}${next.pathname}, outside apiUrl ${source.apiUrl}`).
  // TODO (rule 7, no loop): a next that repeats a page already read is a PaginationError too.
  // Rule 1 (the first page) works already:
  const { status, data } = await source.get(first);
  yield* readPage<T>(data, first, status).values;
  // #endregion
}
