import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Exercise } from './exercises.ts';
import { contentHash, currentResult, practiceStatePath, practiceSummary, readPracticeState, updatePracticeState } from './state.ts';

/** The parts of an exercise the state reads: its name, lesson and two files. */
function exerciseIn(dir: string, name: string, lesson: number): Exercise {
  const file = join(dir, `${name}.ts`);
  const test = join(dir, `${name}.test.ts`);
  writeFileSync(file, 'export const value = 1;\n');
  writeFileSync(test, '// test\n');
  return { name, file, test, lesson: { number: lesson } } as Exercise;
}

describe('practice.json', () => {
  it('starts empty, keeps what is written, and survives a damaged file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'practice-state-'));
    expect(readPracticeState(dataDir)).toEqual({ hints: {}, failedChecks: {}, results: {} });
    updatePracticeState(dataDir, (state) => {
      state.hints.demo = 2;
      state.failedChecks.demo = 1;
    });
    expect(readPracticeState(dataDir)).toMatchObject({ hints: { demo: 2 }, failedChecks: { demo: 1 } });
    writeFileSync(practiceStatePath(dataDir), '{ "hints": { "demo": -1, "ok": 1 }, "results": { "x": { "hash": 3 } } }');
    expect(readPracticeState(dataDir), 'invalid entries are dropped, valid ones kept').toEqual({ hints: { ok: 1 }, failedChecks: {}, results: {} });
    writeFileSync(practiceStatePath(dataDir), 'not json');
    expect(readPracticeState(dataDir).hints).toEqual({});
  });

  it('counts a cached result only while the learner\'s file is unchanged, lesson by lesson', () => {
    const dir = mkdtempSync(join(tmpdir(), 'practice-files-'));
    const a = exerciseIn(dir, 'a-one', 3);
    const b = exerciseIn(dir, 'b-two', 3);
    const state = { hints: {}, failedChecks: {}, results: { 'a-one': { hash: contentHash(a), passed: 4, total: 4 }, 'b-two': { hash: contentHash(b), passed: 1, total: 4 } } };
    expect(practiceSummary([a, b], state).get(3)).toEqual({ done: 1, total: 2 });
    writeFileSync(a.file, 'export const changed = 2;\n');
    expect(currentResult(state, a), 'the file changed since the tests ran').toBeUndefined();
    expect(practiceSummary([a, b], state).get(3)).toEqual({ done: 0, total: 2 });
  });
});
