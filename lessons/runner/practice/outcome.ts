/**
 * From a test run to what the learner reads: each exercise's rules passed, and its first broken
 * rule in at most 15 lines (never a dump).
 */
import { REPO_ROOT, shownPath, type Exercise } from './exercises.ts';
import type { RuleFailure, RuleResult, TestRun } from './run-tests.ts';

/**
 * One exercise's part of a run.
 *
 * @example { exercise, rules: [...], passed: 3, total: 13, loadError: undefined }
 */
export interface ExerciseOutcome {
  exercise: Exercise;
  rules: RuleResult[];
  passed: number;
  total: number;
  /** The test file did not load (a syntax error in the learner's file, a missing export...). */
  loadError?: RuleFailure;
}

/** At most this many lines for one failure, everything included. */
export const MAX_FAILURE_LINES = 15;
/** Of which the error's own message gets at most these. */
const MAX_MESSAGE_LINES = 10;

/**
 * The outcome of each exercise in a run, in the exercises' order. An exercise whose test file is
 * missing from the run (vitest found nothing to run) gets a load error saying so.
 *
 * @example outcomes(exercises, run)[0]?.passed
 */
export function outcomes(exercises: readonly Exercise[], run: TestRun): ExerciseOutcome[] {
  return exercises.map((exercise) => {
    const module = run.modules.find((m) => m.file === exercise.test);
    if (!module) {
      return { exercise, rules: [], passed: 0, total: 0, loadError: { name: 'Error', message: `vitest did not run ${shownPath(exercise.test)}` } };
    }
    const passed = module.rules.filter((rule) => rule.state === 'passed').length;
    const outcome: ExerciseOutcome = { exercise, rules: module.rules, passed, total: module.rules.length };
    const loadError = module.error ?? (module.rules.length === 0 ? { name: 'Error', message: 'the test file defines no rules' } : undefined);
    if (loadError) outcome.loadError = loadError;
    return outcome;
  });
}

/**
 * Whether every rule of the exercise passed.
 *
 * @example isDone(outcome) // true
 */
export function isDone(outcome: ExerciseOutcome): boolean {
  return !outcome.loadError && outcome.total > 0 && outcome.passed === outcome.total;
}

/** `3/13 rules`. */
export function ruleCount(outcome: Pick<ExerciseOutcome, 'passed' | 'total'>): string {
  return `${outcome.passed}/${outcome.total} rule${outcome.total === 1 ? '' : 's'}`;
}

/** A `file:line` from the stack, relative to the repository when it is in it. */
function shownWhere(where: string): string {
  const [file = where, line] = where.split(/:(?=\d+$)/);
  const shown = file.startsWith(REPO_ROOT) ? shownPath(file) : file;
  return line ? `${shown}:${line}` : shown;
}

/** A failure's lines: a RuleError's message as it is (it names the rule); anything else after the rule's name. */
function failureLines(rule: string | undefined, failure: RuleFailure): string[] {
  const message = failure.message.split('\n').filter((line) => line.trim() !== '');
  const lines =
    failure.name === 'RuleError'
      ? message
      : [...(rule ? [`Rule ${rule.replace(/^(\d+)\.\s+/, '$1: ')}`] : []), ...message.map((line, i) => (i === 0 ? `  ${failure.name}: ${line}` : `  ${line}`))];
  const cut = lines.length > MAX_MESSAGE_LINES ? [...lines.slice(0, MAX_MESSAGE_LINES - 1), `  … (${lines.length - MAX_MESSAGE_LINES + 1} more lines)`] : lines;
  if (failure.where) cut.push(`  thrown at ${shownWhere(failure.where)}`);
  return cut;
}

/**
 * The first broken rule of an exercise, for `check` and watch mode: a heading with the count, the
 * rule with expected and actual, the learner's file and the hint command. At most `maxLines`
 * (default 15) lines.
 *
 * @example
 * formatFirstFailure(outcome).join('\n')
 * // ✗ canonical-request (lesson 3): 1/13 rules
 * // Rule 1: the method is upper case
 * //   ...
 * // Hint: npm run practice -- hint canonical-request
 */
export function formatFirstFailure(outcome: ExerciseOutcome, maxLines: number = MAX_FAILURE_LINES): string[] {
  const { exercise } = outcome;
  const heading = `✗ ${exercise.name} (lesson ${exercise.lesson.number}): ${outcome.loadError ? 'the tests cannot load your file' : ruleCount(outcome)}`;
  const failed = outcome.rules.find((rule) => rule.state === 'failed');
  const body = outcome.loadError
    ? failureLines(undefined, outcome.loadError)
    : failed?.failure
      ? failureLines(failed.name, failed.failure)
      : [`Rule ${failed?.name ?? '(none ran)'}: did not pass`];
  const footer = [`Your file: ${shownPath(exercise.file)}`, `Hint: npm run practice -- hint ${exercise.name}`];
  return [heading, ...body.slice(0, Math.max(1, maxLines - 1 - footer.length)), ...footer];
}
