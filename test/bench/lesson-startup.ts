import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LESSONS_DIR, lessonDir, loadManifest } from '../../lessons/runner/manifest.ts';
import type { ManifestEntry } from '../../lessons/runner/manifest.ts';
import { runLessonScript } from '../../lessons/runner/run-script.ts';
import { redactText } from '../../src/redact.ts';
import { BenchOptionsError } from './errors.ts';
import { median } from './stats.ts';

/**
 * Lesson start-up: the wall time of `node --import tsx lessons/runner/cli.ts 3 --yes`, offline,
 * in a temporary DATA_DIR where lessons 1 and 2 ran first (lesson 3 signs with the installation
 * lesson 2 stores). Only when the runner and those lessons exist.
 */

/** The lesson timed, and the lessons that prepare its DATA_DIR. */
const TIMED_LESSON = 3;
const SETUP_LESSONS = [1, 2] as const;
/** How much of a failed run's output the report quotes. */
const OUTPUT_TAIL_CHARS = 400;

/**
 * One finished run of the lesson CLI.
 *
 * @example
 * const run: LessonRun = { exitCode: 0, timedOut: false, ms: 812, output: '' }
 */
export interface LessonRun {
  /** `null` when the run was killed. */
  exitCode: number | null;
  /** True when it was killed for running past the timeout. */
  timedOut: boolean;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  /** What it printed (stdout, then stderr), for a failure message; may hold secrets: redact it. */
  output: string;
}

/**
 * Runs one lesson offline with `--yes` in a DATA_DIR; {@link timeLessonRun} unless a test injects another.
 *
 * @example
 * const run: RunLesson = async (lesson, dataDir) => ({ exitCode: 0, timedOut: false, ms: 5, output: '' })
 */
export type RunLesson = (lesson: number, dataDir: string) => Promise<LessonRun>;

/**
 * What {@link measureLessonStartup} found: a median, a reason to skip, or a reason it failed.
 *
 * @example
 * if (result.status === 'measured') console.log(result.medianMs)
 */
export type LessonStartup =
  | { status: 'measured'; runsMs: number[]; medianMs: number }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string };

/**
 * Options of {@link measureLessonStartup}; all optional.
 *
 * @example
 * const options: LessonStartupOptions = { runs: 5, timeoutMs: 20_000 }
 */
export interface LessonStartupOptions {
  /** Timed runs of lesson 3; default 5. */
  runs?: number;
  /** Each child is killed after this long; default 20 000 ms. */
  timeoutMs?: number;
  /** Where the manifest, the lessons and `runner/cli.ts` are; default this checkout's `lessons/`. */
  lessonsDir?: string;
  run?: RunLesson;
}

/**
 * Why lesson `n` cannot run, or `undefined` when it can: the runner, its manifest entry and its
 * `lesson.ts` must all be there.
 *
 * @example
 * missingLesson(3) // 'lesson 3 not present', while nobody has written it
 */
export function missingLesson(n: number, lessonsDir: string = LESSONS_DIR): string | undefined {
  if (!existsSync(join(lessonsDir, 'runner', 'cli.ts'))) return 'the lesson runner (lessons/runner/cli.ts) not present';
  let manifest: ManifestEntry[];
  try {
    manifest = loadManifest(lessonsDir);
  } catch (error) {
    return `lessons/manifest.json unusable (${error instanceof Error ? error.message : String(error)})`;
  }
  const entry = manifest.find((lesson) => lesson.number === n);
  if (!entry || !existsSync(join(lessonDir(entry, lessonsDir), 'lesson.ts'))) return `lesson ${n} not present`;
  return undefined;
}

/**
 * Times one `node --import tsx lessons/runner/cli.ts <lesson> --yes` run, offline, through the
 * runner's own `runLessonScript` (no terminal, NO_COLOR, the developer's LIVE and SCENARIO left out).
 *
 * @example
 * const { exitCode, ms } = await timeLessonRun(3, dataDir, 20_000)
 */
export async function timeLessonRun(lesson: number, dataDir: string, timeoutMs: number): Promise<LessonRun> {
  const start = performance.now();
  const result = await runLessonScript(lesson, [], { dataDir, timeoutMs });
  const ms = performance.now() - start;
  return { exitCode: result.code, timedOut: result.code === null && ms >= timeoutMs, ms, output: `${result.stdout}${result.stderr}` };
}

/** A failed run, described with the end of its (redacted) output. */
function describeFailure(lesson: number, run: LessonRun, timeoutMs: number): string {
  const how = run.timedOut ? `was stopped after ${timeoutMs} ms without finishing` : `exited with ${run.exitCode ?? 'a signal'}`;
  const tail = redactText(run.output.slice(-OUTPUT_TAIL_CHARS * 4))
    .trim()
    .split('\n')
    .slice(-3)
    .join(' | ')
    .slice(-OUTPUT_TAIL_CHARS);
  return `lesson ${lesson} ${how}${tail ? `: ${tail}` : ''}`;
}

/**
 * Prepares a temporary DATA_DIR with lessons 1 and 2, then times `runs` runs of lesson 3 and
 * reports their median. Skips when a lesson or the runner is missing; reports a failed run
 * instead of a time. The DATA_DIR is removed afterwards.
 *
 * @example
 * const result = await measureLessonStartup({ runs: 5 })
 * console.log(result.status === 'measured' ? `${result.medianMs} ms` : `${result.status}: ${result.reason}`)
 */
export async function measureLessonStartup(o: LessonStartupOptions = {}): Promise<LessonStartup> {
  const runs = o.runs ?? 5;
  const timeoutMs = o.timeoutMs ?? 20_000;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new BenchOptionsError(`runs=${runs} must be a whole number, 1 or more.`);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new BenchOptionsError(`timeoutMs=${timeoutMs} must be a whole number of milliseconds, 1 or more.`);
  }
  for (const n of [TIMED_LESSON, ...SETUP_LESSONS]) {
    const missing = missingLesson(n, o.lessonsDir);
    if (missing) return { status: 'skipped', reason: missing };
  }

  const run = o.run ?? ((lesson, dataDir) => timeLessonRun(lesson, dataDir, timeoutMs));
  const dataDir = await mkdtemp(join(tmpdir(), 'jwt-grant-lab-bench-'));
  try {
    for (const lesson of SETUP_LESSONS) {
      const result = await run(lesson, dataDir);
      if (result.exitCode !== 0) return { status: 'failed', reason: describeFailure(lesson, result, timeoutMs) };
    }
    const runsMs: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const result = await run(TIMED_LESSON, dataDir);
      if (result.exitCode !== 0) return { status: 'failed', reason: describeFailure(TIMED_LESSON, result, timeoutMs) };
      runsMs.push(result.ms);
    }
    return { status: 'measured', runsMs, medianMs: median(runsMs) };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
