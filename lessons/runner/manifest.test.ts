import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLesson, lessonDir, loadManifest, parseManifest } from './manifest.ts';

describe("this checkout's lessons/manifest.json", () => {
  const manifest = loadManifest();

  it.each(manifest.map((entry) => [entry.number, entry] as const))('lesson %i has its notes, module and test', (_n, entry) => {
    const dir = lessonDir(entry);
    for (const file of ['notes.md', 'lesson.ts', 'lesson.test.ts']) {
      expect(existsSync(join(dir, file)), `${dir}/${file}: every lesson directory holds notes, module and test`).toBe(true);
    }
  });

  it('names at most one lesson that provides the installation', () => {
    expect(manifest.filter((e) => e.provides === 'installation').length).toBeLessThanOrEqual(1);
  });
});

describe('parseManifest', () => {
  const one = { number: 1, slug: 'descriptor', title: 'The app descriptor' };

  it('accepts lessons numbered in order', () => {
    const two = { number: 2, slug: 'lifecycle', title: 'Installed', provides: 'installation' };
    expect(parseManifest([one, two])).toEqual([one, two]);
  });

  it.each([
    ['not an array', { lessons: [] }, /a JSON array/],
    ['an entry that is not an object', [1], /entry 1 is not an object/],
    ['a number out of order', [{ ...one, number: 2 }], /must be 1/],
    ['a slug with capitals', [{ ...one, slug: 'Descriptor' }], /"slug" must be lower-case words/],
    ['a slug with a slash', [{ ...one, slug: '../x' }], /"slug"/],
    ['an empty title', [{ ...one, title: ' ' }], /needs a "title"/],
    ['an unknown provides', [{ ...one, provides: 'token' }], /"provides" is "installation" or absent/],
    ['an unknown key', [{ ...one, requires: 'x' }], /unknown keys \(requires\)/],
  ])('refuses %s', (_what, data, message) => {
    expect(() => parseManifest(data)).toThrow(expect.objectContaining({ code: 'ERR_MANIFEST_INVALID', message: expect.stringMatching(message) }));
  });

  it('reports a missing manifest file by path', () => {
    expect(() => loadManifest('/nonexistent-lessons-dir')).toThrow(/cannot read \/nonexistent-lessons-dir\/manifest.json/);
  });
});

describe('findLesson and lessonDir', () => {
  const manifest = parseManifest([
    { number: 1, slug: 'descriptor', title: 'The app descriptor' },
    { number: 2, slug: 'lifecycle', title: 'Installed' },
  ]);

  it('finds a lesson by its number', () => {
    expect(findLesson(manifest, '2').slug).toBe('lifecycle');
  });

  it.each(['3', '0', '1.0', 'one', ''])('refuses %j, listing the lessons', (arg) => {
    expect(() => findLesson(manifest, arg)).toThrow(`Unknown lesson "${arg}". Lessons: 1 (The app descriptor), 2 (Installed).`);
  });

  it('pads the number to two digits', () => {
    expect(lessonDir(manifest[1]!, '/l')).toBe('/l/02-lifecycle');
  });
});
