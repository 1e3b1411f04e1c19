import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labCourse } from './course.ts';
import { lessonDir, loadManifest } from './manifest.ts';
import { markCompleted } from './progress.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-grant-lab-course-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A lessons directory with two lessons in the manifest, and notes for the first only. */
function fixtureLessons(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([
      { number: 1, slug: 'descriptor', title: 'The app descriptor' },
      { number: 2, slug: 'lifecycle', title: 'The lifecycle', provides: 'installation' },
    ]),
  );
  mkdirSync(join(dir, '01-descriptor'));
  writeFileSync(join(dir, '01-descriptor', 'notes.md'), '# The descriptor\n');
  return dir;
}

describe('labCourse: the lab as the app shows it', () => {
  it('lists the manifest\'s lessons by number and title only', () => {
    const course = labCourse({ dataDir: tempDir(), lessonsDir: fixtureLessons() });
    expect(course.lessons()).toEqual([
      { number: 1, title: 'The app descriptor' },
      { number: 2, title: 'The lifecycle' },
    ]);
  });

  it('reads progress.json on every call: none while it is missing or malformed, then what was completed', () => {
    const dataDir = tempDir();
    const course = labCourse({ dataDir, lessonsDir: fixtureLessons() });
    expect(course.progress()).toEqual({ completed: [] });
    writeFileSync(join(dataDir, 'progress.json'), '{not json');
    expect(course.progress()).toEqual({ completed: [] });
    markCompleted(dataDir, 2);
    expect(course.progress()).toEqual({ completed: [2] });
  });

  it('gives a lesson\'s notes.md, and undefined for a lesson without notes or not in the manifest', async () => {
    const course = labCourse({ dataDir: tempDir(), lessonsDir: fixtureLessons() });
    expect(await course.notes(1)).toBe('# The descriptor\n');
    expect(await course.notes(2)).toBeUndefined();
    expect(await course.notes(3)).toBeUndefined();
  });

  it('throws ERR_MANIFEST_INVALID for a broken manifest (the page answers 500, not an empty list)', () => {
    const lessonsDir = tempDir();
    writeFileSync(join(lessonsDir, 'manifest.json'), '{"not": "a list"}');
    expect(() => labCourse({ dataDir: tempDir(), lessonsDir }).lessons()).toThrow(expect.objectContaining({ code: 'ERR_MANIFEST_INVALID' }));
  });

  it('serves the notes of every lesson of this checkout that has them', async () => {
    const course = labCourse({ dataDir: tempDir() });
    const manifest = loadManifest();
    expect(course.lessons().map((lesson) => lesson.number)).toEqual(manifest.map((entry) => entry.number));
    for (const entry of manifest) {
      const hasNotes = existsSync(join(lessonDir(entry), 'notes.md'));
      const notes = await course.notes(entry.number);
      expect(notes === undefined, `lesson ${entry.number}`).toBe(!hasNotes);
    }
  });
});
