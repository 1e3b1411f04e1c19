import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManifestError, UsageError } from './errors.ts';
import { checkUniqueNames, parseExercises, type ExerciseEntry } from './practice/exercise-entry.ts';

/** One lesson in `lessons/manifest.json`. Its files live in `lessons/NN-slug/`. */
export interface ManifestEntry {
  /** 1, 2, 3...: `npm run lesson 3`. */
  number: number;
  /** Lower-case words joined by `-`: the directory is `NN-slug` (`03-sign-jwt`). */
  slug: string;
  title: string;
  /**
   * `'installation'`: running this lesson stores an installation. When a later lesson
   * `requires: 'installation'` and none is stored, the runner points here and can simulate it.
   */
  provides?: 'installation';
  /** The lesson's exercises, in teaching order (lessons/runner/README.md, "Writing an exercise"). */
  exercises?: ExerciseEntry[];
}

/**
 * The `lessons/` directory of this checkout.
 *
 * @example
 * join(LESSONS_DIR, 'manifest.json')
 */
export const LESSONS_DIR = fileURLToPath(new URL('..', import.meta.url));

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_LESSONS = 99;

/**
 * Validates the manifest's JSON: an array of `{ number, slug, title, provides?, exercises? }`, numbered
 * 1, 2, 3... in order (the menu and "what next" follow the array); exercise names are unique.
 *
 * @example
 * parseManifest([{ number: 1, slug: 'descriptor', title: 'The app descriptor' }])
 */
export function parseManifest(data: unknown): ManifestEntry[] {
  if (!Array.isArray(data)) throw new ManifestError('the manifest is a JSON array of lessons.');
  if (data.length > MAX_LESSONS) throw new ManifestError(`at most ${MAX_LESSONS} lessons (two-digit directories).`);
  const entries = data.map((raw: unknown, index): ManifestEntry => {
    const where = `entry ${index + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ManifestError(`${where} is not an object.`);
    const { number, slug, title, provides, exercises, ...rest } = raw as Record<string, unknown>;
    const unknownKeys = Object.keys(rest);
    if (unknownKeys.length > 0) {
      throw new ManifestError(`${where} has unknown keys (${unknownKeys.join(', ')}): use number, slug, title, provides, exercises.`);
    }
    if (number !== index + 1) {
      throw new ManifestError(`${where} has "number": ${JSON.stringify(number)}; lessons are numbered 1, 2, 3... in order, so it must be ${index + 1}.`);
    }
    if (typeof slug !== 'string' || !SLUG.test(slug)) {
      throw new ManifestError(`${where}: "slug" must be lower-case words joined by "-", like "sign-jwt".`);
    }
    if (typeof title !== 'string' || !title.trim()) throw new ManifestError(`${where} needs a "title".`);
    if (provides !== undefined && provides !== 'installation') {
      throw new ManifestError(`${where}: "provides" is "installation" or absent.`);
    }
    const entry: ManifestEntry = provides === undefined ? { number, slug, title } : { number, slug, title, provides };
    if (exercises !== undefined) entry.exercises = parseExercises(exercises, where);
    return entry;
  });
  checkUniqueNames(entries);
  return entries;
}

/**
 * Reads and validates `manifest.json` in a lessons directory.
 *
 * @example
 * const lessons = loadManifest() // this checkout's lessons/manifest.json
 */
export function loadManifest(lessonsDir: string = LESSONS_DIR): ManifestEntry[] {
  const path = join(lessonsDir, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read ${path}.`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  return parseManifest(data);
}

/**
 * The directory of a lesson: `lessons/NN-slug`.
 *
 * @example
 * lessonDir({ number: 3, slug: 'sign-jwt', title: '' }) // '<repo>/lessons/03-sign-jwt'
 */
export function lessonDir(entry: ManifestEntry, lessonsDir: string = LESSONS_DIR): string {
  return join(lessonsDir, `${String(entry.number).padStart(2, '0')}-${entry.slug}`);
}

/**
 * The lesson a command-line argument names; a usage error listing the lessons otherwise.
 *
 * @example
 * findLesson(manifest, '3').slug // 'sign-jwt'
 * findLesson(manifest, '9')      // throws ERR_USAGE: Unknown lesson "9". Lessons: 1 (...), 2 (...)
 */
export function findLesson(manifest: readonly ManifestEntry[], arg: string): ManifestEntry {
  const found = /^\d{1,2}$/.test(arg) ? manifest.find((e) => e.number === Number(arg)) : undefined;
  if (found) return found;
  const list = manifest.map((e) => `${e.number} (${e.title})`).join(', ');
  throw new UsageError(`Unknown lesson "${arg}". Lessons: ${list}.`);
}
