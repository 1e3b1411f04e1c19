import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { DEFAULT_SCOPES } from '../../src/connect/descriptor.ts';
import { TEAMS_IN_SPACE } from '../../mocks/fixtures/accounts.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { runLessonScript } from '../runner/run-script.ts';
import { createTestContext, type TestContext, type TestContextOptions } from '../runner/test-context.ts';
import lesson from './lesson.ts';

const SHARED_SECRET = 'lesson-5-test-shared-secret-0123456789abcdef';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SHARED_SECRET }), {
  // What the lab's descriptor names (lesson 1); a descriptor naming none would be granted every scope.
  scopes: [...DEFAULT_SCOPES],
  now: () => NOW,
});
const WORKSPACE = encodeURIComponent(TEAMS_IN_SPACE.uuid);
const API = 'https://api.bitbucket.org/2.0';

function step(title: string) {
  const found = lesson.steps.find((s) => s.title === title);
  if (!found) throw new Error(`lesson 5 has no step "${title}"`);
  return found;
}

/** The output a step adds, run after the steps before it. */
async function runStep(ctx: TestContext, title: string): Promise<string> {
  const before = ctx.output().length;
  await step(title).run(ctx);
  return ctx.output().slice(before);
}

/** `METHOD url → status` of every exchange since `from`. */
function wire(ctx: TestContext, from = 0): string[] {
  return ctx.exchanges.slice(from).map((e) => `${e.request.method} ${e.request.url} → ${e.response?.status ?? 'none'}`);
}

function context(o: TestContextOptions = {}): Promise<TestContext> {
  return createTestContext({ installations: [installation], now: () => NOW, ...o });
}

describe('Lesson 5: calling the REST API (offline, SCENARIO=happy)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await context();
  });
  afterAll(() => ctx.close());

  it('has its steps in teaching order, and needs an installation', () => {
    expect(lesson.requires, 'the runner must make sure lesson 2 stored an installation').toBe('installation');
    expect(lesson.steps.map((s) => s.title)).toEqual([
      'Get the workspace with a Bearer token',
      'List every repository, page by page',
      'Forget the token: Bitbucket answers anyway',
      'Get one repository and its clone URL',
      'Restrict a token to one repository',
      'See a 401: the client refreshes the token and retries',
      'See a 429: the client backs off on its own',
      'Reuse the token: count the exchanges',
      'Report what SCENARIO did',
    ]);
  });

  it('Step 1: Get the workspace with a Bearer token', async () => {
    const out = await runStep(ctx, 'Get the workspace with a Bearer token');
    expect(wire(ctx), 'the cache exchanges a JWT first, then the API call carries the token').toEqual([
      'POST https://bitbucket.org/site/oauth2/access_token → 200',
      `GET ${API}/workspaces/${WORKSPACE} → 200`,
    ]);
    const authorization = ctx.exchanges[1]?.request.headers.find(([name]) => name === 'authorization')?.[1];
    expect(authorization, 'REST calls use the Bearer scheme').toMatch(/^Bearer \S{20,}$/);
    expect(out, 'the workspace UUID is URL-encoded in the path, braces included').toContain(`/2.0/workspaces/${WORKSPACE}`);
    expect(out).toContain('Workspace: Teams in Space (slug teamsinspace');
  });

  it('Step 2: List every repository, page by page', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'List every repository, page by page');
    expect(wire(ctx, from), "three pages of Bitbucket's default 10, following next, with the cached token").toEqual([
      `GET ${API}/repositories/${WORKSPACE} → 200`,
      `GET ${API}/repositories/${WORKSPACE}?page=2 → 200`,
      `GET ${API}/repositories/${WORKSPACE}?page=3 → 200`,
    ]);
    expect(out, 'each page and its next link').toMatch(/│ 1\s+│ \(no query\)\s+│ 10\s+│ \?page=2\s+│/);
    expect(out).toMatch(/│ 3\s+│ \?page=3\s+│ 3\s+│ none: last page\s+│/);
    expect(out, 'every repository of the workspace').toContain('**23 repositories** in 3 pages');
    expect(out, 'a few names, not all 23: the table already shows the counts').toMatch(/`teamsinspace\/fuel-monitor`\s+and\s+20\s+more\./);
    expect(out, 'the last repository is not listed by name').not.toContain('`teamsinspace/sandbox`');
  });

  // docs/protocol.md section 8: no credentials, or a JWT in the query string, is 200 with public data only.
  it('Step 3: Forget the token: Bitbucket answers anyway', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'Forget the token: Bitbucket answers anyway');
    expect(wire(ctx, from).map((line) => line.replace(/jwt=[\w.-]+/, 'jwt=…')), 'three listings, all 200, no exchange').toEqual([
      `GET ${API}/repositories/${WORKSPACE} → 200`,
      `GET ${API}/repositories/${WORKSPACE} → 200`,
      `GET ${API}/repositories/${WORKSPACE}?jwt=… → 200`,
    ]);
    const authorization = (i: number) => ctx.exchanges[from + i]?.request.headers.find(([name]) => name === 'authorization')?.[1];
    expect(authorization(0)).toMatch(/^Bearer /);
    expect(authorization(1), 'the second call has no Authorization header').toBeUndefined();
    expect(authorization(2)).toBeUndefined();
    const headerNames = (i: number) => ctx.exchanges[from + i]?.response?.headers.map(([name]) => name) ?? [];
    expect(headerNames(0)).toEqual(expect.arrayContaining(['x-oauth-scopes', 'x-credential-type']));
    expect(headerNames(1), 'how to notice: no X-OAuth-Scopes, no X-Credential-Type').not.toContain('x-oauth-scopes');
    expect(headerNames(1)).not.toContain('x-credential-type');
    expect(out, 'size: all 23 with the token, the 4 public ones without').toMatch(/│ `size` \(repositories in all\)\s+│ `23`\s+│ `4`\s+│ `4`\s+│/);
    expect(out, 'no private repository without the token').toMatch(/│ private ones on the first page\s+│ `\d+`\s+│ `0`\s+│ `0`\s+│/);
    expect(out, 'the silent failure is named').toContain('**All three succeed.**');
    expect(out, 'and how to notice it').toContain('a missing `X-OAuth-Scopes`');
    expect(ctx.output(), 'the JWT in the query string is redacted like every JWT').not.toMatch(/jwt=eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/);
  });

  it('Step 4: Get one repository and its clone URL', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'Get one repository and its clone URL');
    expect(wire(ctx, from), 'one call, no exchange: the token comes from the cache').toEqual([
      `GET ${API}/repositories/${WORKSPACE}/${encodeURIComponent('{65fa11c2-8dfe-43d2-ac01-01c3c8ed00f1}')} → 200`,
    ]);
    expect(out, 'the clone URL carries x-token-auth and the token, redacted').toMatch(
      /https:\/\/x-token-auth:[\w-]{4}…\(64 chars\)@bitbucket\.org\/teamsinspace\/launch-control\.git/,
    );
    const token = [...(ctx.mock?.state.tokens.keys() ?? [])][0] ?? '';
    expect(token, 'the mock issued one token').toHaveLength(64);
    expect(ctx.output(), 'the token never appears whole').not.toContain(token);
  });

  it('Step 5: Restrict a token to one repository', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'Restrict a token to one repository');
    expect(wire(ctx, from), 'a second exchange, one repository listed, then two refusals').toEqual([
      'POST https://bitbucket.org/site/oauth2/access_token → 200',
      `GET ${API}/repositories/${WORKSPACE} → 200`,
      `GET ${API}/repositories/${WORKSPACE}/${encodeURIComponent('{77326ffc-597b-4ae7-af26-a53cf1c26e07}')} → 403`,
      `GET ${API}/workspaces/${WORKSPACE} → 403`,
    ]);
    expect(ctx.exchanges[from]?.request.body, 'the restriction is the form field bitbucket_repository').toContain(
      `bitbucket_repository=${encodeURIComponent('{65fa11c2-8dfe-43d2-ac01-01c3c8ed00f1}')}`,
    );
    expect(out, 'the restricted token sees its repository only').toContain('The restricted token sees **1** repository: `teamsinspace/launch-control`');
    expect(out.match(/Refused \(HTTP 403\): `ERR_API`/g), 'both refusals map to the typed error').toHaveLength(2);
  });

  it('Step 6: See a 401: the client refreshes the token and retries', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'See a 401: the client refreshes the token and retries');
    expect(wire(ctx, from), '401, a fresh JWT exchanged, the call repeated once').toEqual([
      `GET ${API}/workspaces/${WORKSPACE} → 401`,
      'POST https://bitbucket.org/site/oauth2/access_token → 200',
      `GET ${API}/workspaces/${WORKSPACE} → 200`,
    ]);
    expect(ctx.exchanges[from]?.response?.body, "Bitbucket's words for an expired token").toContain('Access token expired.');
    const bearer = (i: number) => ctx.exchanges[i]?.request.headers.find(([name]) => name === 'authorization')?.[1];
    expect(bearer(from + 2), 'the retry carries the new token, not the refused one').not.toBe(bearer(from));
    expect(out).toContain('Exchanges by the cache: 2 before, 3 after');
    expect(ctx.mock?.state.scenario, 'the lesson puts the mock back to normal').toBe('happy');
  });

  it('Step 7: See a 429: the client backs off on its own', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'See a 429: the client backs off on its own');
    expect(wire(ctx, from), 'the 429, then the same call after the wait, with no new exchange').toEqual([
      `GET ${API}/workspaces/${WORKSPACE} → 429`,
      `GET ${API}/workspaces/${WORKSPACE} → 200`,
    ]);
    const headers = ctx.exchanges[from]?.response?.headers ?? [];
    expect(headers.map(([name]) => name), "Bitbucket's 429 names no wait (docs/protocol.md section 8, Jenkins plugin PR 414)").not.toContain('retry-after');
    expect(headers, 'a plain-text body, as captured').toContainEqual(['content-type', 'text/plain']);
    expect(ctx.exchanges[from]?.response?.body).toBe('Rate limit for this resource has been exceeded');
    const wait = /The client waits (\d+) ms before trying again\./.exec(out);
    expect(wait, 'the client says how long it waits').not.toBeNull();
    expect(Number(wait?.[1]), 'the offline policy: 100 to 500 ms').toBeGreaterThanOrEqual(100);
    expect(Number(wait?.[1])).toBeLessThanOrEqual(500);
    expect(out, 'the live policy is minutes, and why').toContain('waits between 30 s and 1 min');
    expect(out, 'the limit Connect apps get, per Atlassian [F]').toContain('**1,000 an hour**');
  });

  it('Step 8: Reuse the token: count the exchanges', async () => {
    const from = ctx.exchanges.length;
    const out = await runStep(ctx, 'Reuse the token: count the exchanges');
    expect(wire(ctx, from), 'one more call, and no exchange').toEqual([`GET ${API}/workspaces/${WORKSPACE} → 200`]);
    expect(out, 'three exchanges all run long: first token, restricted token, after the 401').toMatch(/│ Token exchanges by the cache\s+│ 3\s+│ 3\s+│/);
    expect(out, 'what Bitbucket received agrees').toMatch(/│ Token requests Bitbucket received\s+│ 3\s+│ 3\s+│/);
    expect(ctx.mock?.state.counts.exchanges, 'the mock saw as many exchanges as the cache made').toBe(3);
  });

  it('Step 9: Report what SCENARIO did', async () => {
    const out = await runStep(ctx, 'Report what SCENARIO did');
    expect(out, 'with the default scenario, the lesson lists the others to try').toContain('SCENARIO was `happy`');
    expect(out).toContain('`SCENARIO=rate-limited npm run lesson 5`');
  });

  it('never prints the shared secret or an access token whole', () => {
    const out = ctx.output();
    expect(out).not.toContain(SHARED_SECRET);
    for (const token of ctx.mock?.state.tokens.keys() ?? []) expect(out).not.toContain(token);
  });
});

describe('Lesson 5 with SCENARIO set by the learner', () => {
  it('Step 1 and step 8 under SCENARIO=expired-token: the client recovers, and the report says how', async () => {
    const ctx = await context({ env: { SCENARIO: 'expired-token' } });
    try {
      await step('Get the workspace with a Bearer token').run(ctx);
      expect(wire(ctx), 'exchange, 401, fresh exchange, retry').toEqual([
        'POST https://bitbucket.org/site/oauth2/access_token → 200',
        `GET ${API}/workspaces/${WORKSPACE} → 401`,
        'POST https://bitbucket.org/site/oauth2/access_token → 200',
        `GET ${API}/workspaces/${WORKSPACE} → 200`,
      ]);
      const out = await runStep(ctx, 'Report what SCENARIO did');
      expect(out).toContain('**SCENARIO=expired-token**: Access token expired.');
      expect(out, 'the answers Bitbucket gave, in order').toContain('GET /2.0/workspaces/{workspace} → 401');
      expect(out).toContain('The client recovered');
    } finally {
      await ctx.close();
    }
  });

  it('Step 1 under SCENARIO=rate-limited: Bitbucket\'s 429 names no wait, the client backs off briefly and recovers', async () => {
    const ctx = await context({ env: { SCENARIO: 'rate-limited' } });
    try {
      const out = await runStep(ctx, 'Get the workspace with a Bearer token');
      expect(wire(ctx), 'exchange, 429, the same call again').toEqual([
        'POST https://bitbucket.org/site/oauth2/access_token → 200',
        `GET ${API}/workspaces/${WORKSPACE} → 429`,
        `GET ${API}/workspaces/${WORKSPACE} → 200`,
      ]);
      expect(out).toMatch(/The client waits [1-5]\d\d ms before trying again\./);
      const report = await runStep(ctx, 'Report what SCENARIO did');
      expect(report).toContain('The client recovered');
    } finally {
      await ctx.close();
    }
  });

  it('Step 1 and step 8 under SCENARIO=slow: the client gives up with ERR_TIMEOUT, and the lesson goes on', async () => {
    const ctx = await context({ env: { SCENARIO: 'slow' }, flags: { 'timeout-ms': '200' } });
    try {
      const out = await runStep(ctx, 'Get the workspace with a Bearer token');
      expect(out, 'a hanging Bitbucket ends in a typed timeout, after one retry').toContain('the client gave up, as it should, with `ERR_TIMEOUT`');
      expect(out, 'then the call succeeds against a Bitbucket that answers').toContain('Workspace: Teams in Space');
      const report = await runStep(ctx, 'Report what SCENARIO did');
      expect(report).toContain('The client could not recover and stopped with `ERR_TIMEOUT`');
    } finally {
      await ctx.close();
    }
  });

  it('Step 2 refuses a pagelen Bitbucket would refuse, naming the flag', async () => {
    const ctx = await context({ flags: { pagelen: '500' } });
    try {
      await expect(step('List every repository, page by page').run(ctx)).rejects.toMatchObject({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringContaining('--pagelen=500'),
      });
      expect(ctx.exchanges, 'nothing was sent').toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('Step 2 with --pagelen=100: one page, no next', async () => {
    const ctx = await context({ flags: { pagelen: '100' } });
    try {
      await step('List every repository, page by page').run(ctx);
      expect(wire(ctx).filter((line) => line.startsWith('GET'))).toEqual([`GET ${API}/repositories/${WORKSPACE}?pagelen=100 → 200`]);
      expect(ctx.output()).toContain('**23 repositories** in 1 page');
    } finally {
      await ctx.close();
    }
  });
});

describe('Lesson 5 in live mode', () => {
  it('the 401 and 429 steps send nothing and say why', async () => {
    const ctx = await context({ mock: false });
    try {
      // Live mode without the network: only steps that must not send anything.
      const live = { ...ctx, live: true, config: { ...ctx.config, live: true } };
      const { mock: _mock, ...withoutMock } = live;
      for (const title of ['See a 401: the client refreshes the token and retries', 'See a 429: the client backs off on its own', 'Report what SCENARIO did']) {
        await step(title).run(withoutMock);
      }
      expect(ctx.exchanges, 'no request at all').toEqual([]);
      expect(ctx.output()).toContain('Skipped in live mode: real Bitbucket cannot be asked to expire a token');
      expect(ctx.output(), 'the live 429 policy is still explained').toContain('waits between 30 s and 1 min');
      expect(ctx.output()).toContain('`SCENARIO` only steers the simulated Bitbucket');
    } finally {
      await ctx.close();
    }
  });
});

describe('Lesson 5 from the command line', () => {
  it('runs all its steps with --yes against a stored installation, without leaking a token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lesson-5-'));
    const store = openSqliteStore({ dataDir });
    await store.save(installation);
    await store.close();
    const run = await runLessonScript(5, [], { dataDir });
    expect(run.code, `${run.stdout.slice(-3000)}\n${run.stderr}`).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('✓ Step ')).length, 'every step passed').toBe(lesson.steps.length);
    expect(run.stdout).not.toContain(SHARED_SECRET);
    expect(run.stdout, 'access tokens appear only redacted').not.toMatch(/Bearer [\w-]{20,}/);
    expect(run.stdout, 'the run ends with what to do next').toMatch(/Next: npm run lesson 6|That was the last lesson/);
  });

  it('says which lesson to run first when no installation is stored, without a stack trace', async () => {
    const run = await runLessonScript(5, [], { dataDir: mkdtempSync(join(tmpdir(), 'lesson-5-')), yes: false });
    expect(run.code, 'no installation: the lesson cannot run').toBe(1);
    expect(run.stdout).toContain('No installation yet');
    expect(`${run.stdout}${run.stderr}`, 'never a stack trace').not.toMatch(/^\s+at /m);
  });
});
