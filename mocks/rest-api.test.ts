import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signInstallationJwt } from '../src/jwt/sign.ts';
import { TEAMS_IN_SPACE } from './fixtures/accounts.ts';
import { repositoryFixtures } from './fixtures/repositories.ts';
import type { BitbucketRepository } from './fixtures/types.ts';
import { API, APP_KEY, GRANT_BODY, SHARED_SECRET, startTestBitbucket, T0, type TestBitbucket } from './test-support.ts';

interface Page {
  pagelen: number;
  size: number;
  page: number;
  values: BitbucketRepository[];
  next?: string;
  previous?: string;
}

const INVALID = { type: 'error', error: { message: 'Token is invalid, expired, or not supported for this endpoint.' } };
const REPOS = repositoryFixtures();
const WS_UUID = encodeURIComponent(TEAMS_IN_SPACE.uuid);

let bb: TestBitbucket;
let token: string;

function get(url: string, authorization: string | null = `Bearer ${token}`): Promise<Response> {
  return fetch(url, { headers: authorization === null ? {} : { Authorization: authorization } });
}

async function json<T>(response: Response, status = 200): Promise<T> {
  expect(response.status).toBe(status);
  return (await response.json()) as T;
}

beforeEach(async () => {
  bb = startTestBitbucket();
  token = await bb.accessToken();
});
afterEach(() => bb.stop());

describe('REST: endpoints', () => {
  it('/2.0/user answers with the app user of the installation', async () => {
    const user = await json<Record<string, unknown>>(await get(`${API}/2.0/user`));
    expect(user).toMatchObject({ type: 'app_user', display_name: APP_KEY, account_status: 'active' });
    expect(user.uuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
  });

  it('/2.0/workspaces/{workspace} by slug, by any-case slug and by URL-encoded {uuid}', async () => {
    for (const id of ['teamsinspace', 'TeamsInSpace', WS_UUID]) {
      const workspace = await json<Record<string, unknown>>(await get(`${API}/2.0/workspaces/${id}`));
      expect(workspace).toMatchObject({ type: 'workspace', slug: 'teamsinspace', uuid: TEAMS_IN_SPACE.uuid });
    }
  });

  it('an unknown workspace is a 404 with Bitbucket\'s error body', async () => {
    for (const url of [`${API}/2.0/workspaces/nope`, `${API}/2.0/repositories/nope`, `${API}/2.0/repositories/nope/docs`]) {
      const body = await json<unknown>(await get(url), 404);
      expect(body).toEqual({ type: 'error', error: { message: 'No workspace with identifier "nope".' } });
    }
  });

  it('/2.0/repositories/{workspace}/{repo_slug} by slug and by {uuid}; unknown is 404', async () => {
    const repo = REPOS[7]!;
    expect(await json(await get(`${API}/2.0/repositories/teamsinspace/${repo.slug}`))).toEqual(repo);
    expect(await json(await get(`${API}/2.0/repositories/${WS_UUID}/${encodeURIComponent(repo.uuid)}`))).toEqual(repo);
    expect(await json(await get(`${API}/2.0/repositories/teamsinspace/no-such-repo`), 404)).toEqual({
      type: 'error',
      error: { message: 'Repository teamsinspace/no-such-repo not found' },
    });
  });

  it('other /2.0/ paths are a 404 that lists what the mock serves', async () => {
    const body = await json<{ error: { message: string } }>(await get(`${API}/2.0/repositories/teamsinspace/docs/pullrequests`), 404);
    expect(body.error.message).toMatch(/does not serve GET \/2\.0\/repositories\/teamsinspace\/docs\/pullrequests/);
    expect(bb.mock.state.counts.byEndpoint['other /2.0/*']).toBe(1);
  });
});

describe('REST: pagination over the 23 repositories', () => {
  it('pagelen 10 (the default) gives 3 pages linked by absolute next URLs on the same origin', async () => {
    const pages: Page[] = [];
    let url: string | undefined = `${API}/2.0/repositories/teamsinspace`;
    while (url) {
      const page: Page = await json<Page>(await get(url));
      pages.push(page);
      url = page.next;
    }
    expect(pages.map((p) => [p.page, p.pagelen, p.size, p.values.length])).toEqual([
      [1, 10, 23, 10],
      [2, 10, 23, 10],
      [3, 10, 23, 3],
    ]);
    expect(pages[0]?.next).toBe(`${API}/2.0/repositories/teamsinspace?page=2`);
    expect(pages[0]?.previous).toBeUndefined();
    expect(pages[2]?.previous).toBe(`${API}/2.0/repositories/teamsinspace?page=2`);
    expect(pages.flatMap((p) => p.values)).toEqual(REPOS);
  });

  it('pagelen 100 gives one page without next', async () => {
    const page = await json<Page>(await get(`${API}/2.0/repositories/teamsinspace?pagelen=100`));
    expect(page.values).toHaveLength(23);
    expect(page.next).toBeUndefined();
  });

  it('next keeps the other query parameters', async () => {
    const page = await json<Page>(await get(`${API}/2.0/repositories/teamsinspace?pagelen=5&sort=-updated_on`));
    expect(new URL(page.next!).searchParams.toString()).toBe('pagelen=5&sort=-updated_on&page=2');
  });

  it.each(['101', '0', '-1', 'ten', '1.5'])('pagelen=%s is a 400 with Bitbucket\'s error body', async (pagelen) => {
    const body = await json<{ type: string; error: { message: string } }>(
      await get(`${API}/2.0/repositories/teamsinspace?pagelen=${pagelen}`),
      400,
    );
    expect(body.type).toBe('error');
    expect(body.error.message).toMatch(/^Invalid pagelen/);
  });

  it('page=0 is a 400; a page past the end is empty', async () => {
    await json(await get(`${API}/2.0/repositories/teamsinspace?page=0`), 400);
    const page = await json<Page>(await get(`${API}/2.0/repositories/teamsinspace?page=9`));
    expect(page.values).toEqual([]);
    expect(page.next).toBeUndefined();
    expect(page.previous).toBe(`${API}/2.0/repositories/teamsinspace?page=3`);
  });

  it('a mock mounted under a path links next under it', async () => {
    bb.stop();
    bb = startTestBitbucket({ bitbucketUrl: 'http://127.0.0.1:4000/bb', apiUrl: 'http://127.0.0.1:4000/api' });
    const jwt = await bb.sign({ url: 'http://127.0.0.1:4000/bb/site/oauth2/access_token', baseUrl: 'http://127.0.0.1:4000/bb' });
    const exchanged = await fetch('http://127.0.0.1:4000/bb/site/oauth2/access_token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `JWT ${jwt}` },
      body: GRANT_BODY,
    });
    token = ((await exchanged.json()) as { access_token: string }).access_token;
    const page = await json<Page>(await get('http://127.0.0.1:4000/api/2.0/repositories/teamsinspace'));
    expect(page.next).toBe('http://127.0.0.1:4000/api/2.0/repositories/teamsinspace?page=2');
    expect(page.values[0]?.links.self.href).toBe('http://127.0.0.1:4000/api/2.0/repositories/teamsinspace/launch-control');
  });
});

describe('REST: tokens', () => {
  it.each([
    ['an unknown token', 'Bearer no-such-token'],
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ['a JWT scheme without token', 'JWT'],
  ])('%s is a 401 "Token is invalid, expired, or not supported"', async (_name, header) => {
    expect(await json(await get(`${API}/2.0/user`, header), 401)).toEqual(INVALID);
  });

  it('no Authorization at all is a 401 that says what to send', async () => {
    const body = await json<{ error: { message: string } }>(await get(`${API}/2.0/repositories/teamsinspace`, null), 401);
    expect(body.error.message).toMatch(/Authorization: Bearer/);
  });

  it('the Bearer scheme is case-insensitive', async () => {
    await json(await get(`${API}/2.0/user`, `bearer ${token}`));
  });

  it('uninstalling the app revokes its tokens', async () => {
    await bb.store.delete(bb.installation.clientKey);
    expect(await json(await get(`${API}/2.0/user`), 401)).toEqual(INVALID);
  });

  it('a token narrowed to one scope gets Bitbucket\'s 403 elsewhere', async () => {
    token = await bb.accessToken(`${GRANT_BODY}&scope=repository`);
    expect(await json(await get(`${API}/2.0/user`), 403)).toEqual({
      type: 'error',
      error: {
        message: 'Your credentials lack one or more required privilege scopes.',
        detail: { required: ['account'], granted: ['repository'] },
      },
    });
    await json(await get(`${API}/2.0/repositories/teamsinspace`));
  });
});

describe('REST: a repository-restricted token', () => {
  const repo = REPOS[12]!;

  beforeEach(async () => {
    token = await bb.accessToken(`${GRANT_BODY}&bitbucket_repository=${encodeURIComponent(repo.uuid)}`);
  });

  it('lists just its repository', async () => {
    const page = await json<Page>(await get(`${API}/2.0/repositories/teamsinspace`));
    expect(page.size).toBe(1);
    expect(page.values).toEqual([repo]);
  });

  it('reads its repository and is refused the others with a 403', async () => {
    await json(await get(`${API}/2.0/repositories/teamsinspace/${repo.slug}`));
    const body = await json<{ type: string; error: { message: string } }>(await get(`${API}/2.0/repositories/teamsinspace/docs`), 403);
    expect(body).toEqual({ type: 'error', error: { message: expect.stringContaining('restricted to the repository') } });
  });

  it('has no workspace-level permissions', async () => {
    await json(await get(`${API}/2.0/workspaces/teamsinspace`), 403);
  });
});

describe('REST: Authorization: JWT directly', () => {
  const signFor = (method: string, url: string, overrides: { sharedSecret?: string } = {}) =>
    signInstallationJwt({
      appKey: APP_KEY,
      clientKey: bb.installation.clientKey,
      sharedSecret: overrides.sharedSecret ?? SHARED_SECRET,
      method,
      url,
      baseUrl: API,
      now: () => T0,
    });

  it('is accepted with the qsh of that very request, relative to the API origin', async () => {
    const url = `${API}/2.0/repositories/teamsinspace?pagelen=5&page=2`;
    const page = await json<Page>(await get(url, `JWT ${await signFor('GET', url)}`));
    expect(page.values.map((r) => r.slug)).toEqual(REPOS.slice(5, 10).map((r) => r.slug));
  });

  it('works for a {uuid} path, hashed as fetch sends it', async () => {
    const url = `${API}/2.0/workspaces/${WS_UUID}`;
    await json(await get(url, `JWT ${await signFor('GET', url)}`));
  });

  it('is refused with the qsh of another request', async () => {
    const jwt = await signFor('GET', `${API}/2.0/user`);
    const body = await json<{ error: { message: string } }>(await get(`${API}/2.0/repositories/teamsinspace`, `JWT ${jwt}`), 401);
    expect(body.error.message).toMatch(/qsh/);
  });

  it('is refused with the wrong secret', async () => {
    const url = `${API}/2.0/user`;
    await json(await get(url, `JWT ${await signFor('GET', url, { sharedSecret: 'not-the-secret-0123456789' })}`), 401);
  });

  it('is refused in the query string, even with a correct qsh', async () => {
    const url = `${API}/2.0/user`;
    const jwt = await signFor('GET', url);
    const body = await json<{ error: { message: string } }>(await get(`${url}?jwt=${jwt}`, null), 401);
    expect(body.error.message).toMatch(/query string/);
  });
});

describe('REST: counts and log', () => {
  it('counts API calls by endpoint, failures included', async () => {
    await get(`${API}/2.0/user`);
    await get(`${API}/2.0/repositories/teamsinspace`);
    await get(`${API}/2.0/repositories/teamsinspace?page=2`);
    await get(`${API}/2.0/repositories/teamsinspace/docs`, null);
    expect(bb.mock.state.counts).toMatchObject({
      apiCalls: 4,
      byEndpoint: {
        'GET /2.0/user': 1,
        'GET /2.0/repositories/{workspace}': 2,
        'GET /2.0/repositories/{workspace}/{repo_slug}': 1,
      },
    });
    expect(bb.mock.state.log.slice(-4).map((e) => e.status)).toEqual([200, 200, 200, 401]);
  });
});
