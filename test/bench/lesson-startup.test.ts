import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { measureLessonStartup, missingLesson, timeLessonRun } from './lesson-startup.ts';
import type { LessonRun } from './lesson-startup.ts';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const SLUGS = ['descriptor', 'lifecycle', 'sign-jwt'];

/** A lessons directory with the runner and lessons 1..count, each with a lesson.ts. */
async function lessonsDir(count: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bench-lessons-'));
  made.push(root);
  await mkdir(join(root, 'runner'));
  await writeFile(join(root, 'runner', 'cli.ts'), '');
  const entries = SLUGS.slice(0, count).map((slug, i) => ({ number: i + 1, slug, title: slug }));
  await writeFile(join(root, 'manifest.json'), JSON.stringify(entries));
  for (const entry of entries) {
    const dir = join(root, `0${entry.number}-${entry.slug}`);
    await mkdir(dir);
    await writeFile(join(dir, 'lesson.ts'), '');
  }
  return root;
}

/** A fake lesson CLI: records each call, takes `times[n]` ms for the nth run of lesson 3. */
function fakeRunner(times: number[], fail?: { lesson: number; output: string }) {
  const calls: { lesson: number; dataDir: string; dataDirExists: boolean }[] = [];
  let timed = 0;
  const run = async (lesson: number, dataDir: string): Promise<LessonRun> => {
    calls.push({ lesson, dataDir, dataDirExists: existsSync(dataDir) });
    const exitCode = fail?.lesson === lesson ? 1 : 0;
    const ms = lesson === 3 ? (times[timed++] ?? 0) : 1;
    return { exitCode, timedOut: false, ms, output: exitCode ? (fail?.output ?? '') : '' };
  };
  return { run, calls };
}

describe('measureLessonStartup', () => {
  it('says "lesson 3 not present" and runs nothing while lesson 3 is missing', async () => {
    const dir = await lessonsDir(2);
    const { run, calls } = fakeRunner([]);
    expect(await measureLessonStartup({ lessonsDir: dir, run })).toEqual({ status: 'skipped', reason: 'lesson 3 not present' });
    expect(calls).toEqual([]);
    expect(missingLesson(2, dir)).toBeUndefined();
  });

  it('skips when the runner, a setup lesson or a usable manifest is missing', async () => {
    const dir = await lessonsDir(3);
    await rm(join(dir, '02-lifecycle', 'lesson.ts'));
    expect(missingLesson(2, dir)).toBe('lesson 2 not present');
    expect(await measureLessonStartup({ lessonsDir: dir, run: fakeRunner([]).run })).toEqual({ status: 'skipped', reason: 'lesson 2 not present' });
    await writeFile(join(dir, 'manifest.json'), '{');
    expect(missingLesson(3, dir)).toMatch(/^lessons\/manifest.json unusable/);
    await rm(join(dir, 'runner', 'cli.ts'));
    expect(missingLesson(3, dir)).toMatch(/lesson runner .* not present/);
  });

  it('runs lessons 1 and 2 in one temporary DATA_DIR, then reports the median of the lesson 3 runs', async () => {
    const dir = await lessonsDir(3);
    const { run, calls } = fakeRunner([900, 410, 400, 5000, 420]);
    const result = await measureLessonStartup({ lessonsDir: dir, run });
    expect(result).toEqual({ status: 'measured', runsMs: [900, 410, 400, 5000, 420], medianMs: 420 });
    expect(calls.map((call) => call.lesson)).toEqual([1, 2, 3, 3, 3, 3, 3]);
    const dataDirs = new Set(calls.map((call) => call.dataDir));
    expect(dataDirs.size).toBe(1);
    expect(calls.every((call) => call.dataDirExists)).toBe(true);
    // Removed afterwards.
    expect(existsSync([...dataDirs][0] ?? '')).toBe(false);
  });

  it('reports a failed setup lesson with the end of its output, secrets redacted', async () => {
    const dir = await lessonsDir(3);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const { run, calls } = fakeRunner([], { lesson: 2, output: `step 1 ok\nERR_X: refused ${jwt}\n` });
    const result = await measureLessonStartup({ lessonsDir: dir, run });
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.reason).toMatch(/^lesson 2 exited with 1: step 1 ok \| ERR_X: refused /);
    expect(result.reason).not.toContain(jwt);
    expect(calls.map((call) => call.lesson)).toEqual([1, 2]);
  });

  it('refuses a run count it cannot use', async () => {
    await expect(measureLessonStartup({ runs: 0 })).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS' });
  });
});

describe('timeLessonRun', () => {
  it('times a real run of the lesson CLI and keeps its output (an unknown lesson exits 2 at once)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bench-data-'));
    made.push(dataDir);
    const run = await timeLessonRun(99, dataDir, 20_000);
    expect(run).toMatchObject({ exitCode: 2, timedOut: false });
    expect(run.ms).toBeGreaterThan(0);
    expect(run.output).toContain('"99"');
  });
});
