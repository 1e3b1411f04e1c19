/**
 * `npm run practice [command] [-- flags]`: the exercises, checked by their tests. A function of its
 * inputs and outputs, so that it can be tested in-process; `cli.ts` wires it to the real process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { isLabError } from '../../../src/errors.ts';
import { checkFlags, formatFlagHelp, parseArgs, type FlagSpec } from '../args.ts';
import { UsageError } from '../errors.ts';
import { LESSONS_DIR, loadManifest } from '../manifest.ts';
import { createStyle, useColor, type Style } from '../style.ts';
import { formatDiff } from './diff-view.ts';
import { listExercises, selectExercises, shownPath, type Exercise } from './exercises.ts';
import { backupLearnerFile, learnerText, solutionText, startingText } from './files.ts';
import { formatFirstFailure, isDone, MAX_FAILURE_LINES, outcomes, ruleCount, type ExerciseOutcome } from './outcome.ts';
import { lessonsWithPieces } from './pieces.ts';
import { runTests, watchTests, type TestRun } from './run-tests.ts';
import { contentHash, readPracticeState, updatePracticeState } from './state.ts';
import { type KeySource, watchPractice } from './watch.ts';

/** The process as the practice CLI sees it; tests pass their own. */
export interface PracticeIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** stdin and stdout are terminals: watch mode is possible. */
  interactive: boolean;
  /** Default: this checkout's `lessons/`. */
  lessonsDir?: string;
  /** Default: vitest in a child process (run-tests.ts). */
  runTests?: (testFiles: readonly string[]) => Promise<TestRun>;
  watchTests?: typeof watchTests;
  /** Key presses in watch mode; default: stdin in raw mode. */
  keys?: KeySource;
  now?: () => number;
}

/**
 * The exit codes of `npm run practice`.
 *
 * @example if (code === PRACTICE_EXIT.failed) console.log('a rule is broken')
 */
export const PRACTICE_EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const FLAGS = {
  force: { type: 'boolean', description: 'solution: show it before the hints are used up or 3 checks failed.' },
  apply: { type: 'boolean', description: 'solution: set your file to it (yours is kept in DATA_DIR).' },
  'no-color': { type: 'boolean', description: 'No colours (also NO_COLOR=1, and when output is not a terminal).' },
  help: { type: 'boolean', description: 'Show this help (-h).' },
} as const satisfies Record<string, FlagSpec>;

/** Hints and failed checks that open the solution without --force. */
const HINTS = 3;
const FAILED_CHECKS_FOR_SOLUTION = 3;
const HINT_NAMES = ['the idea', 'the API', 'the line'] as const;

/** What every command gets. */
interface Run {
  io: PracticeIo;
  style: Style;
  dataDir: string;
  exercises: Exercise[];
  flags: Record<string, string | boolean>;
  now: () => number;
  line(text?: string): void;
  test(exercises: readonly Exercise[]): Promise<ExerciseOutcome[]>;
}

/**
 * Runs the practice CLI and returns its exit code: 0 success (all rules pass, for `check`), 1 a
 * rule broken or a refusal, 2 a usage error, 130 Ctrl-C in watch mode.
 *
 * @example
 * process.exitCode = await runPracticeCli({ argv: ['check', '3'], env: process.env, stdout: process.stdout,
 *   stderr: process.stderr, interactive: false })
 */
export async function runPracticeCli(io: PracticeIo): Promise<number> {
  try {
    return await practice(io);
  } catch (error) {
    const message = isLabError(error) || error instanceof Error ? error.message : String(error);
    io.stderr.write(`${message}\n`);
    if (error instanceof UsageError) io.stderr.write('Run `npm run practice -- --help` for usage.\n');
    return error instanceof UsageError || error instanceof ConfigError ? PRACTICE_EXIT.usage : PRACTICE_EXIT.failed;
  }
}

async function practice(io: PracticeIo): Promise<number> {
  const parsed = parseArgs(io.argv);
  const flags = checkFlags(parsed.flags, FLAGS);
  const style = createStyle(useColor({ isTTY: io.stdout.isTTY, env: io.env, noColorFlag: flags['no-color'] === true }));
  const line = (text = '') => {
    io.stdout.write(`${text}\n`);
  };
  if (flags.help) {
    line(helpText().join('\n'));
    return PRACTICE_EXIT.ok;
  }
  const config = loadConfig(io.env);
  const exercises = listExercises(loadManifest(io.lessonsDir ?? LESSONS_DIR), io.lessonsDir ?? LESSONS_DIR);
  const runAll = io.runTests ?? ((files: readonly string[]) => runTests(files));
  const run: Run = {
    io,
    style,
    dataDir: config.dataDir,
    exercises,
    flags,
    now: io.now ?? Date.now,
    line,
    async test(selected) {
      const results = outcomes(selected, await runAll(selected.map((exercise) => exercise.test)));
      remember(config.dataDir, results);
      return results;
    },
  };
  const [command, arg, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`Too many arguments: ${extra.join(' ')}. Give a command and one lesson or exercise.`);
  const needsTarget = (name: string) => {
    if (arg === undefined) throw new UsageError(`${name} needs a lesson number or an exercise name, e.g. npm run practice -- ${name} ${exercises[0]?.name ?? '3'}.`);
    return selectExercises(exercises, arg);
  };
  const onlyFor = (allowed: string[]) => {
    for (const flag of ['force', 'apply'] as const) {
      if (flags[flag] && !allowed.includes(flag)) throw new UsageError(`--${flag} goes with the solution command only.`);
    }
  };
  switch (command) {
    case undefined:
      onlyFor([]);
      if (!io.interactive) return list(run);
      return watchPractice({
        ...run,
        watchTests: io.watchTests ?? watchTests,
        keys: io.keys,
        commands: commandsFor(run),
        clear: io.stdout.isTTY ? () => io.stdout.write('\x1b[2J\x1b[H') : undefined,
      });
    case 'list':
      onlyFor([]);
      if (arg !== undefined) throw new UsageError('list takes no argument: it lists every exercise.');
      return list(run);
    case 'check':
      onlyFor([]);
      return check(run, needsTarget('check'));
    case 'hint':
      onlyFor([]);
      return hint(run, await firstUnfinished(run, needsTarget('hint')));
    case 'solution':
      onlyFor(['force', 'apply']);
      return solution(run, needsTarget('solution'));
    case 'reset':
      onlyFor([]);
      return reset(run, needsTarget('reset'));
    default:
      throw new UsageError(`Unknown command "${command}". Commands: list, check, hint, solution, reset (or none, for watch mode).`);
  }
}

function helpText(): string[] {
  return [
    'Usage: npm run practice [-- <command> [<lesson|exercise>] [flags]]',
    '',
    'Commands:',
    '  (none)                      watch the first exercise to do (terminal), or list',
    '  list                        every exercise, with the rules its tests pass now',
    '  check <lesson|exercise>     run the tests: exit 0 if every rule passes, else 1',
    '  hint <exercise>             the next of 3 hints: the idea, the API, the line',
    '  solution <lesson|exercise>  your file against the solution (--apply: take it)',
    '  reset <lesson|exercise>     back to the starting file (yours kept as a backup)',
    '',
    'Flags:',
    ...formatFlagHelp(FLAGS),
    '',
    'The solution opens after the 3 hints or 3 failed checks, or with --force.',
    'Exit codes: 0 done, 1 a rule broken (or a refusal), 2 usage error, 130 Ctrl-C.',
  ];
}

/** Keeps each exercise's result (for the lesson menu) and counts the failed checks. */
function remember(dataDir: string, results: readonly ExerciseOutcome[]): void {
  updatePracticeState(dataDir, (state) => {
    for (const outcome of results) {
      state.results[outcome.exercise.name] = { hash: contentHash(outcome.exercise), passed: outcome.passed, total: outcome.total };
    }
  });
}

/** The first of these exercises whose tests do not all pass (or the first one, when all do). */
async function firstUnfinished(run: Run, selected: Exercise[]): Promise<Exercise> {
  if (selected.length === 1) return selected[0]!;
  const results = await run.test(selected);
  return (results.find((outcome) => !isDone(outcome)) ?? results[0]!).exercise;
}

async function list(run: Run): Promise<number> {
  const { style, line } = run;
  if (run.exercises.length === 0) {
    line('No exercises yet.');
    return PRACTICE_EXIT.ok;
  }
  const results = await run.test(run.exercises);
  const next = results.find((outcome) => !isDone(outcome));
  const width = Math.max(...run.exercises.map((exercise) => exercise.name.length));
  line('Exercises (the rules their tests pass now):');
  let lesson: number | undefined;
  for (const outcome of results) {
    const { exercise } = outcome;
    if (exercise.lesson.number !== lesson) {
      lesson = exercise.lesson.number;
      line(style.bold(`  Lesson ${lesson}: ${exercise.lesson.title}`));
    }
    const mark = isDone(outcome) ? style.green('✓') : outcome === next ? style.yellow('▸') : ' ';
    const count = outcome.loadError ? 'does not load' : ruleCount(outcome);
    line(`    ${mark} ${exercise.name.padEnd(width)}  ${count}`);
  }
  line();
  if (!next) line('Every exercise is done.');
  else line(`Next: npm run practice -- check ${next.exercise.name}\n  The task: ${shownPath(next.exercise.readme)}`);
  return PRACTICE_EXIT.ok;
}

async function check(run: Run, selected: Exercise[]): Promise<number> {
  const { style, line } = run;
  const results = await run.test(selected);
  const failing = results.filter((outcome) => !isDone(outcome));
  updatePracticeState(run.dataDir, (state) => {
    for (const { exercise } of failing) state.failedChecks[exercise.name] = (state.failedChecks[exercise.name] ?? 0) + 1;
  });
  const [first, ...others] = failing;
  const done = results.filter(isDone);
  for (const outcome of done) line(`${style.green('✓')} ${outcome.exercise.name}: ${ruleCount(outcome)}`);
  if (!first) {
    const withPieces = lessonsWithPieces(selected);
    if (withPieces.length > 0) line(`See your code at work: ${withPieces.map((n) => `npm run lesson ${n} -- --mine`).join(', ')}`);
    return PRACTICE_EXIT.ok;
  }
  // Fifteen lines in all, whatever the lesson: the failure gets what the summary lines leave.
  const [heading = '', ...rest] = formatFirstFailure(first, MAX_FAILURE_LINES - done.length - others.length);
  line([style.red(heading), ...rest].join('\n'));
  for (const outcome of others) line(`${style.red('✗')} ${outcome.exercise.name}: ${outcome.loadError ? 'does not load' : ruleCount(outcome)}`);
  return PRACTICE_EXIT.failed;
}

/** The hint command's work, also behind the `h` key of watch mode. */
function showHint(run: Run, exercise: Exercise): void {
  const { line, style } = run;
  const shown = readPracticeState(run.dataDir).hints[exercise.name] ?? 0;
  const index = Math.min(shown, HINTS - 1);
  line(style.bold(`Hint ${index + 1} of ${HINTS} for ${exercise.name} (${HINT_NAMES[index]}):`));
  line(exercise.entry.hints[index]);
  if (shown < HINTS) updatePracticeState(run.dataDir, (state) => (state.hints[exercise.name] = shown + 1));
  line(
    index + 1 < HINTS
      ? style.dim(`Next hint: npm run practice -- hint ${exercise.name}. The notes: ${shownPath(exercise.readme)}`)
      : style.dim(`That was the last hint. The solution, as a diff with your file: npm run practice -- solution ${exercise.name}`),
  );
}

function hint(run: Run, exercise: Exercise): number {
  showHint(run, exercise);
  return PRACTICE_EXIT.ok;
}

/** Whether the solution may be shown: --force, the hints used up, or three failed checks. */
function solutionOpen(run: Run, exercise: Exercise): boolean {
  const state = readPracticeState(run.dataDir);
  return (
    run.flags.force === true ||
    (state.hints[exercise.name] ?? 0) >= HINTS ||
    (state.failedChecks[exercise.name] ?? 0) >= FAILED_CHECKS_FOR_SOLUTION
  );
}

/** The solution command's work for one exercise, also behind the `d` key; false when refused. */
function showSolution(run: Run, exercise: Exercise, apply: boolean): boolean {
  const { line, style } = run;
  if (!solutionOpen(run, exercise)) {
    const state = readPracticeState(run.dataDir);
    line(
      `The solution of ${exercise.name} opens once you have seen its ${HINTS} hints (${state.hints[exercise.name] ?? 0} so far: ` +
        `npm run practice -- hint ${exercise.name}) or after ${FAILED_CHECKS_FOR_SOLUTION} failed checks (${state.failedChecks[exercise.name] ?? 0} so far). ` +
        `Or now: npm run practice -- solution ${exercise.name} --force.`,
    );
    return false;
  }
  const mine = learnerText(exercise);
  const answer = solutionText(exercise);
  const diff = formatDiff({ mine, solution: answer, file: shownPath(exercise.file), style });
  if (diff.length === 0) line(`${style.green('✓')} ${exercise.name}: your file is the solution.`);
  else line(diff.join('\n'));
  if (apply && diff.length > 0) {
    const backup = backupLearnerFile(exercise, run.dataDir, run.now);
    writeFileSync(exercise.file, answer);
    line(`Set ${shownPath(exercise.file)} to the solution. Yours is kept in ${backup ?? '(there was none)'}.`);
  }
  return true;
}

function solution(run: Run, selected: Exercise[]): number {
  let refused = false;
  for (const exercise of selected) {
    if (!showSolution(run, exercise, run.flags.apply === true)) refused = true;
  }
  return refused ? PRACTICE_EXIT.failed : PRACTICE_EXIT.ok;
}

/** The reset command's work for one exercise, also behind the `r` key; false when there is no start to go back to. */
function resetExercise(run: Run, exercise: Exercise): boolean {
  const { line } = run;
  const start = startingText(exercise, join(run.io.lessonsDir ?? LESSONS_DIR, '..'));
  if (start.source !== 'git') {
    line(`Cannot reset ${exercise.name}: its starting file is what git has committed, and ${shownPath(exercise.file)} is not in a git commit here.`);
    return false;
  }
  if (learnerText(exercise) === start.text) {
    line(`${exercise.name}: ${shownPath(exercise.file)} is already the starting file.`);
    return true;
  }
  const backup = backupLearnerFile(exercise, run.dataDir, run.now);
  writeFileSync(exercise.file, start.text);
  line(`Reset ${shownPath(exercise.file)} to its starting file. Yours is kept in ${backup ?? '(there was none)'}.`);
  return true;
}

function reset(run: Run, selected: Exercise[]): number {
  const ok = selected.map((exercise) => resetExercise(run, exercise)).every(Boolean);
  return ok ? PRACTICE_EXIT.ok : PRACTICE_EXIT.failed;
}

/**
 * What watch mode's keys do, shared with the commands.
 *
 * @example commands.hint(exercise)
 */
export interface PracticeCommands {
  hint(exercise: Exercise): void;
  diff(exercise: Exercise): void;
  reset(exercise: Exercise): void;
  list(): Promise<void>;
  /** The first exercise from `from` on (in manifest order, wrapping) whose tests do not all pass. */
  firstUnfinished(from?: Exercise): Promise<Exercise | undefined>;
}

function commandsFor(run: Run): PracticeCommands {
  return {
    hint: (exercise) => showHint(run, exercise),
    diff: (exercise) => void showSolution(run, exercise, false),
    reset: (exercise) => void resetExercise(run, exercise),
    list: async () => void (await list(run)),
    async firstUnfinished(from) {
      const start = Math.max(0, from ? run.exercises.findIndex((exercise) => exercise.name === from.name) : 0);
      const ordered = [...run.exercises.slice(start), ...run.exercises.slice(0, start)];
      const results = await run.test(ordered);
      return results.find((outcome) => !isDone(outcome))?.exercise;
    },
  };
}
