/**
 * Every lesson, end to end, as a learner's pipe or CI runs it: `npm run lesson N -- --yes` with no
 * terminal, in manifest order, sharing one DATA_DIR (each lesson builds on the state of the ones
 * before). Each run must pass, print one ✓ line per step, and leak no secret of that run, in
 * stdout, stderr or its `.http` transcript.
 *
 * The secrets come from sources independent of the output: the store (each installation's
 * sharedSecret) and the runner's LAB_SECRETS_DUMP file, which lists what the lesson registered
 * and every access token the mock issued (lessons/runner/README.md).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { importLesson } from '../lessons/runner/load-lesson.ts';
import { loadManifest } from '../lessons/runner/manifest.ts';
import { readProgress } from '../lessons/runner/progress.ts';
import { runLessonScript } from '../lessons/runner/run-script.ts';
import { transcriptPath } from '../lessons/runner/transcript.ts';

const WHOLE_JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/;
/** redactText leaves shorter strings alone (too short to be a credential, too likely to be a word). */
const MIN_SECRET_LENGTH = 8;

const manifest = loadManifest();
const dataDir = mkdtempSync(join(tmpdir(), 'lessons-output-'));

async function storedSharedSecrets(): Promise<string[]> {
  const store = openSqliteStore({ dataDir });
  try {
    return (await store.list()).map((installation) => installation.sharedSecret);
  } finally {
    await store.close();
  }
}

describe('every lesson, non-interactively, in manifest order', () => {
  it.each(manifest.map((entry) => [entry.number, entry.title, entry] as const))('lesson %i (%s)', async (number, _title, entry) => {
    const dump = join(dataDir, `secrets-${number}.json`);
    const run = await runLessonScript(number, [], { dataDir, env: { LAB_SECRETS_DUMP: dump } });
    expect(run.code, `exit code of npm run lesson ${number}:\n${run.stdout}\n${run.stderr}`).toBe(0);

    const lesson = await importLesson(entry);
    const passed = run.stdout.split('\n').filter((line) => line.startsWith('✓ Step '));
    expect(passed, 'one ✓ line per step, in order').toEqual(lesson.steps.map((step, i) => `✓ Step ${i + 1}: ${step.title}`));

    const transcriptFile = transcriptPath(dataDir, number);
    expect(existsSync(transcriptFile), 'every run leaves its transcript').toBe(true);
    expect(existsSync(dump), 'LAB_SECRETS_DUMP was written').toBe(true);
    const transcript = readFileSync(transcriptFile, 'utf8');
    const { registered, issued } = JSON.parse(readFileSync(dump, 'utf8')) as { registered: string[]; issued: string[] };
    const secrets = [...(await storedSharedSecrets()), ...issued, ...registered].filter((s) => s.length >= MIN_SECRET_LENGTH);
    for (const [where, text] of [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
      ['the transcript', transcript],
    ] as const) {
      for (const secret of secrets) {
        expect(text.includes(secret), `a secret (${secret.slice(0, 4)}…) appears whole in ${where}`).toBe(false);
      }
      expect(text, `a whole JWT (with its signature) appears in ${where}`).not.toMatch(WHOLE_JWT);
      expect(text, `an escape code in ${where}: nothing is a terminal here`).not.toMatch(/\x1b/);
    }
  });

  it('records every lesson as completed', () => {
    expect(readProgress(dataDir).completed).toEqual(manifest.map((e) => e.number));
  });

  it('--reset clears progress and transcripts', async () => {
    const run = await runLessonScript(undefined, ['--reset'], { dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(readProgress(dataDir).completed).toEqual([]);
    for (const entry of manifest) expect(existsSync(transcriptPath(dataDir, entry.number))).toBe(false);
    expect(await storedSharedSecrets(), 'the offline installations are gone too').toEqual([]);
  });
});

describe('the lesson CLI as a process', () => {
  it('exits 2 for an unknown lesson, listing the valid ones', async () => {
    const run = await runLessonScript(99, [], { dataDir: mkdtempSync(join(tmpdir(), 'lessons-output-')) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown lesson "99". Lessons: 1 (');
    expect(run.stderr, 'a usage error, not a crash').not.toMatch(/^\s+at /m);
  });

  it('writes no escape code when stdout is not a terminal, even without NO_COLOR', async () => {
    const run = await runLessonScript(1, [], { dataDir: mkdtempSync(join(tmpdir(), 'lessons-output-')), env: { NO_COLOR: undefined } });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/\x1b/);
  });
});
