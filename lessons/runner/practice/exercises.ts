/**
 * The exercises of this checkout, with their files: where the learner's file, its test, its README
 * and its solution are, and how a command-line argument (`3`, `canonical-request`) names some.
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { LESSONS_DIR, lessonDir, loadManifest, type ManifestEntry } from '../manifest.ts';
import type { ExerciseEntry } from './exercise-entry.ts';

/**
 * The repository's root directory.
 *
 * @example relative(REPO_ROOT, exercise.file) // 'lessons/03-sign-jwt/exercises/canonical-request/canonical-request.ts'
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * One exercise with its absolute paths.
 *
 * @example
 * const [exercise] = listExercises()
 * exercise.file // '<repo>/lessons/01-descriptor/exercises/build-descriptor/build-descriptor.ts'
 */
export interface Exercise {
  /** The lesson it follows. */
  lesson: ManifestEntry;
  /** Its manifest entry (name, file, hints). */
  entry: ExerciseEntry;
  name: string;
  /** `lessons/NN-slug/exercises/<name>/`. */
  dir: string;
  /** The file the learner edits. */
  file: string;
  /** `<name>.test.ts`: one test per rule, in teaching order. */
  test: string;
  readme: string;
  /** The reference solution: a `src/` file, or `solution/<file>`. */
  solution: string;
  /** Its index among all exercises, in manifest order (1-based), for `list`. */
  position: number;
}

/**
 * Every exercise of the manifest, in order: lesson by lesson, each lesson's in its order.
 *
 * @example
 * listExercises().map((e) => e.name) // ['build-descriptor', 'fix-descriptor', 'canonical-request', ...]
 */
export function listExercises(manifest: readonly ManifestEntry[] = loadManifest(), lessonsDir: string = LESSONS_DIR): Exercise[] {
  const root = join(lessonsDir, '..');
  let position = 0;
  return manifest.flatMap((lesson) =>
    (lesson.exercises ?? []).map((entry): Exercise => {
      const dir = join(lessonDir(lesson, lessonsDir), 'exercises', entry.name);
      position += 1;
      return {
        lesson,
        entry,
        name: entry.name,
        dir,
        file: join(dir, entry.file),
        test: join(dir, `${entry.name}.test.ts`),
        readme: join(dir, 'README.md'),
        solution: entry.solution ? join(root, entry.solution) : join(dir, 'solution', entry.file),
        position,
      };
    }),
  );
}

/**
 * The exercises an argument names: a lesson number gives that lesson's, a name gives one. A usage
 * error lists what exists.
 *
 * @example
 * selectExercises(all, '3').map((e) => e.name) // ['canonical-request', 'sign-jwt']
 * selectExercises(all, 'sign-jwt')             // [the sign-jwt exercise]
 */
export function selectExercises(all: readonly Exercise[], arg: string): Exercise[] {
  if (/^\d{1,2}$/.test(arg)) {
    const selected = all.filter((exercise) => exercise.lesson.number === Number(arg));
    if (selected.length > 0) return selected;
    const lessons = [...new Set(all.map((exercise) => exercise.lesson.number))].join(', ');
    throw new UsageError(`Lesson ${arg} has no exercises. Lessons with exercises: ${lessons}.`);
  }
  const found = all.find((exercise) => exercise.name === arg);
  if (found) return [found];
  throw new UsageError(`Unknown exercise "${arg}". Exercises: ${all.map((exercise) => exercise.name).join(', ')}.`);
}

/**
 * A path as the learner types it: relative to the repository.
 *
 * @example shownPath(exercise.file) // 'lessons/03-sign-jwt/exercises/sign-jwt/sign-jwt.ts'
 */
export function shownPath(path: string): string {
  return relative(REPO_ROOT, path);
}
