import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { DEFAULT_SCOPES } from '../../src/connect/descriptor.ts';
import { decodeUnverified } from '../../src/jwt/verify.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { runLessonScript } from '../runner/run-script.ts';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import lesson from './lesson.ts';

const SHARED_SECRET = 'lesson-4-test-shared-secret-0123456789abcdef';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SHARED_SECRET }), {
  // What the lab's descriptor names (lesson 1); a descriptor naming none would be granted every scope.
  scopes: [...DEFAULT_SCOPES],
  now: () => NOW,
});

function step(title: string) {
  const found = lesson.steps.find((s) => s.title === title);
  if (!found) throw new Error(`lesson 4 has no step "${title}"`);
  return found;
}

/** The output a step adds, run after the steps before it. */
async function runStep(ctx: TestContext, title: string): Promise<string> {
  const before = ctx.output().length;
  await step(title).run(ctx);
  return ctx.output().slice(before);
}

describe('Lesson 4: swapping the JWT for an access token (offline)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ installations: [installation], now: () => NOW });
  });
  afterAll(() => ctx.close());

  it('has its steps in teaching order, and needs an installation', () => {
    expect(lesson.requires, 'the runner must make sure lesson 2 stored an installation').toBe('installation');
    expect(lesson.steps.map((s) => s.title)).toEqual([
      'Swap a signed JWT for an access token',
      'Write the same request as raw HTTP and as curl',
      'Read the token response field by field',
      'Mistake: the Bearer scheme instead of JWT',
      'Mistake: an expired JWT',
      'Mistake: a JWT signed with the wrong secret',
      'Mistake: no grant_type in the body',
      'Compare the four answers',
    ]);
  });

  it('Step 1: Swap a signed JWT for an access token', async () => {
    const out = await runStep(ctx, 'Swap a signed JWT for an access token');
    const exchange = ctx.exchanges.at(-1);
    expect(exchange?.request.method, 'the JWT grant is a POST').toBe('POST');
    expect(exchange?.request.url, 'to the token endpoint on the web origin, not the API').toBe('https://bitbucket.org/site/oauth2/access_token');
    const authorization = exchange?.request.headers.find(([name]) => name === 'authorization')?.[1] ?? '';
    expect(authorization, 'the scheme is JWT, case-sensitive').toMatch(/^JWT eyJ/);
    expect(exchange?.request.body, 'the grant type, form-encoded').toBe('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
    expect(exchange?.response?.status, 'the mock accepts the JWT').toBe(200);

    const { claims } = decodeUnverified(authorization.slice(4));
    expect(claims, 'iss is the app key, sub the clientKey').toMatchObject({ iss: 'jwt-grant-tutorial', sub: installation.clientKey });
    expect(out, 'the claims are explained with readable times').toContain('`iat` 2026-01-01 00:00:00 UTC, `exp` 2026-01-01 00:03:00 UTC: valid for 3 min');
    expect(out, 'the qsh is explained as the hash of the canonical request').toContain('SHA-256 of `POST&/site/oauth2/access_token&`');
    expect(out, 'the exchange is printed with its request line').toContain('→ POST https://bitbucket.org/site/oauth2/access_token');
  });

  it('Step 2: Write the same request as raw HTTP and as curl', async () => {
    const out = await runStep(ctx, 'Write the same request as raw HTTP and as curl');
    expect(out, 'the raw request line has the path only; the host goes in Host').toContain('POST /site/oauth2/access_token HTTP/1.1');
    expect(out).toContain('Host: bitbucket.org');
    expect(out, 'curl sends the JWT with -H and the JWT scheme').toMatch(/-H 'Authorization: JWT eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{4}…\(\d+ chars\)'/);
    expect(out, 'curl must not use -u: that would be Basic authentication').not.toMatch(/\s-u\s/);
    expect(out, 'the grant type goes with --data-urlencode').toContain("--data-urlencode 'grant_type=urn:bitbucket:oauth2:jwt'");
    expect(out, 'the JWT signature is redacted').not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/);
  });

  it('Step 3: Read the token response field by field', async () => {
    const out = await runStep(ctx, 'Read the token response field by field');
    const token = JSON.parse(ctx.exchanges[0]?.response?.body ?? '{}') as { access_token?: string };
    expect(token.access_token, 'the mock issued a token').toBeTruthy();
    expect(out, 'the access token never appears whole').not.toContain(token.access_token);
    expect(out, 'the access token is shown by its prefix and length').toContain(`${token.access_token?.slice(0, 4)}…(${token.access_token?.length} chars)`);
    expect(out, 'scopes is one space-separated string').toContain('"account repository"');
    expect(out, 'expires_in in seconds, as Bitbucket sends it').toContain('`7200`');
    expect(out, 'the expiry as a readable time, counted from when the request was sent').toContain('2026-01-01 02:00:00 UTC**, in 2 h 0 min');
    expect(out, 'the JWT grant has no refresh token').toContain('no `refresh_token`');
    expect(out, "state's value for the JWT grant is not documented: the lesson must not invent a meaning").toContain(
      'not documented',
    );
    expect(out, 'nor call the mock\'s value Bitbucket\'s own label').not.toContain('label for the grant');
  });

  it('Step 4: Mistake: the Bearer scheme instead of JWT', async () => {
    const out = await runStep(ctx, 'Mistake: the Bearer scheme instead of JWT');
    const exchange = ctx.exchanges.at(-1);
    expect(exchange?.request.headers.find(([name]) => name === 'authorization')?.[1], 'the broken request went on the wire').toMatch(/^Bearer eyJ/);
    expect(exchange?.response?.status, 'answered as a request without client credentials: 400, as captured (docs/protocol.md section 2)').toBe(400);
    expect(exchange?.response?.body).toContain('unauthorized_client');
    expect(exchange?.response?.headers.map(([name]) => name), 'that Bearer is treated so is the mock\'s inference, and marked').toContain('x-lab-note');
    expect(out, 'the library maps it to its typed error').toContain('ERR_GRANT_UNAUTHORIZED_CLIENT');
    expect(out, 'the answer to Bearer is not captured: the lesson says so').toContain('*unsettled*');
    expect(out, 'the mock\'s invention is shown prominently').toContain('⚑ made up by the simulated Bitbucket:');
  });

  it('Step 5: Mistake: an expired JWT', async () => {
    const out = await runStep(ctx, 'Mistake: an expired JWT');
    expect(ctx.exchanges.at(-1)?.response?.status, "the mock's choice for a JWT that is no longer valid").toBe(400);
    expect(out, 'the server says why').toContain('JWT expired');
    expect(out).toContain('ERR_GRANT_INVALID');
    expect(out, 'the answer to an expired JWT is not documented: the lesson says so').toContain('*unsettled*');
  });

  it('Step 6: Mistake: a JWT signed with the wrong secret', async () => {
    const out = await runStep(ctx, 'Mistake: a JWT signed with the wrong secret');
    expect(ctx.exchanges.at(-1)?.response?.status, 'a bad signature does not establish the client').toBe(401);
    expect(out).toContain('Invalid JWT signature');
    expect(out).toContain('ERR_GRANT_UNAUTHORIZED_CLIENT');
    expect(out, 'even a wrong secret is never printed whole').not.toContain('stale-secret-from-before');
  });

  it('Step 7: Mistake: no grant_type in the body', async () => {
    const out = await runStep(ctx, 'Mistake: no grant_type in the body');
    const exchange = ctx.exchanges.at(-1);
    expect(exchange?.request.body, 'the form went empty').toBe('');
    expect(exchange?.response?.status).toBe(400);
    expect(out, "Bitbucket's own words for a missing grant type").toContain('Unsupported grant type: None');
    expect(out).toContain('ERR_GRANT_INVALID');
    expect(exchange?.response?.headers.map(([name]) => name), 'a captured answer carries no X-Lab-Note').not.toContain('x-lab-note');
    expect(out, 'reading only forms is the mock\'s choice, and said so').toContain('What Bitbucket does with a JSON body is not on record');
  });

  it('Step 8: Compare the four answers', async () => {
    const out = await runStep(ctx, 'Compare the four answers');
    expect(out, 'one line per mistake: status, OAuth error, typed error code').toContain(
      '• **Bearer scheme**: HTTP 400 `unauthorized_client` → `ERR_GRANT_UNAUTHORIZED_CLIENT` (*unsettled*)',
    );
    expect(out, 'what Bitbucket answers an expired JWT is not known').toContain(
      '• **expired JWT**: HTTP 400 `invalid_grant` → `ERR_GRANT_INVALID` (*unsettled*)',
    );
    expect(out).toContain('• **wrong secret**: HTTP 401 `unauthorized_client` → `ERR_GRANT_UNAUTHORIZED_CLIENT` (*unsettled*)');
    expect(out, 'captured, so observed, not "settled"').toContain('• **no grant_type**: HTTP 400 `invalid_grant` → `ERR_GRANT_INVALID` (observed)');
    expect(out, 'a live run shows the real answers').toMatch(/LIVE=1\s+npm\s+run\s+lesson\s+4\s+--\s+--mistakes/);
    expect(ctx.mock?.state.counts.tokensIssued, 'only the correct request got a token').toBe(1);
    expect(ctx.mock?.state.counts.exchanges, 'one good and four broken requests').toBe(5);
  });

  it('never prints the shared secret', () => {
    expect(ctx.output()).not.toContain(SHARED_SECRET);
  });
});

describe('Lesson 4 under a failure SCENARIO', () => {
  it('Step 1 says the scenario hits REST calls (lesson 5), not the token endpoint, so nothing changes here', async () => {
    const ctx = await createTestContext({ installations: [installation], now: () => NOW, env: { SCENARIO: 'rate-limited' } });
    try {
      const out = await runStep(ctx, 'Swap a signed JWT for an access token');
      expect(ctx.exchanges.at(-1)?.response?.status, 'the token endpoint is not rate-limited by the scenario').toBe(200);
      expect(out, 'a learner who set SCENARIO is told why nothing failed, and where to see it').toContain(
        'SCENARIO=rate-limited npm run lesson 5',
      );
    } finally {
      await ctx.close();
    }
  });
});

describe('Lesson 4 in live mode, without --mistakes and without a terminal', () => {
  it('the mistake steps send nothing: no broken request reaches real Bitbucket unasked', async () => {
    const ctx = await createTestContext({ installations: [installation], now: () => NOW });
    try {
      // Live mode without the network: only steps that must not send anything.
      const live = { ...ctx, live: true, config: { ...ctx.config, live: true } };
      for (const title of ['Mistake: the Bearer scheme instead of JWT', 'Mistake: an expired JWT', 'Compare the four answers']) {
        await step(title).run(live);
      }
      expect(ctx.exchanges, 'no request at all').toEqual([]);
      expect(ctx.output(), 'the learner is told how to ask for them').toContain('`--mistakes`');
    } finally {
      await ctx.close();
    }
  });
});

describe('Lesson 4 from the command line', () => {
  it('runs all its steps with --yes against a stored installation, and points to lesson 5', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lesson-4-'));
    const store = openSqliteStore({ dataDir });
    await store.save(installation);
    await store.close();
    const run = await runLessonScript(4, [], { dataDir });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('✓ Step ')).length, 'every step passed').toBe(lesson.steps.length);
    expect(run.stdout, 'the shared secret stays redacted').not.toContain(SHARED_SECRET);
    expect(run.stdout, 'the run ends with what to do next').toMatch(/Next: npm run lesson 5|That was the last lesson/);
  });

  it('says which lesson to run first when no installation is stored, without a stack trace', async () => {
    const run = await runLessonScript(4, [], { dataDir: mkdtempSync(join(tmpdir(), 'lesson-4-')), yes: false });
    expect(run.code, 'no installation: the lesson cannot run').toBe(1);
    expect(run.stdout, 'the learner is told what to do').toContain('No installation yet');
    expect(`${run.stdout}${run.stderr}`, 'never a stack trace').not.toMatch(/^\s+at /m);
  });
});
