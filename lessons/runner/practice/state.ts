/**
 * What `npm run practice` remembers in `DATA_DIR/practice.json`: hints shown, failed checks (both
 * open the solution), and the last test result of each exercise with the hash of the files it was
 * computed from. That last one is a cache for the lesson menu only: a result counts only while the
 * files are unchanged, and `list` and `check` always run the tests.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileAtomic } from '../../../src/fs/private-files.ts';
import type { Exercise } from './exercises.ts';

/**
 * The last test result of one exercise.
 *
 * @example { hash: 'ab12…', passed: 3, total: 13 }
 */
export interface CachedResult {
  /** {@link contentHash} of the files when the tests ran. */
  hash: string;
  passed: number;
  total: number;
}

/**
 * The whole file.
 *
 * @example { hints: { 'sign-jwt': 2 }, failedChecks: { 'sign-jwt': 1 }, results: {} }
 */
export interface PracticeState {
  /** Hints shown so far, per exercise (0 to 3). */
  hints: Record<string, number>;
  /** `check`s that failed, per exercise. */
  failedChecks: Record<string, number>;
  results: Record<string, CachedResult>;
}

/**
 * `practice.json` in the data directory.
 *
 * @example practiceStatePath('.data') // '.data/practice.json'
 */
export function practiceStatePath(dataDir: string): string {
  return join(dataDir, 'practice.json');
}

function counts(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => Number.isInteger(entry[1]) && entry[1] >= 0));
}

function results(value: unknown): Record<string, CachedResult> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, CachedResult] =>
        typeof entry[1]?.hash === 'string' && Number.isInteger(entry[1]?.passed) && Number.isInteger(entry[1]?.total),
    ),
  );
}

/**
 * Reads the state; a missing or unreadable file is a fresh start (it is a convenience: the tests
 * are the truth).
 *
 * @example readPracticeState('.data').hints['sign-jwt'] // 2
 */
export function readPracticeState(dataDir: string): PracticeState {
  try {
    const data = JSON.parse(readFileSync(practiceStatePath(dataDir), 'utf8')) as Record<string, unknown> | null;
    return { hints: counts(data?.hints), failedChecks: counts(data?.failedChecks), results: results(data?.results) };
  } catch {
    return { hints: {}, failedChecks: {}, results: {} };
  }
}

/**
 * Changes the state and writes it atomically and owner-only (`writePrivateFileAtomic`).
 *
 * @example updatePracticeState('.data', (state) => { state.hints['sign-jwt'] = 1 })
 */
export function updatePracticeState(dataDir: string, change: (state: PracticeState) => void): PracticeState {
  const state = readPracticeState(dataDir);
  change(state);
  writePrivateFileAtomic(practiceStatePath(dataDir), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/**
 * The hash of what an exercise's result depends on: the learner's file and the test file.
 *
 * @example contentHash(exercise) // 'sha256 hex'
 */
export function contentHash(exercise: Exercise): string {
  const hash = createHash('sha256');
  for (const file of [exercise.file, exercise.test]) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(missing)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * The cached result of an exercise when it is still current (its files unchanged), else undefined.
 *
 * @example currentResult(state, exercise)?.passed // 3
 */
export function currentResult(state: PracticeState, exercise: Exercise): CachedResult | undefined {
  const cached = state.results[exercise.name];
  return cached && cached.hash === contentHash(exercise) ? cached : undefined;
}

/**
 * True when a cached result passed every rule (of at least one): the exercise is done.
 *
 * @example isSolved(currentResult(state, exercise)) // true once check passed and the file is unchanged
 */
export function isSolved(result: CachedResult | undefined): boolean {
  return result !== undefined && result.total > 0 && result.passed === result.total;
}

/**
 * Each lesson's exercises done, as far as the last test runs say: an exercise counts when its last
 * result passed every rule and its files have not changed since. For the lesson menu.
 *
 * @example practiceSummary(listExercises(), readPracticeState('.data')).get(3) // { done: 1, total: 2 }
 */
export function practiceSummary(exercises: readonly Exercise[], state: PracticeState): Map<number, { done: number; total: number }> {
  const summary = new Map<number, { done: number; total: number }>();
  for (const exercise of exercises) {
    const entry = summary.get(exercise.lesson.number) ?? { done: 0, total: 0 };
    entry.total += 1;
    if (isSolved(currentResult(state, exercise))) entry.done += 1;
    summary.set(exercise.lesson.number, entry);
  }
  return summary;
}
