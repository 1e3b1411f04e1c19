import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir, writePrivateFileAtomic } from './private-files.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'private-files-'));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('ensurePrivateDir', () => {
  it('creates the directory and its missing parents owner-only (0700)', () => {
    const root = tempDir();
    const dir = join(root, 'a', 'b', 'data');
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(root, 'a'))).toBe(0o700);
  });

  it('leaves an existing directory as its owner set it', () => {
    const dir = join(tempDir(), 'shared');
    mkdirSync(dir, { mode: 0o755 });
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o755);
  });
});

describe('writePrivateFileAtomic', () => {
  it('writes the file owner-only (0600), creating an owner-only directory, and leaves no temporary file', () => {
    const dir = join(tempDir(), 'data');
    const path = join(dir, 'progress.json');
    writePrivateFileAtomic(path, '{"completed":[1]}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"completed":[1]}\n');
    expect(mode(path)).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['progress.json']);
  });

  it('replaces an existing file whole, and makes it owner-only', () => {
    const dir = tempDir();
    const path = join(dir, 'lesson-03.http');
    writeFileSync(path, 'old and longer than the new text', { mode: 0o644 });
    writePrivateFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(mode(path)).toBe(0o600);
  });

  it('never writes through a symlink planted at the old fixed temporary name', () => {
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched');
    const path = join(dir, 'progress.json');
    // What the old code wrote to: `${path}.${process.pid}.tmp`.
    symlinkSync(victim, `${path}.${process.pid}.tmp`);
    writePrivateFileAtomic(path, 'secret-ish');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(path, 'utf8')).toBe('secret-ish');
  });

  it('replaces a symlink at the target itself instead of writing through it', () => {
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched');
    const path = join(dir, 'progress.json');
    symlinkSync(victim, path);
    writePrivateFileAtomic(path, 'new');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(statSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('removes its temporary file when the rename fails, and throws', () => {
    const dir = tempDir();
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'not-empty'), { recursive: true });
    expect(() => writePrivateFileAtomic(path, 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(existsSync(join(path, 'not-empty'))).toBe(true);
  });
});
