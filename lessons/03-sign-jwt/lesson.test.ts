import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCanonicalRequest, createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactSecret } from '../../src/redact.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { runLessonScript } from '../runner/run-script.ts';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import lesson from './lesson.ts';

const APP_KEY = 'jwt-grant-tutorial';
const SHARED_SECRET = 'lesson-3-shared-secret-0123456789-abcdefgh';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const IAT = NOW / 1000;
const TOKEN_ENDPOINT = 'https://bitbucket.org/site/oauth2/access_token';
const EXAMPLE_URL =
  'https://api.bitbucket.org/2.0/repositories/teamsinspace?sort=-updated_on&role=member&fields=values.slug&fields=next&q=name+~+%22lab+(2026)%22&jwt=eyJ0eXAiOiJKV1QifQ';
const installation = installationFromPayload(installedPayload({ appKey: APP_KEY, sharedSecret: SHARED_SECRET }), { now: () => NOW });

function step(title: string) {
  const found = lesson.steps.find((s) => s.title === title);
  if (!found) throw new Error(`lesson 3 has no step "${title}"`);
  return found;
}

/** The output with line wrapping undone, for phrases that may wrap. */
function flat(text: string): string {
  return text.replace(/[\s▌]+/g, ' ');
}

describe('Lesson 3: signing a JWT', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ mock: false, installations: [installation], now: () => NOW });
  });
  afterAll(() => ctx.close());

  it('has its steps in teaching order, and needs the installation of lesson 2', () => {
    expect(lesson.steps.map((s) => s.title), 'the runner prints the steps in this order').toEqual([
      'Gather the claims from the installation',
      'Build the canonical request of the token endpoint',
      'Hash a request with a query string',
      'Sign it with HS256 (jose)',
      'Decode the token, and check it as Bitbucket will',
    ]);
    expect(lesson.requires, 'the runner makes sure an installation is stored first').toBe('installation');
  });

  it('Step 1: Gather the claims from the installation', async () => {
    await step('Gather the claims from the installation').run(ctx);
    const out = ctx.output();
    expect(out, 'iss is the app key, not the clientKey').toMatch(/`iss` │ `jwt-grant-tutorial`/);
    expect(flat(out), 'sub is the installation\'s clientKey').toContain('`sub` │ `ari:cloud:bitbucket::app/{');
    expect(out, 'iat is now in Unix seconds').toContain(`\`${IAT}\``);
    expect(out, 'exp is iat + 180').toContain(`\`${IAT + 180}\``);
    expect(out, 'times are shown readable too').toContain('2026-01-01T00:03:00.000Z');
  });

  it('Step 2: Build the canonical request of the token endpoint', async () => {
    await step('Build the canonical request of the token endpoint').run(ctx);
    const out = ctx.output();
    const reference = createCanonicalRequest(fromMethodAndUrl('POST', TOKEN_ENDPOINT), false, 'https://bitbucket.org');
    expect(reference, 'Atlassian\'s reference code agrees on the string the lesson teaches').toBe('POST&/site/oauth2/access_token&');
    expect(flat(out), 'the canonical request: method, path, empty query').toContain(`canonicalRequest('POST', '${TOKEN_ENDPOINT}'): ${reference}`);
    expect(flat(out), 'a lower-case method and a trailing slash give the same string').toContain(
      `canonicalRequest('post', '${TOKEN_ENDPOINT}/'): ${reference}`,
    );
    expect(out, 'the qsh is the SHA-256 of it, as Atlassian computes it').toContain(
      createQueryStringHash(fromMethodAndUrl('POST', TOKEN_ENDPOINT), false, 'https://bitbucket.org'),
    );
    expect(flat(out), 'the unsettled alternative with the form body folded in is named honestly').toContain(
      'POST&/site/oauth2/access_token&grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt',
    );
  });

  it('Step 3: Hash a request with a query string', async () => {
    await step('Hash a request with a query string').run(ctx);
    const out = ctx.output();
    const reference = createCanonicalRequest(fromMethodAndUrl('GET', EXAMPLE_URL), false, 'https://api.bitbucket.org');
    expect(reference, 'sorted, repeated values joined, RFC 3986-encoded, jwt left out').toBe(
      'GET&/2.0/repositories/teamsinspace&fields=next,values.slug&q=name%20~%20%22lab%20%282026%29%22&role=member&sort=-updated_on',
    );
    expect(flat(out), 'the full example, as the reference computes it').toContain(`Canonical request: ${reference}`);
    expect(out, 'and its hash').toContain(`qsh: ${createQueryStringHash(fromMethodAndUrl('GET', EXAMPLE_URL), false, 'https://api.bitbucket.org')}`);
    expect(flat(out), 'sorting by name is shown on its own').toContain('the query part becomes `role=member&sort=-updated_on`');
    expect(flat(out), 'adding jwt changes nothing').toContain('Add `jwt=eyJ0eXAiOiJKV1QifQ`: the query part stays');
  });

  it('Step 4: Sign it with HS256 (jose)', async () => {
    await step('Sign it with HS256 (jose)').run(ctx);
    const token = ctx.state.jwt;
    expect(typeof token, 'the token is kept for step 5').toBe('string');
    // Verified with Atlassian's reference library, not with the code under test.
    const claims = decodeSymmetric(String(token), SHARED_SECRET, SymmetricAlgorithm.HS256) as Record<string, unknown>;
    expect(claims).toEqual({
      iss: APP_KEY,
      sub: installation.clientKey,
      iat: IAT,
      exp: IAT + 180,
      qsh: createQueryStringHash(fromMethodAndUrl('POST', TOKEN_ENDPOINT), false, 'https://bitbucket.org'),
    });
    const signature = String(token).split('.')[2]!;
    const out = ctx.output();
    expect(out.includes(signature), 'the signature is what makes the token usable: never printed whole').toBe(false);
    expect(out, 'the token is shown with its signature redacted').toContain(`${String(token).split('.').slice(0, 2).join('.')}.${redactSecret(signature)}`);
    expect(out.includes(SHARED_SECRET), 'the secret is never printed').toBe(false);
  });

  it('Step 5: Decode the token, and check it as Bitbucket will', async () => {
    await step('Decode the token, and check it as Bitbucket will').run(ctx);
    const out = ctx.output();
    expect(out, 'the header').toContain('"alg": "HS256"');
    expect(out, 'expiry, readable, three minutes after iat').toContain('2026-01-01T00:03:00.000Z (180 s later)');
    expect(out, 'the qsh is recognised as the hash of step 2').toContain('the hash of step 2: `POST&/site/oauth2/access_token&`');
    expect(flat(out), 'it verifies with the stored secret').toContain('Verified with the stored secret');
    expect(flat(out), 'a changed claim breaks the signature').toContain('verification fails with **ERR_JWT_SIGNATURE**');
    expect(out.includes(String(ctx.state.jwt).split('.')[2]!), 'the signature stays redacted').toBe(false);
  });
});

describe('Lesson 3 with --url and --method', () => {
  it('Step 3 also hashes the learner\'s own request', async () => {
    const ctx = await createTestContext({
      mock: false,
      installations: [installation],
      flags: { url: 'https://api.bitbucket.org/2.0/user?b=2&a=1&A=x', method: 'get' },
    });
    try {
      await step('Hash a request with a query string').run(ctx);
      expect(ctx.output(), 'sorted by code unit: upper case first, method upper-cased').toContain('Canonical request: GET&/2.0/user&A=x&a=1&b=2');
    } finally {
      await ctx.close();
    }
  });

  it('Steps 1 and 3 refuse a URL they cannot hash, and --method without --url, saying how to give them', async () => {
    const invalid: Record<string, string>[] = [{ url: 'api.bitbucket.org/2.0/user' }, { url: 'ftp://example.com/x' }, { method: 'GET' }, { url: 'https://x.example/', method: 'GET /' }];
    for (const flags of invalid) {
      const ctx = await createTestContext({ mock: false, installations: [installation], flags });
      try {
        await expect(step('Gather the claims from the installation').run(ctx), `step 1 already: ${JSON.stringify(flags)}`).rejects.toMatchObject({
          code: 'ERR_USAGE',
        });
        await expect(step('Hash a request with a query string').run(ctx), JSON.stringify(flags)).rejects.toMatchObject({ code: 'ERR_USAGE' });
      } finally {
        await ctx.close();
      }
    }
  });
});

describe('Lesson 3 from the command line, with a bad --url or --method', () => {
  it.each([
    ['a URL without a scheme', ['--url=api.bitbucket.org/2.0/user']],
    ['a method that is not one', ['--url=https://api.bitbucket.org/2.0/user', '--method=GET /']],
    ['--method without --url', ['--method=GET']],
  ])('exits 2 (usage), as for any usage error, for %s', async (_name, args) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lesson-3-usage-'));
    const store = openSqliteStore({ dataDir });
    await store.save(installation);
    await store.close();
    const run = await runLessonScript(3, args, { dataDir });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(2);
    expect(run.stdout, 'the message says how to give the flag').toMatch(/--(url|method)/);
    expect(run.stdout).toContain('✗ Lesson 3 stopped at step 1 of');
    expect(`${run.stdout}${run.stderr}`, 'never a stack trace').not.toMatch(/^\s+at /m);
  });
});

describe('Lesson 3 without what it needs', () => {
  it('Step 1 points to lesson 2 when no installation is stored', async () => {
    const ctx = await createTestContext({ mock: false });
    try {
      await expect(step('Gather the claims from the installation').run(ctx), 'lesson 2 is where installations come from').rejects.toMatchObject({
        code: 'ERR_NO_INSTALLATION',
        lesson: 2,
      });
    } finally {
      await ctx.close();
    }
  });

  it('Step 5 says to run the whole lesson when step 4 has not signed a token', async () => {
    const ctx = await createTestContext({ mock: false, installations: [installation] });
    try {
      await expect(step('Decode the token, and check it as Bitbucket will').run(ctx)).rejects.toMatchObject({ code: 'ERR_STEP_STATE' });
    } finally {
      await ctx.close();
    }
  });

  it('npm run lesson 3 with an empty DATA_DIR simulates lesson 2 first (no terminal), then passes', async () => {
    const run = await runLessonScript(3, [], { dataDir: mkdtempSync(join(tmpdir(), 'lesson-3-')) });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout, 'it says which lesson makes the installation').toContain('No installation yet: run `npm run lesson 2` first');
    expect(run.stdout).toContain('✓ Simulated lesson 2 (Capturing the installation): an installation is stored.');
    expect(run.stdout, 'then the lesson runs').toContain('✓ Step 5: Decode the token, and check it as Bitbucket will');
    expect(`${run.stdout}${run.stderr}`, 'never a stack trace').not.toMatch(/^\s+at /m);
  });
});
