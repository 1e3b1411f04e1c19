import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signInstallationJwt } from '../src/jwt/sign.ts';
import { TEAMS_IN_SPACE } from './fixtures/accounts.ts';
import { repositoryFixtures } from './fixtures/repositories.ts';
import type { BitbucketRepository } from './fixtures/types.ts';
import { CREDENTIAL_TYPES } from './api-auth.ts';
import { LAB_NOTES } from './lab-note.ts';
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
const PUBLIC_REPOS = REPOS.filter((repo) => !repo.is_private);
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

  // docs/protocol.md section 8: 404 "No workspace with identifier 'x'."
  it('an unknown workspace is a 404 with Bitbucket\'s error body, word for word', async () => {
    for (const url of [`${API}/2.0/workspaces/nope`, `${API}/2.0/repositories/nope`, `${API}/2.0/repositories/nope/docs`]) {
      for (const authorization of [`Bearer ${token}`, null]) {
        const body = await json<unknown>(await get(url, authorization), 404);
        expect(body).toEqual({ type: 'error', error: { message: "No workspace with identifier 'nope'." } });
      }
    }
  });

  it('/2.0/repositories/{workspace}/{repo_slug} by slug and by {uuid}; unknown is 404 (its wording the mock\'s own)', async () => {
    const repo = REPOS[7]!;
    expect(await json(await get(`${API}/2.0/repositories/teamsinspace/${repo.slug}`))).toEqual(repo);
    expect(await json(await get(`${API}/2.0/repositories/${WS_UUID}/${encodeURIComponent(repo.uuid)}`))).toEqual(repo);
    const unknown = await get(`${API}/2.0/repositories/teamsinspace/no-such-repo`);
    expect(await json(unknown, 404)).toEqual({ type: 'error', error: { message: 'Repository teamsinspace/no-such-repo not found' } });
    expect(unknown.headers.get('x-lab-note')).toContain(LAB_NOTES.apiRefusal);
  });

  // docs/protocol.md section 8: 404 "Resource not found" with a string detail; the detail as public clients quote it.
  it('other /2.0/ paths get Bitbucket\'s "Resource not found", marked as a path the mock does not serve', async () => {
    const response = await get(`${API}/2.0/repositories/teamsinspace/docs/pullrequests`);
    expect(await json(response, 404)).toEqual({
      type: 'error',
      error: { message: 'Resource not found', detail: expect.stringMatching(/^There is no API hosted at this URL\./) },
    });
    expect(response.headers.get('x-lab-note')).toBe(LAB_NOTES.unservedPath);
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
  // docs/protocol.md section 8: 401 "Token is invalid, expired, or not supported for this endpoint."
  it('an unknown token is a 401 "Token is invalid, expired, or not supported", as captured', async () => {
    const response = await get(`${API}/2.0/user`, 'Bearer no-such-token');
    expect(await json(response, 401)).toEqual(INVALID);
    expect(response.headers.get('x-lab-note')).toBeNull();
  });

  it.each([
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ['a JWT scheme without token', 'JWT'],
  ])('%s is a 401 "Token is invalid...", marked: Bitbucket\'s answer to it is not on record', async (_name, header) => {
    const response = await get(`${API}/2.0/user`, header);
    expect(await json(response, 401)).toEqual(INVALID);
    expect(response.headers.get('x-lab-note')).toBe(LAB_NOTES.apiRefusal);
  });

  it('the Bearer scheme is case-insensitive', async () => {
    await json(await get(`${API}/2.0/user`, `bearer ${token}`));
  });

  it('uninstalling the app revokes its tokens (the mock\'s assumption, marked)', async () => {
    await bb.store.delete(bb.installation.clientKey);
    const response = await get(`${API}/2.0/user`);
    expect(await json(response, 401)).toEqual(INVALID);
    expect(response.headers.get('x-lab-note')).toBe(LAB_NOTES.revokedOnUninstall);
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

  // docs/protocol.md section 8: a JWT in the query string of a REST call is not read: the call is anonymous.
  it('in the query string it is ignored, even with a correct qsh: public data only', async () => {
    const url = `${API}/2.0/repositories/teamsinspace`;
    const jwt = await signFor('GET', url);
    const response = await get(`${url}?jwt=${jwt}`, null);
    const page = await json<Page>(response);
    expect(page.values.map((r) => r.slug)).toEqual(PUBLIC_REPOS.map((r) => r.slug));
    expect(response.headers.get('x-credential-type')).toBeNull();
  });

  it('answers with the installation\'s scopes and the mock\'s own X-Credential-Type, marked', async () => {
    const url = `${API}/2.0/user`;
    const response = await get(url, `JWT ${await signFor('GET', url)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-oauth-scopes')).toBe('account, repository');
    expect(response.headers.get('x-credential-type')).toBe(CREDENTIAL_TYPES.jwt);
    expect(response.headers.get('x-lab-note')).toContain(LAB_NOTES.credentialType);
  });
});

describe('REST: counts and log', () => {
  it('counts API calls by endpoint, failures included', async () => {
    await get(`${API}/2.0/user`);
    await get(`${API}/2.0/repositories/teamsinspace`);
    await get(`${API}/2.0/repositories/teamsinspace?page=2`);
    await get(`${API}/2.0/repositories/teamsinspace/docs`, 'Bearer no-such-token');
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

describe('REST: no credentials get public data only, as on bitbucket.org (docs/protocol.md section 8)', () => {
  it('lists the public repositories with 200, not an error: fewer than the app sees, and no credential headers', async () => {
    const anonymous = await get(`${API}/2.0/repositories/teamsinspace?pagelen=100`, null);
    const page = await json<Page>(anonymous);
    expect(PUBLIC_REPOS.length, 'the fixture workspace has some public repositories').toBeGreaterThan(0);
    expect(page.size).toBe(PUBLIC_REPOS.length);
    expect(page.size).toBeLessThan(REPOS.length);
    expect(page.values.every((repo) => !repo.is_private)).toBe(true);
    // How to notice: no X-OAuth-Scopes, no X-Credential-Type [J].
    expect(anonymous.headers.get('x-oauth-scopes')).toBeNull();
    expect(anonymous.headers.get('x-credential-type')).toBeNull();
    expect(anonymous.headers.get('x-accepted-oauth-scopes')).toBe('repository');
    expect(anonymous.headers.get('x-lab-note'), 'recorded behaviour: not marked').toBeNull();
    const withToken = await json<Page>(await get(`${API}/2.0/repositories/teamsinspace?pagelen=100`));
    expect(withToken.size).toBe(REPOS.length);
  });

  it('reads a public repository; a private one is a 404 (the mock\'s choice, marked)', async () => {
    const publicRepo = PUBLIC_REPOS[0]!;
    const privateRepo = REPOS.find((repo) => repo.is_private)!;
    expect(await json(await get(`${API}/2.0/repositories/teamsinspace/${publicRepo.slug}`, null))).toEqual(publicRepo);
    const hidden = await get(`${API}/2.0/repositories/teamsinspace/${privateRepo.slug}`, null);
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('x-lab-note')).toBe(LAB_NOTES.apiRefusal);
  });

  it('the private workspace and /2.0/user have no anonymous answer on record: the mock\'s, marked', async () => {
    const workspace = await get(`${API}/2.0/workspaces/teamsinspace`, null);
    expect(await json(workspace, 404)).toEqual({ type: 'error', error: { message: "No workspace with identifier 'teamsinspace'." } });
    expect(workspace.headers.get('x-lab-note')).toBe(LAB_NOTES.anonymousAnswer);
    const user = await get(`${API}/2.0/user`, null);
    expect(user.status).toBe(401);
    expect(user.headers.get('x-lab-note')).toBe(LAB_NOTES.anonymousUser);
  });

  it('a scenario fault is for an app\'s call, never for an anonymous one', async () => {
    bb.mock.setScenario('rate-limited');
    expect((await get(`${API}/2.0/repositories/teamsinspace`, null)).status).toBe(200);
    expect((await get(`${API}/2.0/repositories/teamsinspace`)).status).toBe(429);
  });
});

describe('REST: the scope headers of [J] (support.atlassian.com/bitbucket-cloud/kb/how-to-fetch-the-scope-of-a-token-via-command-line)', () => {
  it('X-OAuth-Scopes: what the token has; X-Accepted-OAuth-Scopes: what the endpoint accepts; X-Credential-Type', async () => {
    const response = await get(`${API}/2.0/repositories/teamsinspace`);
    expect(response.headers.get('x-oauth-scopes')).toBe('account, repository');
    expect(response.headers.get('x-accepted-oauth-scopes')).toBe('repository');
    expect(response.headers.get('x-credential-type')).toBe(CREDENTIAL_TYPES.accessToken);
    expect((await get(`${API}/2.0/user`)).headers.get('x-accepted-oauth-scopes')).toBe('account');
  });

  it('a narrowed token shows its own scopes, on the 403 too', async () => {
    token = await bb.accessToken(`${GRANT_BODY}&scope=repository`);
    const refused = await get(`${API}/2.0/user`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-oauth-scopes')).toBe('repository');
    expect(refused.headers.get('x-accepted-oauth-scopes')).toBe('account');
  });
});

describe('REST: X-Lab-Note marks what the mock makes up, and only that', () => {
  const note = (response: Response) => response.headers.get('x-lab-note');

  it('recorded answers carry none: anonymous 200, 401 invalid and expired token, unknown workspace', async () => {
    expect(note(await get(`${API}/2.0/repositories/teamsinspace`, null))).toBeNull();
    expect(note(await get(`${API}/2.0/user`, 'Bearer no-such-token'))).toBeNull();
    expect(note(await get(`${API}/2.0/workspaces/nope`, null))).toBeNull();
    bb.clock.now = T0 + 7_200_000;
    const expired = await get(`${API}/2.0/user`);
    expect(expired.status).toBe(401);
    expect(note(expired)).toBeNull();
  });

  it('on an app\'s call, a recorded answer (403 missing scope, 429) is marked for the credential type only', async () => {
    token = await bb.accessToken(`${GRANT_BODY}&scope=repository`);
    expect(note(await get(`${API}/2.0/user`))).toBe(LAB_NOTES.credentialType);
    bb.mock.setScenario('rate-limited');
    const limited = await get(`${API}/2.0/repositories/teamsinspace`);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe('Rate limit for this resource has been exceeded');
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(note(limited)).toBe(LAB_NOTES.credentialType);
  });

  it('made-up answers are marked: the app user, a 500 body, a bad pagelen, a restricted token\'s 403', async () => {
    expect(note(await get(`${API}/2.0/user`))).toBe(`${LAB_NOTES.appUser}; ${LAB_NOTES.credentialType}`);
    expect(note(await get(`${API}/2.0/repositories/teamsinspace?pagelen=500`))).toContain(LAB_NOTES.apiRefusal);
    bb.mock.setScenario('server-error');
    expect(note(await get(`${API}/2.0/repositories/teamsinspace`))).toContain(LAB_NOTES.serverError);
    token = await bb.accessToken(`${GRANT_BODY}&bitbucket_repository=${encodeURIComponent(REPOS[0]!.uuid)}`);
    expect(note(await get(`${API}/2.0/workspaces/teamsinspace`))).toContain(LAB_NOTES.apiRefusal);
  });
});
