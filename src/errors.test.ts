import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LESSON_SLUGS, LabError, isLabError, lessonName } from './errors.ts';

describe('LabError', () => {
  it('carries a stable code, the lesson that explains it, and its cause', () => {
    const cause = new Error('underlying');
    const error = new LabError('ERR_EXAMPLE', 'what went wrong', { lesson: 3, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'ERR_EXAMPLE', lesson: 3, message: 'what went wrong', cause, name: 'LabError' });
    expect(isLabError(error)).toBe(true);
    expect(isLabError(error, 'ERR_EXAMPLE')).toBe(true);
    expect(isLabError(error, 'ERR_OTHER')).toBe(false);
    expect(isLabError(cause)).toBe(false);
  });
});

describe('lesson names in messages', () => {
  it('match lessons/manifest.json, the source of lesson order', () => {
    const manifest = JSON.parse(readFileSync(new URL('../lessons/manifest.json', import.meta.url), 'utf8')) as Array<{ number: number; slug: string }>;
    expect(Object.fromEntries(manifest.map((l) => [l.number, l.slug]))).toEqual({ ...LESSON_SLUGS });
  });

  it('name a lesson by number and slug', () => {
    expect(lessonName(4)).toBe('lesson 4 (exchange)');
    expect(lessonName(99)).toBe('lesson 99');
  });
});
