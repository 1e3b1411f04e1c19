/**
 * Watch mode (`npm run practice` on a terminal): the first unfinished exercise, its tests re-run by
 * vitest on every save, only the first broken rule shown; keys for the next hint, the diff with the
 * solution, reset, the next exercise, the list, and quit.
 */
import { emitKeypressEvents } from 'node:readline';
import type { Style } from '../style.ts';
import type { Exercise } from './exercises.ts';
import { shownPath } from './exercises.ts';
import type { PracticeCommands } from './main.ts';
import { formatFirstFailure, isDone, outcomes, ruleCount } from './outcome.ts';
import type { TestRun, TestWatch, watchTests } from './run-tests.ts';
import { contentHash, updatePracticeState } from './state.ts';

/**
 * Key presses: `subscribe` calls back with each key's name (`h`, `q`, `ctrl-c`...) and returns
 * the unsubscribe function.
 *
 * @example const stop = keys.subscribe((key) => { if (key === 'q') quit() })
 */
export interface KeySource {
  subscribe(onKey: (key: string) => void): () => void;
}

/**
 * The keys of a terminal: stdin in raw mode, restored on unsubscribe.
 *
 * @example watchPractice({ ..., keys: terminalKeys(process.stdin) })
 */
export function terminalKeys(stdin: NodeJS.ReadStream): KeySource {
  return {
    subscribe(onKey) {
      emitKeypressEvents(stdin);
      stdin.setRawMode?.(true);
      stdin.resume();
      const listener = (text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
        if (key?.ctrl && key.name === 'c') onKey('ctrl-c');
        else onKey(key?.name ?? text ?? '');
      };
      stdin.on('keypress', listener);
      return () => {
        stdin.off('keypress', listener);
        stdin.setRawMode?.(false);
        stdin.pause();
      };
    },
  };
}

const KEYS_LINE = 'h hint · d diff with the solution · r reset · n next exercise · l list · q quit';

/**
 * Runs watch mode until `q` (0) or Ctrl-C (130).
 *
 * @example
 * await watchPractice({ exercises, style, line, dataDir, watchTests, keys, commands })
 */
export async function watchPractice(o: {
  exercises: Exercise[];
  style: Style;
  line(text?: string): void;
  dataDir: string;
  watchTests: typeof watchTests;
  keys?: KeySource;
  commands: PracticeCommands;
  /** Clears the terminal before each run's result (on a terminal), so only the current rule shows. */
  clear?: () => void;
}): Promise<number> {
  const { style, line, commands } = o;
  if (o.exercises.length === 0) {
    line('No exercises yet.');
    return 0;
  }
  line('Running the tests of every exercise, to start where you are…');
  let current = (await commands.firstUnfinished()) ?? o.exercises[0]!;
  const keys = o.keys ?? terminalKeys(process.stdin);

  const heading = (exercise: Exercise) => {
    line(style.bold(`Watching ${exercise.name} (lesson ${exercise.lesson.number}): edit ${shownPath(exercise.file)} and save.`));
    line(style.dim(`The task: ${shownPath(exercise.readme)}`));
  };
  const onRun = (exercise: Exercise) => (run: TestRun) => {
    const [outcome] = outcomes([exercise], run);
    if (!outcome) return;
    updatePracticeState(o.dataDir, (state) => {
      state.results[exercise.name] = { hash: contentHash(exercise), passed: outcome.passed, total: outcome.total };
    });
    if (o.clear) {
      o.clear();
      heading(exercise);
    }
    line();
    if (isDone(outcome)) {
      line(`${style.green('✓')} ${exercise.name}: all ${ruleCount(outcome)} pass. Press n for the next exercise.`);
    } else {
      const [heading = '', ...rest] = formatFirstFailure(outcome);
      line([style.red(heading), ...rest].join('\n'));
    }
    line(style.dim(KEYS_LINE));
  };

  let watch: TestWatch | undefined;
  const follow = (exercise: Exercise) => {
    current = exercise;
    line();
    heading(exercise);
    watch = o.watchTests([exercise.test], onRun(exercise), (error) => line(style.red(error.message)));
  };
  follow(current);

  return new Promise<number>((resolve) => {
    // Keys are handled one after the other, none dropped: `n` waits for the watch it replaces to stop.
    let queue = Promise.resolve();
    const finish = async (code: number) => {
      stop();
      // q lets the key before it finish; Ctrl-C does not wait.
      if (code === 0) await queue;
      await watch?.close();
      resolve(code);
    };
    const stop = keys.subscribe((key) => {
      if (key === 'ctrl-c') return void finish(130);
      if (key === 'q') return void finish(0);
      queue = queue.then(() => act(key)).catch((error: unknown) => line(style.red(error instanceof Error ? error.message : String(error))));
    });
    const act = async (key: string) => {
      if (key === 'h') commands.hint(current);
      else if (key === 'd') commands.diff(current);
      else if (key === 'r') commands.reset(current);
      else if (key === 'l') await commands.list();
      else if (key === 'n') {
        const index = o.exercises.findIndex((exercise) => exercise.name === current.name);
        const after = o.exercises[(index + 1) % o.exercises.length]!;
        await watch?.close();
        follow((await commands.firstUnfinished(after)) ?? after);
      }
    };
  });
}
