import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessonSteps, TEST_NOW, testInstallation } from '../runner/lesson-test-kit.ts';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import lesson from './lesson.ts';

const INSTALLATION = testInstallation(6);
// Narration is wrapped: each step's output with its line breaks and indentation folded.
const { step, run } = lessonSteps(lesson, { fold: true });
const PAGE_QUERY = 'repoUuid=%7B7a3c5e2f-9b1d-4c8e-a6f0-2d4b8e1c9f37%7D';
const WHOLE_JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/;

/** The positions of `needles` in `text`, to check that they appear, in this order. */
function positions(text: string, needles: string[]): number[] {
  return needles.map((needle) => text.indexOf(needle));
}

describe('Lesson 6: verifying the JWTs Bitbucket sends (BASE_URL default)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ mock: false, now: () => TEST_NOW, installations: [INSTALLATION] });
  });
  afterAll(() => ctx.close());

  it('needs the installation lesson 2 stores, and has its steps in teaching order', () => {
    expect(lesson.requires, 'Bitbucket signs with the installation\'s secret: no installation, nothing to verify').toBe('installation');
    expect(lesson.steps.map((s) => s.title)).toEqual([
      'Play Bitbucket: sign the repository page URL',
      'Find the token: jwt parameter or Authorization header',
      'Verify the page request as the app does',
      'Break each check and read the error',
      'Diagnose a qsh mismatch: context path and proxy',
    ]);
  });

  it('Step 1: Play Bitbucket: sign the repository page URL', async () => {
    const { out } = await run(ctx, 'Play Bitbucket: sign the repository page URL');
    expect(out, 'the iframe URL carries the JWT in the jwt parameter, signature redacted').toMatch(
      new RegExp(`http://localhost:3000/oauth-callback\\?${PAGE_QUERY}&jwt=eyJ[\\w-]+\\.eyJ[\\w-]+\\.[\\w-]{4}…\\(43 chars\\)`),
    );
    expect(out, 'Bitbucket signs as the installation: iss is the clientKey').toContain(`"iss": "${INSTALLATION.clientKey}"`);
    expect(out, 'and for the installation: aud is the clientKey too').toContain(`"aud": "${INSTALLATION.clientKey}"`);
    expect(out, 'Bitbucket\'s JWTs have no sub (the app\'s own have it)').not.toContain('"sub"');
    expect(out, 'Bitbucket\'s tokens live an hour').toContain('`exp - iat` = **3600 s**');
    expect(out, 'the qsh covers the page URL relative to the app\'s base URL, jwt excluded').toContain(
      `qsh covers: GET&/oauth-callback&${PAGE_QUERY}`,
    );
  });

  it('Step 2: Find the token: jwt parameter or Authorization header', async () => {
    const { out } = await run(ctx, 'Find the token: jwt parameter or Authorization header');
    expect(out, 'a page module carries the token in the query').toContain(', the jwt parameter');
    expect(out, 'a lifecycle call carries it in Authorization: JWT').toMatch(/authorization: JWT eyJh…\(\d+ chars\)/);
    expect(out, 'the lifecycle token is found in the header').toContain(', from the header');
    const [ambiguous, scheme, missing] = positions(out, ['ERR_JWT_AMBIGUOUS', 'ERR_JWT_SCHEME', 'ERR_JWT_MISSING']);
    expect(ambiguous, 'both header and query: refused').toBeGreaterThan(-1);
    expect(scheme, 'Bearer is for access tokens, not for the JWT').toBeGreaterThan(ambiguous!);
    expect(missing, 'no token at all').toBeGreaterThan(scheme!);
    expect(out, 'every refusal names the status the app answers').toContain('Refused: **No token at all** → `ERR_JWT_MISSING`, the app answers **HTTP 401**');
  });

  it('Step 3: Verify the page request as the app does', async () => {
    const { out } = await run(ctx, 'Verify the page request as the app does');
    expect(out, 'the installation is found by iss').toContain(`clientKey \`${INSTALLATION.clientKey}\` (workspace Teams in Space)`);
    expect(out, 'the stored secret is named, never shown').toContain('(less…(44 chars))');
    expect(out, 'the times are checked against the clock: an hour left').toContain('(in 60 min)');
    expect(out, 'the app recomputes the canonical request from the URL it received').toContain(
      `The app computed: GET&/oauth-callback&${PAGE_QUERY}`,
    );
    expect(out, 'the verified claims are shown').toContain('Verified claims:');
  });

  it('Step 4: Break each check and read the error', async () => {
    const { out } = await run(ctx, 'Break each check and read the error');
    const order = [
      'ERR_INSTALLATION_UNKNOWN',
      'ERR_JWT_SIGNATURE',
      'Accepted: **Expired 10 s ago**, inside the leeway',
      'ERR_JWT_EXPIRED',
      'ERR_JWT_NOT_YET_VALID',
      'ERR_JWT_LIFETIME',
      'ERR_QSH_MISSING',
      'ERR_QSH_MISMATCH',
    ];
    const found = positions(out, order);
    expect(found.every((at) => at > -1), `every case is shown: ${order.filter((_, i) => found[i] === -1).join(', ')}`).toBe(true);
    expect([...found].sort((a, b) => a - b), 'in the order the notes teach them').toEqual(found);
    expect(out, 'the expiry message shows how late, against the leeway').toContain('120 s later, beyond the 30 s leeway');
    expect(out, 'the lifetime bound: one hour plus the leeway').toContain('claims to live 86400 s');
    expect(out).toContain('more than the 3630 s this verifier accepts');
    expect(out, 'the replay is refused because the qsh covers another repository').toContain(
      'GET&/oauth-callback&repoUuid=%7Bc41d8e0a-2f6b-4a97-9e3c-5b1f7d2a8e64%7D',
    );
    expect(out, 'the made-up secret of the forged token is redacted too').not.toContain('not-the-shared-secret-');
  });

  it('Step 5: Diagnose a qsh mismatch: context path and proxy', async () => {
    const { out } = await run(ctx, 'Diagnose a qsh mismatch: context path and proxy');
    expect(out, 'Bitbucket strips the descriptor\'s context path before hashing').toContain(
      `Bitbucket signed: GET&/oauth-callback&${PAGE_QUERY}`,
    );
    expect(out, 'an app whose BASE_URL lacks the context path hashes it along').toContain(
      `The app computed: GET&/bitbucket/oauth-callback&${PAGE_QUERY}`,
    );
    expect(out, 'with BASE_URL equal to the descriptor\'s baseUrl, the hashes agree').toContain(
      'Accepted: **the app with BASE_URL=https://abc123.ngrok.app/bitbucket**',
    );
    expect(out, 'a proxy that adds a path prefix breaks the hash').toContain(`The app computed: GET&/connect/oauth-callback&${PAGE_QUERY}`);
    expect(out, 'and the tool for the reader\'s own tokens').toContain('npm run inspect -- <jwt> --url');
  });

  it('never prints the shared secret or a whole JWT', () => {
    expect(ctx.output()).not.toContain(INSTALLATION.sharedSecret);
    expect(ctx.output()).not.toMatch(WHOLE_JWT);
  });
});

describe('Lesson 6 with a context path in BASE_URL', () => {
  it('Step 1 and step 3: the app strips its context path, as Bitbucket does', async () => {
    const ctx = await createTestContext({
      mock: false,
      now: () => TEST_NOW,
      installations: [INSTALLATION],
      env: { BASE_URL: 'https://abc123.ngrok.app/app' },
    });
    try {
      const { out: signed } = await run(ctx, 'Play Bitbucket: sign the repository page URL');
      expect(signed, 'the iframe URL is under the context path').toContain(`https://abc123.ngrok.app/app/oauth-callback?${PAGE_QUERY}&jwt=`);
      expect(signed, 'but the qsh does not cover it').toContain(`qsh covers: GET&/oauth-callback&${PAGE_QUERY}`);
      const { out: verified } = await run(ctx, 'Verify the page request as the app does');
      expect(verified, 'the app receives /app/oauth-callback and strips /app').toContain(`The app computed: GET&/oauth-callback&${PAGE_QUERY}`);
    } finally {
      await ctx.close();
    }
  });
});

describe('Lesson 6 without an installation', () => {
  it('Step 1 says which lesson stores one, instead of failing obscurely', async () => {
    const ctx = await createTestContext({ mock: false, now: () => TEST_NOW });
    try {
      await expect(step('Play Bitbucket: sign the repository page URL').run(ctx), 'lesson 2 stores the installation').rejects.toMatchObject({
        code: 'ERR_NO_INSTALLATION',
        lesson: 2,
      });
    } finally {
      await ctx.close();
    }
  });
});
