import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDescriptor as srcBuildDescriptor } from '../../../src/connect/descriptor.ts';
import { buildDescriptor as solutionBuildDescriptor } from '../../01-descriptor/exercises/build-descriptor/solution/build-descriptor.ts';
import { loadManifest } from '../manifest.ts';
import { listExercises, shownPath, type Exercise } from './exercises.ts';
import { learnerText, solutionText, startingText } from './files.ts';
import { outcomes, type ExerciseOutcome } from './outcome.ts';
import { regionsOf, skeletonOf } from './regions.ts';
import { runTests } from './run-tests.ts';

/**
 * Every exercise of the manifest, checked the way `npm test` must: its files are there, its
 * starting file and its solution differ only inside the exercise regions, every rule passes
 * against the solution (the exercise can be solved), and the starting file breaks at least one
 * (there is something to do). The exercise tests run in a child vitest (`PRACTICE_TARGET`), as
 * `npm run practice` runs them.
 */
const exercises = listExercises();
const RUN_TIMEOUT_MS = 180_000;

/** Words of a README, as a reader counts them. */
function words(text: string): number {
  return text.split(/\s+/).filter((word) => /[A-Za-z0-9]/.test(word)).length;
}

describe("this checkout's exercises", () => {
  it('are listed in the manifest, lesson by lesson', () => {
    expect(exercises.length, 'the practice mode has exercises to do: at least 14 (issue 8)').toBeGreaterThanOrEqual(14);
    const lessons = exercises.map((exercise) => exercise.lesson.number);
    expect(lessons, 'in lesson order').toEqual([...lessons].sort((a, b) => a - b));
    expect(new Set(lessons), 'every lesson, every step of the flow, has an exercise').toEqual(new Set(loadManifest().map((lesson) => lesson.number)));
  });

  it.each(exercises.map((exercise) => [exercise.name, exercise] as const))('%s has its file, test, README and solution', (_name, exercise) => {
    for (const file of [exercise.file, exercise.test, exercise.readme, exercise.solution]) {
      expect(existsSync(file), `${shownPath(file)}: an exercise folder holds the learner's file, <name>.test.ts, README.md and its solution`).toBe(true);
    }
    const readme = readFileSync(exercise.readme, 'utf8');
    expect(words(readme), `${shownPath(exercise.readme)}: 150 to 250 words (the task, the rule, the notes section)`).toBeGreaterThanOrEqual(150);
    expect(words(readme)).toBeLessThanOrEqual(250);
    expect(readme, 'the README names the notes section that explains the rule').toMatch(new RegExp(`Lesson ${exercise.lesson.number}'s notes, sections? "`));
  });

  it.each(exercises.map((exercise) => [exercise.name, exercise] as const))(
    '%s: its starting file and its solution differ only inside the exercise regions',
    (_name, exercise) => {
      const { text: start, source } = startingText(exercise);
      const solution = solutionText(exercise);
      // The starting file is the committed one: say so when an author's uncommitted edit is not what is checked.
      const uncommitted = source === 'git' && learnerText(exercise) !== start ? ' (this is the starting file as committed: yours differs, commit it first)' : '';
      const file = `${shownPath(exercise.file)}${uncommitted}`;
      expect(regionsOf(start, file).length, `${file} marks what the learner writes with // #region exercise: <label>`).toBeGreaterThan(0);
      expect(regionsOf(solution, shownPath(exercise.solution)), 'the solution has the same regions, in the same order').toEqual(regionsOf(start, file));
      expect(skeletonOf(start, file), `outside its regions, ${file} must be ${shownPath(exercise.solution)} line for line (imports as seen from the exercise)`).toBe(
        skeletonOf(solution, shownPath(exercise.solution)),
      );
    },
  );

  it('the build-descriptor solution is the descriptor the lab serves (src/connect/descriptor.ts)', () => {
    for (const baseUrl of ['https://abc123.ngrok.app', 'http://localhost:3000']) {
      expect(solutionBuildDescriptor({ appKey: 'jwt-grant-tutorial', baseUrl }), 'two copies of one descriptor must not drift apart').toEqual(
        srcBuildDescriptor({ appKey: 'jwt-grant-tutorial', baseUrl }),
      );
    }
  });
});

/** The rule names of an outcome, for messages. */
function failures(outcome: ExerciseOutcome): string {
  if (outcome.loadError) return `does not load: ${outcome.loadError.message}`;
  return outcome.rules
    .filter((rule) => rule.state !== 'passed')
    .map((rule) => `${rule.name}: ${rule.failure?.message ?? rule.state}`)
    .join('\n');
}

describe('the exercise tests against the reference solutions', () => {
  let results: ExerciseOutcome[];
  beforeAll(async () => {
    results = outcomes(exercises, await runTests(exercises.map((exercise) => exercise.test), { target: 'solution' }));
  }, RUN_TIMEOUT_MS);

  it.each(exercises.map((exercise, index) => [exercise.name, index] as const))('%s: every rule passes, the rules numbered in teaching order', (_name, index) => {
    const outcome = results[index]!;
    expect(outcome.total, 'an exercise has rules').toBeGreaterThan(0);
    expect(outcome.passed, `against its solution, every rule of ${outcome.exercise.name} can pass:\n${failures(outcome)}`).toBe(outcome.total);
    expect(
      outcome.rules.map((rule) => Number(/^(\d+)\. /.exec(rule.name)?.[1])),
      'tests are named "1. <rule>", "2. <rule>"...: one rule per test, in teaching order',
    ).toEqual(outcome.rules.map((_rule, i) => i + 1));
  });
});

describe('the exercise tests against the starting files', () => {
  let results: ExerciseOutcome[];
  beforeAll(async () => {
    results = outcomes(exercises, await runTests(exercises.map((exercise) => exercise.test), { target: 'start' }));
  }, RUN_TIMEOUT_MS);

  it.each(exercises.map((exercise, index) => [exercise.name, index] as const))('%s: the starting file loads and breaks at least one rule', (_name, index) => {
    const outcome = results[index]!;
    const exercise: Exercise = outcome.exercise;
    expect(outcome.loadError, `${shownPath(exercise.file)} as committed must load (the learner starts from it)`).toBeUndefined();
    expect(outcome.passed, `${shownPath(exercise.file)} as committed must leave something to do`).toBeLessThan(outcome.total);
  });
});
