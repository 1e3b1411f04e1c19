import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../../mocks/fixtures/lifecycle.ts';
import { signAppJwt } from '../../03-sign-jwt/exercises/sign-jwt/solution/sign-jwt.ts';
import { verifyRequest as solutionVerifyRequest } from '../../06-incoming-jwt/exercises/verify-page-jwt/solution/verify-page-jwt.ts';
import type { Lesson } from '../lesson.ts';
import { importLesson } from '../load-lesson.ts';
import { loadManifest } from '../manifest.ts';
import { runLessonScript } from '../run-script.ts';
import { createTestContext } from '../test-context.ts';
import { listExercises, type Exercise } from './exercises.ts';
import { describeLoaded, lessonsWithPieces, loadPieces, PIECE_NAMES, pieceExercise, type PieceName, type Pieces } from './pieces.ts';

// The solutions have the shapes --mine needs: the compiler checks them here.
const verifyPiece: Pieces['verifyRequest'] = solutionVerifyRequest;
const signPiece: (input: Parameters<typeof signAppJwt>[0]) => string = signAppJwt;

/** The exercises as if the learner had solved them all: each file is its solution. */
const solved: Exercise[] = listExercises().map((exercise) => ({ ...exercise, file: exercise.solution }));
const NOW = Date.parse('2026-01-01T00:00:00Z');
const SHARED_SECRET = 'mine-pieces-secret-0123456789-abcdefghijklmnopq';
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SHARED_SECRET }), { now: () => NOW });

async function lessonNumbered(n: number): Promise<Lesson> {
  return importLesson(loadManifest().find((entry) => entry.number === n)!);
}

describe('the pieces --mine takes from the exercises', () => {
  it('come from exercises of the manifest, and exactly the lessons that provide them declare mine', async () => {
    const exercises = listExercises();
    for (const name of PIECE_NAMES) expect(exercises.map((e) => e.name), name).toContain(pieceExercise(name));
    const declaring: number[] = [];
    for (const entry of loadManifest()) if ((await importLesson(entry)).mine?.length) declaring.push(entry.number);
    expect(declaring, 'a lesson with piece-providing exercises runs them with --mine').toEqual(lessonsWithPieces(exercises));
    expect(typeof verifyPiece === 'function' && typeof signPiece === 'function').toBe(true);
  });

  it('adapt the learner\'s signAppJwt to signInstallationJwt, with the learner\'s qsh: Atlassian\'s library accepts the token', async () => {
    const { pieces, loaded } = await loadPieces(['queryStringHash', 'signInstallationJwt'], solved);
    expect(loaded.map((l) => l.piece)).toEqual(['queryStringHash', 'signInstallationJwt']);
    const url = 'https://bitbucket.org/site/oauth2/access_token';
    const token = await pieces.signInstallationJwt!({ appKey: installation.key, clientKey: installation.clientKey, sharedSecret: SHARED_SECRET, method: 'POST', url, baseUrl: 'https://bitbucket.org', now: () => NOW });
    expect(decodeSymmetric(token, SHARED_SECRET, SymmetricAlgorithm.HS256)).toEqual({
      iss: installation.key,
      sub: installation.clientKey,
      iat: NOW / 1000,
      exp: NOW / 1000 + 180,
      qsh: createQueryStringHash(fromMethodAndUrl('POST', url), false, 'https://bitbucket.org'),
    });
    expect(describeLoaded(loaded)).toBe(
      'Your code in this run (--mine): queryStringHash from src/jwt/qsh.ts; ' +
        'signInstallationJwt (your signAppJwt) from lessons/03-sign-jwt/exercises/sign-jwt/solution/sign-jwt.ts. The rest is src/.',
    );
  });

  it('refuse a learner\'s file that does not load or lacks the export, saying which and what to run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mine-'));
    const broken = join(dir, 'broken.ts');
    writeFileSync(broken, 'export const nothing = 1;\n');
    const exercises = solved.map((e) => (e.name === 'find-the-token' ? { ...e, file: broken } : e));
    await expect(loadPieces(['extractJwt'], exercises)).rejects.toMatchObject({
      code: 'ERR_MINE_PIECE',
      message: expect.stringMatching(/does not export a function extractJwt\. Check it with npm run practice -- check find-the-token/),
    });
    writeFileSync(broken, 'export function extractJwt( {\n');
    const syntax = solved.map((e) => (e.name === 'find-the-token' ? { ...e, file: join(dir, 'syntax.ts') } : e));
    writeFileSync(join(dir, 'syntax.ts'), 'export function extractJwt( {\n');
    await expect(loadPieces(['extractJwt'], syntax)).rejects.toMatchObject({ code: 'ERR_MINE_PIECE', message: expect.stringContaining('it does not load') });
  });
});

describe('lessons run on the learner\'s pieces', () => {
  it('lesson 3 shows the learner\'s canonical request, and signs with the learner\'s code', async () => {
    const lesson = await lessonNumbered(3);
    const ctx = await createTestContext({
      mock: false,
      installations: [installation],
      now: () => NOW,
      mine: { canonicalRequest: () => 'MINE&/canonical&', queryStringHash: () => 'my-hash', signInstallationJwt: async () => 'mine.mine.mine' },
    });
    try {
      await lesson.steps[1]!.run(ctx);
      await lesson.steps[3]!.run(ctx);
      expect(ctx.output()).toContain('MINE&/canonical&');
      expect(ctx.output()).toContain('my-hash');
      expect(ctx.state.jwt, 'step 4 keeps the learner\'s token for step 5').toBe('mine.mine.mine');
      expect(ctx.output().replace(/\s+/g, ' '), 'the narration says whose code signed').toMatch(/Your\W* `?signAppJwt`? \(`?--mine`?\) signed it/);
    } finally {
      await ctx.close();
    }
  });

  it('lessons 2 to 7 pass every step on the solved exercises, and run the pieces they take', async () => {
    /** The pieces each lesson must call in a run offline (lesson 7 meets no 429, so never waits one out). */
    const used: Record<number, PieceName[]> = {
      2: ['decideInstall'],
      5: ['followPages', 'refreshOnce', 'rateLimitWait'],
      7: ['createRepositoryPage', 'verifyRequest', 'signInstallationJwt', 'tokenRequest', 'refreshOnce'],
    };
    for (const n of [2, 3, 4, 5, 6, 7]) {
      const lesson = await lessonNumbered(n);
      const { pieces } = await loadPieces(lesson.mine ?? [], solved);
      const called = new Set<PieceName>();
      // In place: an adapted piece (the signer) reads the others from this object when it runs.
      for (const name of Object.keys(pieces) as PieceName[]) {
        const piece = pieces[name] as (...args: unknown[]) => unknown;
        (pieces as Record<PieceName, unknown>)[name] = (...args: unknown[]) => {
          called.add(name);
          return piece(...args);
        };
      }
      const ctx = await createTestContext({ installations: [installation], now: () => NOW, mine: pieces });
      try {
        for (const step of lesson.steps) await step.run(ctx);
      } finally {
        await ctx.close();
      }
      for (const name of used[n] ?? []) expect(called.has(name), `lesson ${n} runs the learner's ${name}`).toBe(true);
    }
  });

  it('npm run lesson 1 -- --mine is a usage error naming the lessons that take the learner\'s code', async () => {
    const run = await runLessonScript(1, ['--mine'], { dataDir: mkdtempSync(join(tmpdir(), 'mine-1-')) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Lesson 1 runs none of your exercise code, so --mine changes nothing. It works with lessons 2, 3, 4, 5, 6, 7.');
  });

  it('npm run lesson 5 -- --mine runs the learner\'s pagination, 401 and 429 rules, passing or not, never a stack trace', async () => {
    const run = await runLessonScript(5, ['--mine', '--simulate'], { dataDir: mkdtempSync(join(tmpdir(), 'mine-5-')) });
    expect([0, 1], `${run.stdout}\n${run.stderr}`).toContain(run.code);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(
      'Your code in this run (--mine): followPages from lessons/05-api-call/exercises/follow-next/follow-pages.ts; ' +
        'refreshOnce from lessons/05-api-call/exercises/refresh-once/refresh-once.ts; ' +
        'rateLimitWait from lessons/05-api-call/exercises/back-off/rate-limit-wait.ts. The rest is src/.',
    );
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
  });

  it('npm run lesson 3 -- --mine says which code is the learner\'s, and runs it (passing or not, never a stack trace)', async () => {
    const run = await runLessonScript(3, ['--mine'], { dataDir: mkdtempSync(join(tmpdir(), 'mine-3-')) });
    expect([0, 1], `${run.stdout}\n${run.stderr}`).toContain(run.code);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(
      'Your code in this run (--mine): canonicalRequest, queryStringHash from lessons/03-sign-jwt/exercises/canonical-request/canonical-request.ts; ' +
        'signInstallationJwt (your signAppJwt) from lessons/03-sign-jwt/exercises/sign-jwt/sign-jwt.ts. The rest is src/.',
    );
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
  });
});
