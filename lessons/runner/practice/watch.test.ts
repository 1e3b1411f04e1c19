import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStyle } from '../style.ts';
import { listExercises, type Exercise } from './exercises.ts';
import type { PracticeCommands } from './main.ts';
import type { TestRun, watchTests } from './run-tests.ts';
import { readPracticeState } from './state.ts';
import { watchPractice, type KeySource } from './watch.ts';

const [first, second] = listExercises();

/** Keys the test presses. */
function fakeKeys() {
  let listener: ((key: string) => void) | undefined;
  const keys: KeySource = {
    subscribe(onKey) {
      listener = onKey;
      return () => (listener = undefined);
    },
  };
  return { keys, press: (key: string) => listener?.(key), subscribed: () => listener !== undefined };
}

/** A watch that the test feeds runs into, recording which test files it watched and when it closed. */
function fakeWatch() {
  const watched: { files: readonly string[]; onRun: (run: TestRun) => void; closed: boolean }[] = [];
  const watch: typeof watchTests = (files, onRun) => {
    const entry = { files, onRun, closed: false };
    watched.push(entry);
    return { close: async () => void (entry.closed = true) };
  };
  return { watch, watched };
}

function failing(exercise: Exercise): TestRun {
  return {
    modules: [{ file: exercise.test, rules: [{ name: '1. a rule', state: 'failed', failure: { name: 'RuleError', message: 'Rule 1: a rule\n  expected: 1\n  actual:   2' } }] }],
    unhandled: [],
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('watch mode', () => {
  it('watches the first unfinished exercise, prints its first broken rule on each run, and follows the keys', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'practice-watch-'));
    const { keys, press, subscribed } = fakeKeys();
    const { watch, watched } = fakeWatch();
    const calls: string[] = [];
    const commands: PracticeCommands = {
      hint: (exercise) => void calls.push(`hint ${exercise.name}`),
      diff: (exercise) => void calls.push(`diff ${exercise.name}`),
      reset: (exercise) => void calls.push(`reset ${exercise.name}`),
      list: async () => void calls.push('list'),
      firstUnfinished: async (from) => from ?? first,
    };
    let out = '';
    let clears = 0;
    const done = watchPractice({
      exercises: listExercises(),
      style: createStyle(false),
      line: (text = '') => (out += `${text}\n`),
      dataDir,
      watchTests: watch,
      keys,
      commands,
      clear: () => {
        clears += 1;
        out = '';
      },
    });
    await settle();
    expect(watched[0]?.files).toEqual([first!.test]);
    expect(out).toContain(`Watching ${first!.name} (lesson ${first!.lesson.number})`);

    watched[0]!.onRun(failing(first!));
    expect(clears, 'each run starts on a clear screen, so only the current rule shows').toBe(1);
    expect(out).toContain(`Watching ${first!.name}`);
    expect(out).toContain(`✗ ${first!.name} (lesson ${first!.lesson.number}): 0/1 rule\nRule 1: a rule\n  expected: 1\n  actual:   2`);
    expect(out).toContain('h hint · d diff with the solution · r reset · n next exercise · l list · q quit');
    expect(readPracticeState(dataDir).results[first!.name], 'each run is kept for the lesson menu').toMatchObject({ passed: 0, total: 1 });

    for (const key of ['h', 'd', 'r', 'l']) {
      press(key);
      await settle();
    }
    expect(calls).toEqual([`hint ${first!.name}`, `diff ${first!.name}`, `reset ${first!.name}`, 'list']);

    press('n');
    await settle();
    expect(watched[0]!.closed, 'the old watch stops').toBe(true);
    expect(watched[1]?.files, 'n watches the next exercise').toEqual([second!.test]);

    press('q');
    expect(await done).toBe(0);
    expect(watched[1]!.closed).toBe(true);
    expect(subscribed(), 'the terminal is given back').toBe(false);
  });

  it('ends with 130 on Ctrl-C', async () => {
    const { keys, press } = fakeKeys();
    const { watch } = fakeWatch();
    const commands: PracticeCommands = { hint() {}, diff() {}, reset() {}, list: async () => {}, firstUnfinished: async () => first };
    const done = watchPractice({ exercises: listExercises(), style: createStyle(false), line: () => {}, dataDir: mkdtempSync(join(tmpdir(), 'practice-watch-')), watchTests: watch, keys, commands });
    await settle();
    press('ctrl-c');
    expect(await done).toBe(130);
  });
});
