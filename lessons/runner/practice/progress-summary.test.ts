import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Exercise } from './exercises.ts';
import { practiceProgress, readPracticeProgress } from './progress-summary.ts';
import { contentHash, updatePracticeState, type PracticeState } from './state.ts';

/** The parts of an exercise the summary reads: its name, lesson and two files (written, so they hash). */
function exerciseIn(dir: string, name: string, lesson: number): Exercise {
  const file = join(dir, `${name}.ts`);
  const test = join(dir, `${name}.test.ts`);
  writeFileSync(file, `export const ${name.replace(/-/g, '_')} = 1;\n`);
  writeFileSync(test, '// test\n');
  return { name, file, test, lesson: { number: lesson } } as Exercise;
}

/** An exercise the summary only names: its results are given, its files never read. */
const named = (name: string, lesson: number) => ({ name, lesson: { number: lesson } }) as Exercise;

const empty = (): PracticeState => ({ hints: {}, failedChecks: {}, results: {} });

describe('practice progress, lesson by lesson', () => {
  it('counts exercises done and rules passed from the cached results, in lesson order', () => {
    const exercises = [named('a', 5), named('b', 5), named('c', 5), named('d', 2), named('e', 7)];
    const results: PracticeState['results'] = {
      a: { hash: 'h', passed: 8, total: 8 },
      b: { hash: 'h', passed: 2, total: 6 },
      d: { hash: 'h', passed: 0, total: 11 },
    };
    const progress = practiceProgress(exercises, empty(), (_state, exercise) => results[exercise.name]);
    expect(progress).toEqual([
      { lesson: 2, exercises: 1, done: 0, rulesPassed: 0, rulesChecked: 11, summary: '0 of 11 rules pass' },
      { lesson: 5, exercises: 3, done: 1, rulesPassed: 10, rulesChecked: 14, summary: '1 of 3 exercises done' },
      { lesson: 7, exercises: 1, done: 0, rulesPassed: 0, rulesChecked: 0, summary: 'not checked yet' },
    ]);
    const allDone = practiceProgress(exercises.slice(0, 1), empty(), () => ({ hash: 'h', passed: 3, total: 3 }));
    expect(allDone[0]?.summary).toBe('1 exercise done');
    expect(practiceProgress(exercises.slice(0, 3), empty(), () => ({ hash: 'h', passed: 3, total: 3 }))[0]?.summary).toBe('all 3 exercises done');
  });

  it('reads DATA_DIR/practice.json, and forgets a result once the learner changes the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'practice-progress-'));
    const a = exerciseIn(dir, 'sign-jwt', 3);
    const b = exerciseIn(dir, 'canonical-request', 3);
    expect(readPracticeProgress(dir, [a, b]), 'no practice.json: nothing checked').toEqual([
      { lesson: 3, exercises: 2, done: 0, rulesPassed: 0, rulesChecked: 0, summary: 'not checked yet' },
    ]);
    updatePracticeState(dir, (state) => {
      state.results['sign-jwt'] = { hash: contentHash(a), passed: 6, total: 6 };
      state.results['canonical-request'] = { hash: contentHash(b), passed: 4, total: 13 };
    });
    expect(readPracticeProgress(dir, [a, b])[0]).toMatchObject({ done: 1, rulesPassed: 10, rulesChecked: 19, summary: '1 of 2 exercises done' });
    writeFileSync(a.file, 'export const edited = 2;\n');
    expect(readPracticeProgress(dir, [a, b])[0], 'the edited exercise must be checked again').toMatchObject({ done: 0, rulesPassed: 4, rulesChecked: 13 });
  });

  it("covers this checkout's lessons with exercises, 1 to 7", () => {
    const progress = readPracticeProgress(mkdtempSync(join(tmpdir(), 'practice-progress-')));
    expect(progress.map((p) => p.lesson)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.every((p) => p.exercises > 0 && p.summary === 'not checked yet')).toBe(true);
  });
});
