import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectRefusal, expectRule } from '../../../runner/practice/expect-rule.ts';
import { startOfflineApi, type OfflineApi } from '../offline-api.ts';
import { followPages, type PageSource } from './follow-pages.ts';

const API = 'https://api.bitbucket.example';
const LIST = `${API}/2.0/repositories/acme`;
const repos = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ slug: `repo-${from + i}` }));
const slugs = (values: unknown[]) => values.map((value) => (value as { slug?: unknown }).slug);
/** A URL as the rules show it: `acme?page=2` for the list's pages, whole anywhere else. */
const shown = (href: string) => href.replace(`${API}/2.0/repositories/`, '');

/**
 * A list as a fake client serves it: each page by its URL, every request recorded. `withinApi`
 * is the client's own rule: the API's origin, under its path.
 */
function listOf(pages: Record<string, { values: unknown[]; next?: string }>, o: { apiUrl?: string; maxPages?: number } = {}) {
  const apiUrl = new URL(o.apiUrl ?? API);
  const requested: string[] = [];
  const source: PageSource = {
    async get(url) {
      requested.push(shown(url.href));
      const page = pages[url.href];
      if (!page) throw new Error(`the fake API has no page at ${url.href}`);
      return { status: 200, data: { pagelen: page.values.length, values: page.values, ...(page.next ? { next: page.next } : {}) } };
    },
    withinApi: (url) => url.origin === apiUrl.origin && (apiUrl.pathname === '/' || url.pathname.startsWith(`${apiUrl.pathname}/`)),
    apiUrl: apiUrl.href.replace(/\/$/, ''),
    maxPages: o.maxPages ?? Number.POSITIVE_INFINITY,
  };
  return { source, requested };
}

/** Every value `followPages` yields. */
async function collect(first: string, source: PageSource): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const value of followPages(new URL(first), source)) values.push(value);
  return values;
}

/** Three pages of 10, 10 and 3 repositories, linked the way Bitbucket links them. */
const THREE_PAGES = {
  [LIST]: { values: repos(1, 10), next: `${LIST}?page=2` },
  [`${LIST}?page=2`]: { values: repos(11, 20), next: `${LIST}?page=3` },
  [`${LIST}?page=3`]: { values: repos(21, 23) },
};

describe('follow-next', () => {
  let api: OfflineApi;
  beforeAll(() => {
    api = startOfflineApi('practice-pages-secret-0123456789-abcdefghijklm');
  });
  afterAll(() => api.stop());

  it("1. the first page's values come out", async () => {
    const { source } = listOf({ [LIST]: { values: repos(1, 3) } });
    expectRule(slugs(await collect(LIST, source)), ['repo-1', 'repo-2', 'repo-3'], 'a list of one page, without next');
  });

  it('2. next is followed until a page has none', async () => {
    const { source, requested } = listOf(THREE_PAGES);
    const values = await collect(LIST, source);
    expectRule(requested, ['acme', 'acme?page=2', 'acme?page=3'], 'the pages requested, in order');
    expectRule(slugs(values), slugs(repos(1, 23)), 'every value, in order');
  });

  it('3. next is used as given, never made up from a page number', async () => {
    const { source, requested } = listOf({
      [LIST]: { values: repos(1, 2), next: `${LIST}?after=c2Vjb25k` },
      [`${LIST}?after=c2Vjb25k`]: { values: repos(3, 4) },
    });
    await collect(LIST, source).catch(() => undefined);
    expectRule(requested, ['acme', 'acme?after=c2Vjb25k'], 'a list whose next is a cursor, not ?page=2');
  });

  it('4. a page is fetched only when its values are asked for', async () => {
    const { source, requested } = listOf(THREE_PAGES);
    for await (const _value of followPages(new URL(LIST), source)) break;
    expectRule(requested, ['acme'], 'a caller that stops after the first value: the pages requested');
  });

  it('5. maxPages stops the list early, without an error', async () => {
    const { source, requested } = listOf(THREE_PAGES, { maxPages: 2 });
    const values = await collect(LIST, source);
    expectRule({ pages: requested.length, values: values.length }, { pages: 2, values: 20 }, 'maxPages: 2 over three pages');
  });

  it('6. a next outside the API is refused, and never requested (ERR_API_PAGINATION)', async () => {
    const elsewhere = listOf({ [LIST]: { values: repos(1, 10), next: 'https://evil.example/2.0/repositories/acme?page=2' } });
    await expectRefusal(() => collect(LIST, elsewhere.source), 'ERR_API_PAGINATION', 'next: https://evil.example/2.0/repositories/acme?page=2');
    expectRule(elsewhere.requested, ['acme'], 'the pages requested: the token must not go to evil.example');
    const base = 'https://bitbucket.example/api';
    const outside = listOf({ [`${base}/2.0/repositories/acme`]: { values: repos(1, 10), next: 'https://bitbucket.example/admin/export' } }, { apiUrl: base });
    await expectRefusal(() => collect(`${base}/2.0/repositories/acme`, outside.source), 'ERR_API_PAGINATION', `apiUrl ${base}; next: https://bitbucket.example/admin/export (same origin, outside the API)`);
  });

  it('7. a next that repeats a page is refused: no endless loop (ERR_API_PAGINATION)', async () => {
    const { source, requested } = listOf({
      [LIST]: { values: repos(1, 10), next: `${LIST}?page=2` },
      [`${LIST}?page=2`]: { values: repos(11, 20), next: LIST },
    });
    await expectRefusal(() => collect(LIST, source), 'ERR_API_PAGINATION', 'page 2 whose next is page 1 again');
    expectRule(requested.length, 2, 'the pages requested');
  });

  it("8. the lab's client with your followPages lists the offline workspace's 23 repositories", async () => {
    const before = api.answered().length;
    const values: unknown[] = [];
    for await (const value of api.client({ followPages }).paginate(api.repositoriesPath)) values.push(value);
    const calls = api.answered().slice(before).filter((line) => line.startsWith('GET /2.0/repositories'));
    expectRule({ repositories: values.length, calls }, { repositories: 23, calls: Array(3).fill('GET /2.0/repositories/{workspace} → 200') }, `client.paginate('${api.repositoriesPath}')`);
  });
});
