/**
 * The three versions of an exercise's file: the learner's (on disk), the starting one (what git
 * has committed), and the solution (from its `solution/` file or the `src/` file it is, with its
 * relative imports rewritten for the learner's folder). Backups of the learner's file before
 * `--apply` and `reset` go to DATA_DIR.
 */
import { execFileSync } from 'node:child_process';
import { constants, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ensurePrivateDir } from '../../../src/fs/private-files.ts';
import { REPO_ROOT, type Exercise } from './exercises.ts';

/**
 * The learner's file as it is now.
 *
 * @example learnerText(exercise).includes('TODO')
 */
export function learnerText(exercise: Exercise): string {
  return readFileSync(exercise.file, 'utf8');
}

/**
 * Where the starting file came from: `git` (the committed file: what a fresh clone has, and what
 * `--apply` does not change), or `disk` (not in git yet, or no git: the file as it is).
 */
export type StartSource = 'git' | 'disk';

/**
 * The starting file: the learner's file as committed (`git show HEAD:<path>`). An exercise not yet
 * committed, or a checkout without git, has none apart from the file itself.
 *
 * @example
 * const { text, source } = startingText(exercise) // source 'git' on a clone
 */
export function startingText(exercise: Exercise, root: string = REPO_ROOT): { text: string; source: StartSource } {
  const path = relative(root, exercise.file).split(sep).join('/');
  try {
    const text = execFileSync('git', ['show', `HEAD:${path}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { text, source: 'git' };
  } catch {
    return { text: readFileSync(exercise.file, 'utf8'), source: 'disk' };
  }
}

/** `from '...'`, `import '...'` and `import('...')` with a relative specifier. */
const RELATIVE_IMPORT = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.\.?\/[^'"]+)\2/g;

/**
 * Rewrites the relative imports of a module moved from `fromDir` to `toDir`, so that it imports
 * the same files.
 *
 * @example
 * rewriteImports("import { x } from './errors.ts'", '/r/src/jwt', '/r/lessons/06/exercises/e')
 * // "import { x } from '../../../../src/jwt/errors.ts'"
 */
export function rewriteImports(text: string, fromDir: string, toDir: string): string {
  if (resolve(fromDir) === resolve(toDir)) return text;
  return text.replace(RELATIVE_IMPORT, (_match, before: string, quote: string, specifier: string) => {
    let moved = relative(toDir, resolve(fromDir, specifier)).split(sep).join('/');
    if (!moved.startsWith('.')) moved = `./${moved}`;
    return `${before}${quote}${moved}${quote}`;
  });
}

/**
 * The solution as it would read in the learner's folder (imports rewritten): what `solution`
 * diffs against and what `--apply` writes.
 *
 * @example solutionText(exercise).includes('toUpperCase()')
 */
export function solutionText(exercise: Exercise): string {
  return rewriteImports(readFileSync(exercise.solution, 'utf8'), dirname(exercise.solution), exercise.dir);
}

/**
 * Copies the learner's file to `DATA_DIR/practice-backups/<name>/<time>-<file>` and returns that
 * path, or `undefined` when the file does not exist.
 *
 * @example backupLearnerFile(exercise, '.data', Date.now) // '.data/practice-backups/sign-jwt/2026-...-sign-jwt.ts'
 */
export function backupLearnerFile(exercise: Exercise, dataDir: string, now: () => number): string | undefined {
  if (!existsSync(exercise.file)) return undefined;
  const dir = join(dataDir, 'practice-backups', exercise.name);
  ensurePrivateDir(dir);
  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  let backup = join(dir, `${stamp}-${exercise.entry.file}`);
  // Two backups in the same millisecond (a script, a test) must not overwrite each other.
  for (let n = 2; existsSync(backup); n += 1) backup = join(dir, `${stamp}-${n}-${exercise.entry.file}`);
  // Exclusive: never over an existing file, nor through a link planted at that name.
  copyFileSync(exercise.file, backup, constants.COPYFILE_EXCL);
  return backup;
}
