import { decodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStringHash } from '../../src/jwt/qsh.ts';
import { redactSecret } from '../../src/redact.ts';
import type { Installation, InstallationStore } from '../../src/store/installation.ts';
import { StoreUnwritableError } from '../../src/store/errors.ts';
import { TEAMS_IN_SPACE } from '../../mocks/fixtures/accounts.ts';
import { installationFromPayload, installedPayload, clientKeyFor } from '../../mocks/fixtures/lifecycle.ts';
import type { HttpExchange } from '../runner/exchange.ts';
import { asLive, flat, lessonSteps } from '../runner/lesson-test-kit.ts';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import lesson from './lesson.ts';

const APP_KEY = 'jwt-grant-tutorial';
const CLIENT_KEY = clientKeyFor(TEAMS_IN_SPACE.uuid, APP_KEY);
const START = Date.parse('2026-01-01T00:00:00Z');

const { step } = lessonSteps(lesson);

/** A clock the tests move forward, so a re-install gets a later updatedAt than the install. */
function steppingClock() {
  let t = START;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function jwtOf(exchange: HttpExchange | undefined): string {
  const authorization = exchange?.request.headers.find(([name]) => name === 'authorization')?.[1] ?? '';
  expect(authorization, 'lifecycle calls carry Authorization: JWT <token>').toMatch(/^JWT eyJ/);
  return authorization.slice('JWT '.length);
}

function bodyOf(exchange: HttpExchange | undefined): Record<string, unknown> {
  return JSON.parse(exchange?.request.body ?? 'null') as Record<string, unknown>;
}

describe('Lesson 2: capturing the installation (offline)', () => {
  let ctx: TestContext;
  const clock = steppingClock();
  beforeAll(async () => {
    ctx = await createTestContext({ now: clock.now });
  });
  afterAll(() => ctx.close());

  /** The exchanges made since `count`. */
  const since = (count: number) => ctx.exchanges.slice(count);

  it('has its steps in teaching order', () => {
    expect(lesson.steps.map((s) => s.title), 'the runner prints the steps in this order').toEqual([
      'Receive the first install: no JWT, then the app proves it',
      'Read the installed payload, field by field',
      'See what the app stored, and why it must persist',
      'Re-install and rotate, signed with the stored secret: accepted',
      'Forge a re-install with a new secret: refused',
      'Uninstall: the app keeps a tombstone',
      'Install again after the uninstall, signed with the old secret',
      "A squatter's first install: pending, then refused by Bitbucket",
    ]);
    expect(lesson.requires, 'lesson 2 is where the installation comes from: it needs none').toBeUndefined();
  });

  it('Step 1: the first install is unsigned; the app proves it with one token exchange, and it becomes active', async () => {
    await step('Receive the first install: no JWT, then the app proves it').run(ctx);
    const stored = await ctx.store.get(CLIENT_KEY);
    expect(stored, 'the app stored the installation in the lesson\'s store, proven').toMatchObject({ state: 'active', origin: 'simulated' });
    const secret = stored!.sharedSecret;

    const [installed, proof] = ctx.exchanges;
    expect(ctx.exchanges, "Bitbucket's POST to the app, then the app's proof exchange").toHaveLength(2);
    expect(installed?.request.method).toBe('POST');
    expect(installed?.request.url, 'the installed hook of the descriptor, on the app served on loopback').toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/installed$/,
    );
    expect(installed?.request.headers.some(([name]) => name === 'authorization'), 'a first install carries no JWT (signing table)').toBe(false);
    expect(installed?.response?.status, 'Bitbucket expects 204 from the app').toBe(204);
    expect(bodyOf(installed).sharedSecret, 'the payload carries the secret the app stored').toBe(secret);
    expect(await ctx.registry!.record(CLIENT_KEY), 'the simulated Bitbucket recorded what it issued').toMatchObject({ sharedSecret: secret, state: 'active' });

    expect(proof?.request.url, 'the app proves it at the configured token endpoint').toBe('https://bitbucket.org/site/oauth2/access_token');
    expect(proof?.response?.status).toBe(200);
    // Checked with Atlassian's reference library, not with the code under test.
    const claims = decodeSymmetric(jwtOf(proof), secret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
    expect(claims.sub, 'signed for the installation with the payload\'s secret').toBe(CLIENT_KEY);

    const out = ctx.output();
    expect(out, 'the app\'s own log says what happened').toContain(`installed clientKey=${CLIENT_KEY} outcome=pending`);
    expect(out).toContain(`install proven clientKey=${CLIENT_KEY} state=active`);
    expect(flat(out), 'the first install carries no JWT, as the signing table says').toContain('carries **no JWT**');
    expect(out, 'the secret is shown redacted').toContain(redactSecret(secret));
    expect(out.includes(secret), 'the secret never appears whole').toBe(false);
  });

  it('Step 2: Read the installed payload, field by field', async () => {
    const secret = (await ctx.store.get(CLIENT_KEY))!.sharedSecret;
    await step('Read the installed payload, field by field').run(ctx);
    const out = ctx.output();
    expect(out, 'each field is shown with its value').toContain(`"clientKey": "${CLIENT_KEY}"`);
    expect(out, 'the workspace the app acts for').toContain(`"principal": "team teamsinspace (Teams in Space), uuid ${TEAMS_IN_SPACE.uuid}"`);
    expect(out, 'a user principal means a personal account, with no secret').toContain('ERR_NO_SHARED_SECRET');
    expect(out, 'the secret is named but redacted').toContain(`"sharedSecret": "${redactSecret(secret)}"`);
    expect(out.includes(secret)).toBe(false);
  });

  it('Step 3: See what the app stored, and why it must persist', async () => {
    const stored = (await ctx.store.get(CLIENT_KEY))!;
    await step('See what the app stored, and why it must persist').run(ctx);
    const out = flat(ctx.output());
    expect(out, 'where the installation lives: the SQLite store npm start uses').toContain(`${ctx.config.dataDir}/installations.db`);
    expect(out, 'the stored secret is measured, not shown').toContain(`(stored, ${stored.sharedSecret.length} characters, never shown)`);
    expect(out, 'its state and origin').toContain('"origin": "simulated"');
    expect(out, 'why an in-memory store is dangerous').toContain('looks like a **first** install');
  });

  it('Step 4: a re-install signed with the stored secret, then a rotation signed with it too', async () => {
    const before = (await ctx.store.get(CLIENT_KEY))!;
    const count = ctx.exchanges.length;
    clock.advance(60_000);
    await step('Re-install and rotate, signed with the stored secret: accepted').run(ctx);
    const [again, rotation] = since(count);
    expect(since(count), 'two installed calls, no proof exchange: they are authenticated').toHaveLength(2);
    for (const exchange of [again, rotation]) {
      expect(exchange?.response?.status).toBe(204);
      expect(decodeSymmetric(jwtOf(exchange), before.sharedSecret, SymmetricAlgorithm.HS256), 'signed with the stored secret').toBeTruthy();
    }
    const claims = decodeSymmetric(jwtOf(again), before.sharedSecret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
    expect(claims.iss, 'Bitbucket signs as the installation: iss is the clientKey').toBe(CLIENT_KEY);
    expect([claims.aud].flat(), 'and for the installation: aud is the clientKey too').toEqual([CLIENT_KEY]);
    expect(claims.sub, 'Bitbucket\'s JWTs have no sub').toBeUndefined();
    expect(Number(claims.exp) - Number(claims.iat), 'Bitbucket\'s JWTs live an hour').toBe(3600);
    expect(claims.qsh, 'the qsh is the hash of POST&/installed&').toBe(queryStringHash('POST', '/installed'));
    expect(bodyOf(again).sharedSecret, 'a re-install keeps the secret').toBe(before.sharedSecret);
    const newSecret = String(bodyOf(rotation).sharedSecret);
    expect(newSecret, 'a rotation brings a new one').not.toBe(before.sharedSecret);
    const after = (await ctx.store.get(CLIENT_KEY))!;
    expect(after.sharedSecret, 'the app stored the rotated secret').toBe(newSecret);
    expect(after.installedAt, 'installedAt is the first install\'s').toBe(before.installedAt);
    expect(after.updatedAt, 'updatedAt moves').toBe(new Date(START + 60_000).toISOString());
    const out = ctx.output();
    expect(out).toContain('outcome=reinstalled');
    expect(out).toContain('outcome=secret-rotated');
    expect(out, 'the claims are shown decoded').toContain(`"aud": "${CLIENT_KEY}"`);
    expect(out, 'the canonical request the qsh hashes is shown').toContain('POST&/installed&');
    expect(out, 'repeated calls are shown in brief: one line each way').toMatch(/→ POST http:\/\/127\.0\.0\.1:\d+\/installed {2}authorization: JWT …\n\s*← 204 No Content/);
    expect(out.includes(newSecret), 'the new secret is a secret too').toBe(false);
  });

  it('Step 5: Forge a re-install with a new secret: refused', async () => {
    const before = (await ctx.store.get(CLIENT_KEY))!;
    clock.advance(60_000);
    await step('Forge a re-install with a new secret: refused').run(ctx);
    const exchange = ctx.exchanges.at(-1);
    const forgedSecret = String(bodyOf(exchange).sharedSecret);
    expect(forgedSecret, 'the forgery brings a secret of its own').not.toBe(before.sharedSecret);
    expect(decodeSymmetric(jwtOf(exchange), forgedSecret, SymmetricAlgorithm.HS256), 'and signs with it').toBeTruthy();
    expect(exchange?.response?.status, 'a re-install not signed with the stored secret is refused').toBe(401);
    expect(JSON.parse(exchange?.response?.body ?? '{}').error).toBe('ERR_REINSTALL_UNAUTHENTICATED');
    expect(await ctx.store.get(CLIENT_KEY), 'the stored installation is left exactly as it was').toEqual(before);
    const out = ctx.output();
    expect(out.includes(forgedSecret), 'the forged secret is a secret too: never shown whole').toBe(false);
    expect(out).toContain('**401 ERR_REINSTALL_UNAUTHENTICATED**');
  });

  it('Step 6: the uninstall, signed with the stored secret, leaves a tombstone with the last secret', async () => {
    const before = (await ctx.store.get(CLIENT_KEY))!;
    clock.advance(60_000);
    await step('Uninstall: the app keeps a tombstone').run(ctx);
    const exchange = ctx.exchanges.at(-1);
    expect(exchange?.request.url).toMatch(/\/uninstalled$/);
    expect(exchange?.response?.status).toBe(204);
    expect(decodeSymmetric(jwtOf(exchange), before.sharedSecret, SymmetricAlgorithm.HS256), 'signed with the last secret').toBeTruthy();
    const payload = bodyOf(exchange);
    expect(payload.eventType).toBe('uninstalled');
    expect('sharedSecret' in payload, 'the uninstalled payload carries no secret').toBe(false);
    const tombstone = await ctx.store.get(CLIENT_KEY);
    expect(tombstone).toMatchObject({ state: 'uninstalled', sharedSecret: before.sharedSecret, principal: undefined });
    expect((await ctx.registry!.record(CLIENT_KEY))?.state, 'Bitbucket marks it uninstalled, keeping the secret too').toBe('uninstalled');
    expect(ctx.output()).toContain(`uninstalled clientKey=${CLIENT_KEY} kept=tombstone`);
  });

  it('Step 7: the install after the uninstall, signed with the tombstone\'s secret, is accepted and active at once', async () => {
    const tombstone = (await ctx.store.get(CLIENT_KEY))!;
    const count = ctx.exchanges.length;
    clock.advance(60_000);
    await step('Install again after the uninstall, signed with the old secret').run(ctx);
    const [installed, ...more] = since(count);
    expect(more, 'no proof exchange: the old secret authenticates it').toEqual([]);
    expect(installed?.response?.status).toBe(204);
    expect(decodeSymmetric(jwtOf(installed), tombstone.sharedSecret, SymmetricAlgorithm.HS256), 'signed with the old secret').toBeTruthy();
    const after = (await ctx.store.get(CLIENT_KEY))!;
    expect(after.state).toBe('active');
    expect(after.sharedSecret, 'with the new secret Bitbucket sent').toBe(String(bodyOf(installed).sharedSecret));
    expect(after.sharedSecret).not.toBe(tombstone.sharedSecret);
    expect(ctx.output()).toContain('outcome=reinstalled-after-uninstall');
  });

  it("Step 8: a squatter's first install is accepted pending, refused twice by the token endpoint, and deleted", async () => {
    const real = (await ctx.store.list())[0]!;
    const count = ctx.exchanges.length;
    await step("A squatter's first install: pending, then refused by Bitbucket").run(ctx);
    const [squat, firstProof, secondProof, ...more] = since(count);
    expect(more).toEqual([]);
    expect(squat?.response?.status, 'accepted: a first install may come unsigned').toBe(204);
    const squatter = String(bodyOf(squat).clientKey);
    expect(squatter).not.toBe(CLIENT_KEY);
    for (const proof of [firstProof, secondProof]) {
      expect(proof?.request.url).toBe('https://bitbucket.org/site/oauth2/access_token');
      expect(proof?.response?.status, 'Bitbucket made no such installation').toBe(401);
      expect(JSON.parse(proof?.response?.body ?? '{}').error).toBe('unauthorized_client');
    }
    expect(await ctx.store.get(squatter), 'deleted').toBeUndefined();
    expect(await ctx.store.list(), 'only the real installation is left, unchanged, for lesson 3').toEqual([real]);
    const out = ctx.output();
    expect(out).toContain(`installed clientKey=${squatter} outcome=pending`);
    expect(out).toContain('pending installation deleted');
    expect(out.includes(String(bodyOf(squat).sharedSecret)), "the squatter's secret is never shown whole").toBe(false);
  });

  it('a second run finds the installation and re-installs it, signed with the secret Bitbucket issued', async () => {
    const before = (await ctx.store.get(CLIENT_KEY))!;
    const count = ctx.exchanges.length;
    clock.advance(60_000);
    await step('Receive the first install: no JWT, then the app proves it').run(ctx);
    const [installed, ...more] = since(count);
    expect(more, 'no proof needed').toEqual([]);
    expect(decodeSymmetric(jwtOf(installed), before.sharedSecret, SymmetricAlgorithm.HS256)).toBeTruthy();
    expect(ctx.output(), 'the rerun is a re-install, not a refused forgery').toContain('outcome=reinstalled');
    expect((await ctx.store.get(CLIENT_KEY))!.sharedSecret).toBe(before.sharedSecret);
  });
});

describe('Lesson 2 when something goes wrong', () => {
  it('Step 1 fails with the app\'s own explanation when the app cannot store the installation', async () => {
    const ctx = await createTestContext();
    try {
      const readOnly = async (): Promise<never> => {
        throw new StoreUnwritableError('/read-only/installations.db', 'the file system is read-only (EROFS)');
      };
      const failing: InstallationStore = { ...ctx.store, create: readOnly, replace: readOnly, save: readOnly, close: async () => {} };
      await expect(step('Receive the first install: no JWT, then the app proves it').run({ ...ctx, store: failing }), 'a refused install stops the lesson').rejects.toMatchObject({
        code: 'ERR_LIFECYCLE_ANSWER',
        lesson: 2,
        message: expect.stringContaining('ERR_STORE_UNWRITABLE'),
      });
    } finally {
      await ctx.close();
    }
  });

  it('Step 1 fails with ERR_INSTALL_NOT_PROVEN, quoting the app, when Bitbucket does not confirm the first install', async () => {
    const ctx = await createTestContext();
    try {
      // A Bitbucket that records nothing: its token endpoint refuses the app's proof.
      const forgetful = { ...ctx.registry!, register: async () => {} };
      await expect(step('Receive the first install: no JWT, then the app proves it').run({ ...ctx, registry: forgetful })).rejects.toMatchObject({
        code: 'ERR_INSTALL_NOT_PROVEN',
        message: expect.stringContaining('pending installation deleted'),
      });
    } finally {
      await ctx.close();
    }
  });

  it('Step 5 fails with ERR_FORGED_REINSTALL_ACCEPTED against an app that forgets its installations', async () => {
    const ctx = await createTestContext();
    try {
      await step('Receive the first install: no JWT, then the app proves it').run(ctx);
      // Like the in-memory sample app after a restart: the app's own lookup finds nothing.
      let gets = 0;
      const forgetful: InstallationStore = {
        ...ctx.store,
        get: async (clientKey) => (++gets === 2 ? undefined : ctx.store.get(clientKey)),
        // Having forgotten, it finds nothing in the way of a "first" install either.
        create: async (installation) => {
          await ctx.store.save(installation);
          return true;
        },
        close: async () => {},
      };
      await expect(
        step('Forge a re-install with a new secret: refused').run({ ...ctx, store: forgetful }),
        'an app that forgot the installation takes the forgery for a first install',
      ).rejects.toMatchObject({ code: 'ERR_FORGED_REINSTALL_ACCEPTED', lesson: 2 });
    } finally {
      await ctx.close();
    }
  });

  it('Step 8 fails with ERR_SQUATTER_ACCEPTED against an app that trusts first installs (VERIFY_INSTALLS=0)', async () => {
    const ctx = await createTestContext({ env: { VERIFY_INSTALLS: '0' } });
    try {
      await expect(step("A squatter's first install: pending, then refused by Bitbucket").run(ctx)).rejects.toMatchObject({ code: 'ERR_SQUATTER_ACCEPTED' });
    } finally {
      await ctx.close();
    }
  });

  it('Steps 2 to 7 say to run the whole lesson when step 1 has not run', async () => {
    const ctx = await createTestContext({ mock: false });
    try {
      await expect(step('Read the installed payload, field by field').run(ctx)).rejects.toMatchObject({ code: 'ERR_STEP_STATE' });
      await expect(step('Forge a re-install with a new secret: refused').run(ctx)).rejects.toThrow('npm run lesson 2');
      await expect(step('Uninstall: the app keeps a tombstone').run(ctx)).rejects.toThrow('npm run lesson 2');
    } finally {
      await ctx.close();
    }
  });
});

describe('Lesson 2 with LIVE=1', () => {
  it('Step 1 says exactly how to get an installation from real Bitbucket when there is none', async () => {
    const ctx = await createTestContext({ mock: false });
    try {
      const run = step('Receive the first install: no JWT, then the app proves it').run(asLive(ctx));
      await expect(run, 'no simulation live: the learner is told what to do').rejects.toMatchObject({ code: 'ERR_NO_INSTALLATION' });
      const message = await run.then(
        () => '',
        (error: Error) => error.message,
      );
      for (const hint of ['npm start', 'ngrok http', 'BASE_URL', 'Install app from URL']) expect(message).toContain(hint);
      expect(ctx.exchanges, 'nothing is sent live').toHaveLength(0);
    } finally {
      await ctx.close();
    }
  });

  it('Step 1 never lists an installation of the simulated Bitbucket, and says so', async () => {
    const simulated = installationFromPayload(installedPayload({ appKey: APP_KEY, sharedSecret: 'simulated-secret-0123456789abcdef' }));
    const ctx = await createTestContext({ mock: false, installations: [simulated] });
    try {
      const error = await step('Receive the first install: no JWT, then the app proves it').run(asLive(ctx)).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(error?.code).toBe('ERR_NO_INSTALLATION');
      expect(error?.message).toContain("1 installation made by the lab's simulated Bitbucket");
    } finally {
      await ctx.close();
    }
  });

  it('Step 1 lists the captured installations without their secrets; the forging steps send nothing', async () => {
    const sharedSecret = 'live-shared-secret-0123456789-abcdefghijkl';
    const installation: Installation = installationFromPayload(installedPayload({ appKey: APP_KEY, sharedSecret }), { now: () => START, origin: 'bitbucket' });
    const ctx = await createTestContext({ mock: false, installations: [installation] });
    try {
      for (const s of lesson.steps) await s.run(asLive(ctx));
      const out = ctx.output();
      expect(out, 'the installation is listed').toContain(CLIENT_KEY);
      expect(out, 'with the length of its secret only').toContain(`(stored, ${sharedSecret.length} characters, never shown)`);
      expect(out.includes(sharedSecret.slice(0, 8)), 'no part of the secret is printed').toBe(false);
      expect(ctx.exchanges, 'live, the lesson forges nothing against the app').toHaveLength(0);
      expect(await ctx.store.list(), 'and changes nothing').toEqual([installation]);
    } finally {
      await ctx.close();
    }
  });
});
