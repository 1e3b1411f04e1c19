/**
 * The `exercises` of a lesson in `lessons/manifest.json`: what the manifest says about each
 * exercise, checked with messages that name the entry and the field. Paths and the files on disk
 * are `exercises.ts`'s business.
 */
import { ManifestError } from '../errors.ts';

/**
 * One exercise, as the manifest lists it. Its folder is `lessons/NN-slug/exercises/<name>/`.
 *
 * @example
 * const entry: ExerciseEntry = {
 *   name: 'canonical-request', file: 'canonical-request.ts', solution: 'src/jwt/qsh.ts',
 *   hints: ['the idea', 'the API', 'the line'],
 * }
 */
export interface ExerciseEntry {
  /** Lower-case words joined by `-`, unique in the manifest: `npm run practice -- check <name>`. */
  name: string;
  /** The file the learner edits, in the exercise's folder (`canonical-request.ts`, `token-requests.http`). */
  file: string;
  /**
   * Where the solution is the lab's own code: the `src/` file it is (`src/jwt/qsh.ts`), so there is
   * one copy. Without it the solution is `solution/<file>` in the exercise's folder.
   */
  solution?: string;
  /** Three hints, asked for one at a time: the idea, the API, the line. */
  hints: [string, string, string];
}

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const FILE = /^[a-z0-9][a-z0-9.-]*\.[a-z]+$/;
const SOURCE = /^src\/(?:[a-z0-9-]+\/)*[a-z0-9-]+\.ts$/;
const KEYS = ['name', 'file', 'solution', 'hints'];

/**
 * Validates the `exercises` of one manifest entry; `where` names that entry in messages.
 *
 * @example
 * parseExercises([{ name: 'sign-jwt', file: 'sign-jwt.ts', hints: ['a', 'b', 'c'] }], 'entry 3')
 */
export function parseExercises(data: unknown, where: string): ExerciseEntry[] {
  if (!Array.isArray(data)) throw new ManifestError(`${where}: "exercises" is an array of { name, file, hints }.`);
  return data.map((raw: unknown, index): ExerciseEntry => {
    const at = `${where}, exercise ${index + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ManifestError(`${at} is not an object.`);
    const record = raw as Record<string, unknown>;
    const unknownKeys = Object.keys(record).filter((key) => !KEYS.includes(key));
    if (unknownKeys.length > 0) throw new ManifestError(`${at} has unknown keys (${unknownKeys.join(', ')}): use ${KEYS.join(', ')}.`);
    const { name, file, solution, hints } = record;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ManifestError(`${at}: "name" must be lower-case words joined by "-", like "canonical-request".`);
    }
    if (typeof file !== 'string' || !FILE.test(file)) {
      throw new ManifestError(`${at} (${name}): "file" is the learner's file name in the exercise folder, like "canonical-request.ts" (no folders).`);
    }
    if (solution !== undefined && (typeof solution !== 'string' || !SOURCE.test(solution))) {
      throw new ManifestError(`${at} (${name}): "solution", when given, is the src/ file that is the solution, like "src/jwt/qsh.ts".`);
    }
    if (!Array.isArray(hints) || hints.length !== 3 || hints.some((hint) => typeof hint !== 'string' || !hint.trim())) {
      throw new ManifestError(`${at} (${name}): "hints" is three non-empty strings: the idea, the API, the line.`);
    }
    const entry: ExerciseEntry = { name, file, hints: [hints[0], hints[1], hints[2]] };
    if (solution !== undefined) entry.solution = solution;
    return entry;
  });
}

/**
 * Refuses an exercise name used twice in the manifest: commands find exercises by name.
 *
 * @example
 * checkUniqueNames([{ number: 1, exercises: [a] }, { number: 3, exercises: [a] }]) // throws ERR_MANIFEST_INVALID
 */
export function checkUniqueNames(lessons: readonly { number: number; exercises?: readonly ExerciseEntry[] }[]): void {
  const seen = new Map<string, number>();
  for (const lesson of lessons) {
    for (const { name } of lesson.exercises ?? []) {
      const first = seen.get(name);
      if (first !== undefined) {
        throw new ManifestError(`the exercise name "${name}" is used by lesson ${first} and lesson ${lesson.number}: exercise names are unique.`);
      }
      seen.set(name, lesson.number);
    }
  }
}
