/**
 * Practice progress lesson by lesson, as plain data for whatever shows it beside lesson progress:
 * the app's home page (through the course the entry point hands it: the app imports nothing of
 * `lessons/`), or any other view. Counted from `DATA_DIR/practice.json` the way the lesson menu
 * counts it (state.ts): a result counts only while the learner's file and its test are unchanged
 * since the tests ran, and only `npm run practice` (list, check, watch) writes results.
 */
import { listExercises, type Exercise } from './exercises.ts';
import { currentResult, isSolved, readPracticeState, type CachedResult, type PracticeState } from './state.ts';

/**
 * One lesson's practice, ready to show.
 *
 * @example
 * { lesson: 5, exercises: 3, done: 1, rulesPassed: 10, rulesChecked: 14, summary: '1 of 3 exercises done' }
 */
export interface LessonPractice {
  lesson: number;
  /** How many exercises the lesson has. */
  exercises: number;
  /** Exercises whose last test run passed every rule, their files unchanged since. */
  done: number;
  /** Rules passed in the last runs of the lesson's exercises that are still current. */
  rulesPassed: number;
  /** Rules those runs checked; an exercise never checked, or changed since, counts none. */
  rulesChecked: number;
  /** In words: `all 2 exercises done`, `1 of 3 exercises done`, `3 of 8 rules pass`, `not checked yet`. */
  summary: string;
}

/**
 * The practice of every lesson that has exercises, in lesson order. Pure: `resultOf` (default:
 * the cached result while the exercise's files are unchanged) is the only thing it asks about.
 *
 * @example
 * practiceProgress(listExercises(), readPracticeState('.data'))
 * // [{ lesson: 1, exercises: 2, done: 2, ..., summary: 'all 2 exercises done' }, { lesson: 2, ... }]
 */
export function practiceProgress(
  exercises: readonly Exercise[],
  state: PracticeState,
  resultOf: (state: PracticeState, exercise: Exercise) => CachedResult | undefined = currentResult,
): LessonPractice[] {
  const byLesson = new Map<number, LessonPractice>();
  for (const exercise of exercises) {
    const lesson = exercise.lesson.number;
    const entry = byLesson.get(lesson) ?? { lesson, exercises: 0, done: 0, rulesPassed: 0, rulesChecked: 0, summary: '' };
    const result = resultOf(state, exercise);
    entry.exercises += 1;
    if (isSolved(result)) entry.done += 1;
    entry.rulesPassed += result?.passed ?? 0;
    entry.rulesChecked += result?.total ?? 0;
    byLesson.set(lesson, entry);
  }
  return [...byLesson.values()].sort((a, b) => a.lesson - b.lesson).map((entry) => ({ ...entry, summary: summaryOf(entry) }));
}

function summaryOf(p: Omit<LessonPractice, 'summary'>): string {
  const plural = p.exercises === 1 ? 'exercise' : 'exercises';
  if (p.done === p.exercises) return p.exercises === 1 ? '1 exercise done' : `all ${p.exercises} exercises done`;
  if (p.done > 0) return `${p.done} of ${p.exercises} ${plural} done`;
  if (p.rulesChecked > 0) return `${p.rulesPassed} of ${p.rulesChecked} rules pass`;
  return 'not checked yet';
}

/**
 * {@link practiceProgress} of this checkout's exercises and `DATA_DIR/practice.json`: what a
 * course handed to the app reads on every request (the file is small; a missing one is no progress).
 *
 * @example readPracticeProgress(config.dataDir).find((p) => p.lesson === 3)?.summary // '1 of 2 exercises done'
 */
export function readPracticeProgress(dataDir: string, exercises: readonly Exercise[] = listExercises()): LessonPractice[] {
  return practiceProgress(exercises, readPracticeState(dataDir));
}
