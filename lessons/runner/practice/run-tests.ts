/**
 * Runs exercise tests and reads their per-rule results: vitest in a child process (plain Node, the
 * `exercises` project, `reporter.ts` sending results over IPC), once or in watch mode.
 *
 * Why a child and not vitest's Node API in this process: the practice CLI runs under tsx, whose
 * loader hooks make importing `vitest/node` cost about 1.7 s here, against 0.35 s in plain Node;
 * a whole child run of lesson 3's exercises takes about 1.2 s. Watch mode keeps one child, whose
 * own watcher re-runs a test in about 0.5 s after a save. (`npm run bench` does not measure this;
 * the figures come from measuring both ways on the lab's machine when this was written.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../../../src/errors.ts';
import { REPO_ROOT, shownPath } from './exercises.ts';
import type { PracticeTarget } from './target-plugin.ts';

/**
 * What broke a rule (or stopped a test file from loading): the error's class, its message, and
 * where in the learner's code it was thrown, when the stack says.
 *
 * @example { name: 'RuleError', message: 'Rule 1: the method is upper case\n  expected: ...' }
 */
export interface RuleFailure {
  name: string;
  message: string;
  /** `/abs/path/file.ts:12`. */
  where?: string;
}

/**
 * One rule (one test) and how it went.
 *
 * @example { name: '1. the method is upper case', state: 'passed' }
 */
export interface RuleResult {
  name: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  failure?: RuleFailure;
}

/**
 * What one run of vitest reported: each test file's rules, and errors outside any test.
 *
 * @example run.modules[0]?.rules.filter((r) => r.state === 'passed').length
 */
export interface TestRun {
  modules: { file: string; rules: RuleResult[]; error?: RuleFailure }[];
  unhandled: RuleFailure[];
}

/**
 * vitest could not be run, or ended without reporting (a broken config, a crash).
 *
 * @example throw new PracticeRunError('vitest exited with code 1 before reporting: ...')
 */
export class PracticeRunError extends LabError {
  constructor(detail: string) {
    super('ERR_PRACTICE_RUN', `Could not run the exercise tests: ${detail}`);
  }
}

const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const REPORTER = fileURLToPath(new URL('./reporter.ts', import.meta.url));
const RUN_TIMEOUT_MS = 120_000;

/** Options of {@link runTests} and {@link watchTests}. */
export interface RunOptions {
  /** Whose files the tests import (default: the learner's). */
  target?: PracticeTarget;
}

function startVitest(testFiles: readonly string[], mode: 'run' | 'watch', o: RunOptions): ChildProcess {
  const args = [VITEST, mode, '--project', 'exercises', `--reporter=${REPORTER}`, ...testFiles.map(shownPath)];
  return spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PRACTICE_TARGET: o.target ?? 'learner', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
}

/** The last lines of what vitest printed on stderr, for an error message. */
function tail(text: string): string {
  return text.trim().split('\n').slice(-8).join('\n');
}

/**
 * Runs the given exercise test files once and returns their results.
 *
 * @example
 * const run = await runTests([exercise.test])
 * run.modules[0]?.rules // [{ name: '1. the method is upper case', state: 'failed', failure: {...} }, ...]
 */
export function runTests(testFiles: readonly string[], o: RunOptions = {}): Promise<TestRun> {
  return new Promise((resolve, reject) => {
    const child = startVitest(testFiles, 'run', o);
    let stderr = '';
    let result: TestRun | undefined;
    const timer = setTimeout(() => child.kill(), RUN_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('message', (message) => (result = message as TestRun));
    child.on('error', (error) => reject(new PracticeRunError(error.message)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new PracticeRunError(`vitest ended (${signal ?? `exit code ${code}`}) without a result. ${tail(stderr)}`));
    });
  });
}

/**
 * A running watch: results arrive through `onRun` after the first run and after each change.
 *
 * @example const watch = watchTests([exercise.test], render); ...; await watch.close()
 */
export interface TestWatch {
  close(): Promise<void>;
}

/**
 * Runs the test files in vitest's watch mode: `onRun` gets the results of the first run and of
 * each run after a change to a file they import (the learner's file).
 *
 * @example
 * const watch = watchTests([exercise.test], (run) => print(firstFailure(run)), (error) => print(error.message))
 */
export function watchTests(testFiles: readonly string[], onRun: (run: TestRun) => void, onError: (error: Error) => void, o: RunOptions = {}): TestWatch {
  const child = startVitest(testFiles, 'watch', o);
  let stderr = '';
  let closing = false;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = `${stderr}${chunk}`.slice(-4000)));
  child.on('message', (message) => onRun(message as TestRun));
  child.on('error', (error) => onError(new PracticeRunError(error.message)));
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      if (!closing) onError(new PracticeRunError(`vitest stopped watching (${signal ?? `exit code ${code}`}). ${tail(stderr)}`));
      resolve();
    }),
  );
  return {
    async close() {
      closing = true;
      child.kill();
      await exited;
    },
  };
}
