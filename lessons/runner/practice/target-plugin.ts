/**
 * The Vite plugin behind the `exercises` vitest project: which version of each learner's file the
 * exercise tests import. The tests import the learner's file by its path; this plugin swaps it.
 */
import type { Plugin } from 'vite';
import { listExercises, type Exercise } from './exercises.ts';
import { startingText } from './files.ts';

/**
 * What the exercise tests run against: the learner's files (the default: `npx vitest run lessons/03`),
 * the reference solutions (`npm test` proves every test can pass), or the starting files (`npm
 * test` proves each has something to do). Chosen by `PRACTICE_TARGET`.
 *
 * @example
 * const target: PracticeTarget = 'solution'
 */
export type PracticeTarget = 'learner' | 'solution' | 'start';

/**
 * The target named by `PRACTICE_TARGET` (default `learner`); anything else is a mistake worth a
 * clear message, not a silent default.
 *
 * @example practiceTargetOf(process.env) // 'learner'
 */
export function practiceTargetOf(env: NodeJS.ProcessEnv): PracticeTarget {
  const value = env.PRACTICE_TARGET ?? 'learner';
  if (value === 'learner' || value === 'solution' || value === 'start') return value;
  throw new Error(`PRACTICE_TARGET=${value} is not a practice target: use learner (the default), solution or start.`);
}

/** `/a/b.http?raw` → `['/a/b.http', 'raw']`. */
function splitId(id: string): [string, string | undefined] {
  const at = id.indexOf('?');
  return at === -1 ? [id, undefined] : [id.slice(0, at), id.slice(at + 1)];
}

/**
 * Makes every import of a learner's file (`./canonical-request.ts`, `./token-requests.http?raw`)
 * load the target's version: for `solution`, the solution file (resolved, so its own imports work);
 * for `start`, the committed starting text; for `learner`, nothing changes.
 *
 * @example
 * defineProject({ plugins: [practiceTargetPlugin('solution')], test: { name: 'exercises' } })
 */
export function practiceTargetPlugin(target: PracticeTarget, exercises: readonly Exercise[] = listExercises()): Plugin {
  const byFile = new Map(exercises.map((exercise) => [exercise.file, exercise]));
  return {
    name: 'practice-target',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (target !== 'solution') return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved) return null;
      const [path, query] = splitId(resolved.id);
      const exercise = byFile.get(path);
      return exercise ? `${exercise.solution}${query === undefined ? '' : `?${query}`}` : null;
    },
    load(id) {
      if (target !== 'start') return null;
      const [path, query] = splitId(id);
      const exercise = byFile.get(path);
      if (!exercise) return null;
      const { text } = startingText(exercise);
      return query === 'raw' ? `export default ${JSON.stringify(text)};` : text;
    },
  };
}
