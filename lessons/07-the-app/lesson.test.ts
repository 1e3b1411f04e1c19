import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { repositoryFixtures } from '../../mocks/fixtures/repositories.ts';
import type { HttpExchange } from '../runner/exchange.ts';
import type { LessonContext } from '../runner/lesson.ts';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import lesson from './lesson.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const SECRET = 'lesson-7-test-shared-secret-0123456789abcdef';
const INSTALLATION = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SECRET }), { now: () => NOW });
const REPOSITORY = repositoryFixtures()[0]!;
const WHOLE_JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/;
const TOKEN_ENDPOINT = 'https://bitbucket.org/site/oauth2/access_token';

function step(title: string) {
  const found = lesson.steps.find((s) => s.title === title);
  if (!found) throw new Error(`lesson 7 has no step "${title}"`);
  return found;
}

/** Runs one step; returns what it printed (wrapped narration folded) and the exchanges it made. */
async function run(ctx: TestContext, title: string, as: LessonContext = ctx): Promise<{ out: string; exchanges: HttpExchange[] }> {
  const printed = ctx.output().length;
  const exchanged = ctx.exchanges.length;
  await step(title).run(as);
  return { out: ctx.output().slice(printed).replace(/\s+/g, ' '), exchanges: ctx.exchanges.slice(exchanged) };
}

/** `METHOD url → status` of each exchange, the query left out (it holds the page's JWT). */
function summary(exchanges: HttpExchange[]): string[] {
  return exchanges.map((e) => `${e.request.method} ${e.request.url.replace(/\?.*$/, '')} → ${e.response?.status ?? e.error}`);
}

/** The app's loopback URL, from the running app kept in the context's state. */
function appUrl(ctx: LessonContext): string {
  return (ctx.state.app as { running: { url: string } }).running.url;
}

/** Stops the app a failed test may have left running. */
async function closeApp(ctx: LessonContext): Promise<void> {
  await (ctx.state.app as { running: { close(): Promise<void> } } | undefined)?.running.close();
}

describe('Lesson 7: the Connect app, end to end (offline)', () => {
  let ctx: TestContext;
  let url = '';
  beforeAll(async () => {
    ctx = await createTestContext({ now: () => NOW, installations: [INSTALLATION] });
  });
  afterAll(async () => {
    await closeApp(ctx);
    await ctx.close();
  });

  it('needs the installation lesson 2 stores, and has its steps in teaching order', () => {
    expect(lesson.requires, 'it re-installs the workspace of lesson 2, signed with the stored secret').toBe('installation');
    expect(lesson.steps.map((s) => s.title)).toEqual([
      'Start the app in this process',
      'Read its descriptor, as Bitbucket does at install time',
      'Install it: Bitbucket POSTs the signed installed payload',
      "Open the repository page, as Bitbucket's iframe does",
      'Open it again: the access token comes from the cache',
      'Stop the app, then do it all by hand',
    ]);
  });

  it('Step 1: Start the app in this process', async () => {
    const { out, exchanges } = await run(ctx, 'Start the app in this process');
    url = appUrl(ctx);
    expect(url, 'the app listens on loopback, on a port the system picked').toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(summary(exchanges), 'the lesson checks the app is up, over real HTTP').toEqual([`GET ${url}/healthcheck → 200`]);
    expect(out, 'the app\'s own log is shown, collected, not written to the console').toContain(`listening url=${url} baseUrl=http://localhost:3000 mode=offline`);
  });

  it('Step 2: Read its descriptor, as Bitbucket does at install time', async () => {
    const { out, exchanges } = await run(ctx, 'Read its descriptor, as Bitbucket does at install time');
    expect(summary(exchanges), 'Bitbucket\'s first request to an app').toEqual([`GET ${url}/atlassian-connect.json → 200`]);
    expect(out, 'the lifecycle URL is the descriptor\'s baseUrl plus its path').toContain(
      'it will POST the installation to **http://localhost:3000/installed**',
    );
  });

  it('Step 3: Install it: Bitbucket POSTs the signed installed payload', async () => {
    const { out, exchanges } = await run(ctx, 'Install it: Bitbucket POSTs the signed installed payload');
    expect(summary(exchanges), 'the app accepts the installed call with 204').toEqual([`POST ${url}/installed → 204`]);
    expect(exchanges[0]?.request.headers, 'signed as Bitbucket signs it').toContainEqual(['authorization', expect.stringMatching(/^JWT eyJ/)]);
    expect(out, 'lesson 2 installed this workspace already: the app sees a re-install').toContain('outcome=reinstalled');
    expect(out, 'and the lesson explains why the app accepted it').toContain('signed with the secret it had stored');
    expect((await ctx.store.get(INSTALLATION.clientKey))?.sharedSecret, 'a re-install signed with the stored secret keeps it').toBe(SECRET);
  });

  it("Step 4: Open the repository page, as Bitbucket's iframe does", async () => {
    const { out, exchanges } = await run(ctx, "Open the repository page, as Bitbucket's iframe does");
    expect(summary(exchanges), 'inside the page load: one JWT grant and one REST call, then the page').toEqual([
      `POST ${TOKEN_ENDPOINT} → 200`,
      `GET https://api.bitbucket.org/2.0/repositories/${encodeURIComponent(INSTALLATION.principal!.uuid!)}/${encodeURIComponent(REPOSITORY.uuid)} → 200`,
      `GET ${url}/oauth-callback → 200`,
    ]);
    expect(exchanges[0]?.request.body, 'the only token is restricted to the repository').toContain(
      `bitbucket_repository=${encodeURIComponent(REPOSITORY.uuid)}`,
    );
    expect(ctx.mock?.state.counts, 'Bitbucket saw the grant and the API call').toMatchObject({ exchanges: 1, tokensIssued: 1, apiCalls: 1 });
    // The API call carried the restricted token: the mock's record of the Bearer token says so.
    const apiCall = ctx.mock!.state.log.find((entry) => entry.url.startsWith('https://api.bitbucket.org/2.0/repositories/'));
    const bearer = /^Bearer (.+)$/.exec(apiCall?.headers.authorization ?? '')?.[1] ?? '';
    expect(ctx.mock!.state.tokens.get(bearer), 'the API call used the token restricted to this repository').toMatchObject({
      clientKey: INSTALLATION.clientKey,
      repository: REPOSITORY.uuid,
    });
    expect(out, 'the lesson says which token the call carried').toContain('that restricted token');
    expect(out, 'and that there is no fallback').toContain('never falls back to a broader token');
    expect(out, 'the repository name comes from the HTML the app returned').toContain(
      `shows the repository **${REPOSITORY.name}** (\`${REPOSITORY.full_name}\`)`,
    );
    expect(out, 'the mock\'s side of the same page load').toContain('GET /2.0/repositories/{workspace}/{repo_slug} → 200');
    expect(out, 'the claims the app verified: Bitbucket signs as the installation').toContain(`iss = aud = ${INSTALLATION.clientKey}, exp - iat = 3600 s`);
  });

  it('Step 5: Open it again: the access token comes from the cache', async () => {
    const { out, exchanges } = await run(ctx, 'Open it again: the access token comes from the cache');
    expect(summary(exchanges), 'no token request this time: only the REST call, then the page').toEqual([
      `GET https://api.bitbucket.org/2.0/repositories/${encodeURIComponent(INSTALLATION.principal!.uuid!)}/${encodeURIComponent(REPOSITORY.uuid)} → 200`,
      `GET ${url}/oauth-callback → 200`,
    ]);
    expect(ctx.mock?.state.counts.exchanges, 'the token endpoint was not called again').toBe(1);
    expect(out).toContain('No request to the token endpoint this time');
    // The clock stands still in this test: the second JWT has the same claims, so the same bytes. The lesson says so, not "fresh".
    expect(out).toContain('This JWT is **byte-identical** to the one of the first load');
    expect(out).not.toMatch(/fresh JWT/);
  });

  it('Step 6: Stop the app, then do it all by hand', async () => {
    const { out } = await run(ctx, 'Stop the app, then do it all by hand');
    expect(ctx.state.app, 'the app is gone from the run\'s state').toBeUndefined();
    expect(out, 'a graceful shutdown, in the app\'s own log').toContain('shutdown complete');
    await expect(fetch(`${url}/healthcheck`), 'nothing listens on the app\'s port any more').rejects.toThrow();
    await expect(ctx.store.list(), 'the app\'s shutdown leaves the runner\'s store open').resolves.toHaveLength(1);
    expect(out, 'the learner is told how to do it by hand').toContain('npm run rehearse');
    expect(out, 'and live').toContain('ngrok http 3000');
  });

  it('never prints the shared secret, an access token or a whole JWT', () => {
    const output = ctx.output();
    expect(output).not.toContain(SECRET);
    for (const token of ctx.mock?.state.tokens.keys() ?? []) expect(output.includes(token), `access token ${token.slice(0, 4)}… printed whole`).toBe(false);
    expect(output).not.toMatch(WHOLE_JWT);
  });
});

describe('Lesson 7 when something goes wrong', () => {
  let ctx: TestContext;
  afterAll(async () => {
    await closeApp(ctx);
    await ctx.close();
  });

  it("Step 4 reports the app's refusal with its code, and stops the app", async () => {
    const missing = '{00000000-1111-4222-8333-444444444444}';
    ctx = await createTestContext({ now: () => NOW, installations: [INSTALLATION], flags: { 'repo-uuid': missing } });
    for (const title of lesson.steps.slice(0, 3).map((s) => s.title)) await step(title).run(ctx);
    const url = appUrl(ctx);
    await expect(
      step("Open the repository page, as Bitbucket's iframe does").run(ctx),
      'the restricted grant is refused (the mock knows no such repository): the app says so, with no API call',
    ).rejects.toMatchObject({
      code: 'ERR_APP_ANSWER',
      lesson: 7,
      message: expect.stringMatching(/HTTP 502 .*ERR_GRANT_REJECTED/),
    });
    expect(ctx.mock!.state.counts.apiCalls, 'no fallback to a broader token: no API call at all').toBe(0);
    expect(ctx.state.app, 'a failed step leaves no server behind').toBeUndefined();
    await expect(fetch(`${url}/healthcheck`)).rejects.toThrow();
  });

  it('Step 1 refuses a malformed --repo-uuid before starting anything', async () => {
    const bad = await createTestContext({ now: () => NOW, installations: [INSTALLATION], flags: { 'repo-uuid': 'launch-control' } });
    try {
      await expect(step('Start the app in this process').run(bad), 'a UUID in braces, named by its flag').rejects.toMatchObject({
        code: 'ERR_REPO_UUID_FLAG',
        message: expect.stringContaining('--repo-uuid="launch-control" is not a repository UUID'),
      });
      expect(bad.state.app, 'no app was started').toBeUndefined();
      expect(bad.exchanges, 'no request was sent').toEqual([]);
    } finally {
      await closeApp(bad);
      await bad.close();
    }
  });
});

describe('Lesson 7 with SCENARIO=server-error', () => {
  it("Step 4: the app recovers from Bitbucket's one-time 500, and the lesson says so", async () => {
    const ctx = await createTestContext({ now: () => NOW, installations: [INSTALLATION], env: { SCENARIO: 'server-error' } });
    try {
      for (const title of lesson.steps.slice(0, 3).map((s) => s.title)) await step(title).run(ctx);
      const { out, exchanges } = await run(ctx, "Open the repository page, as Bitbucket's iframe does");
      expect(summary(exchanges).filter((line) => line.includes('/2.0/repositories/')), 'a 500, then the retry that succeeds').toEqual([
        expect.stringMatching(/ → 500$/),
        expect.stringMatching(/ → 200$/),
      ]);
      expect(out, 'the page still loads: the learner is told why').toContain('With SCENARIO=server-error, Bitbucket answered with an error and the app recovered');
    } finally {
      await closeApp(ctx);
      await ctx.close();
    }
  });
});

describe('Lesson 7 when the workspace is new to the app', () => {
  it('Step 3 is a first install, trusted on first use', async () => {
    const elsewhere = installationFromPayload(
      installedPayload({
        appKey: 'jwt-grant-tutorial',
        sharedSecret: SECRET,
        workspace: { slug: 'elsewhere', name: 'Elsewhere', uuid: '{9d3c1a7e-5b2f-4e8d-a6c4-0f1e2d3c4b5a}', createdOn: '2024-01-01T00:00:00.000000+00:00' },
      }),
      { now: () => NOW },
    );
    const ctx = await createTestContext({ now: () => NOW, installations: [elsewhere] });
    try {
      for (const title of lesson.steps.slice(0, 2).map((s) => s.title)) await step(title).run(ctx);
      const { out } = await run(ctx, 'Install it: Bitbucket POSTs the signed installed payload');
      expect(out, 'an unknown clientKey is a first install').toContain('outcome=installed');
      expect(out).toContain('a **first install**, trusted on first use');
      expect(await ctx.store.list(), 'the new workspace is stored beside the other').toHaveLength(2);
    } finally {
      await closeApp(ctx);
      await ctx.close();
    }
  });
});

describe('Lesson 7 with LIVE=1 (Bitbucket answered by the mock, the network untouched)', () => {
  it('Step 1 asks for --repo-uuid: the lesson cannot guess a real repository', async () => {
    const ctx = await createTestContext({ now: () => NOW, installations: [INSTALLATION], env: { BASE_URL: 'https://abc123.ngrok.app' } });
    const live: LessonContext = { ...ctx, live: true, config: { ...ctx.config, live: true } };
    try {
      await expect(step('Start the app in this process').run(live), 'it says how to find a repository UUID').rejects.toMatchObject({
        code: 'ERR_REPO_UUID_FLAG',
        message: expect.stringContaining('With LIVE=1'),
      });
      expect(ctx.state.app, 'no app was started').toBeUndefined();
    } finally {
      await closeApp(ctx);
      await ctx.close();
    }
  });

  it('does not play the install, and opens the page for the repository named by --repo-uuid', async () => {
    const ctx = await createTestContext({
      now: () => NOW,
      installations: [INSTALLATION],
      env: { BASE_URL: 'https://abc123.ngrok.app' },
      flags: { 'repo-uuid': REPOSITORY.uuid },
    });
    const live: LessonContext = { ...ctx, live: true, config: { ...ctx.config, live: true } };
    try {
      for (const title of lesson.steps.slice(0, 2).map((s) => s.title)) await step(title).run(live);
      const install = await run(ctx, 'Install it: Bitbucket POSTs the signed installed payload', live);
      expect(install.exchanges, 'no made-up install is posted next to the real one').toEqual([]);
      expect(install.out).toContain('LIVE: real Bitbucket installed the app');
      const { out } = await run(ctx, "Open the repository page, as Bitbucket's iframe does", live);
      expect(out, 'signed with the stored installation, verified against the https BASE_URL').toContain(`**${REPOSITORY.name}**`);
    } finally {
      await closeApp(ctx);
      await ctx.close();
    }
  });
});
