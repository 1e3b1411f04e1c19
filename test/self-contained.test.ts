/**
 * A fresh clone has everything it needs: no file of the project reads or names a path outside the
 * repository (the founding team's reference directory beside it, or an absolute path of one
 * machine). Protocol facts live in docs/protocol.md, the qsh vectors in test/fixtures/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Not the project's files: installed packages, git's own, and what runs write. */
const SKIP = new Set(['node_modules', '.git', '.data', 'test-output', 'coverage', 'dist']);
const TEXT_FILE = /\.(ts|md|json|js|mjs|cjs|yml|yaml|sh|txt|html|css)$|^(\.gitignore|run)$/;

/** Built from parts, so that this file does not match itself. */
const OUTSIDE = [
  ['..', '/shared'],
  ['/wo', 'rk/'],
  ['shared', '/protocol.md'],
  ['shared', '/qsh-vectors'],
  ['shared', '/style.md'],
].map((parts) => parts.join(''));

function projectFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return projectFiles(path);
    return entry.isFile() && TEXT_FILE.test(entry.name) ? [path] : [];
  });
}

describe('the repository is self-contained', () => {
  const files = projectFiles(ROOT);

  it('finds the project files (the walk itself works)', () => {
    const names = files.map((file) => relative(ROOT, file));
    expect(names).toContain('package.json');
    expect(names).toContain(join('docs', 'protocol.md'));
    expect(names).toContain(join('test', 'fixtures', 'qsh-vectors.json'));
  });

  it('no file names a path outside the repository', () => {
    const offenders = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return OUTSIDE.filter((needle) => text.includes(needle)).map((needle) => `${relative(ROOT, file)}: ${needle}`);
    });
    expect(offenders).toEqual([]);
  });
});
