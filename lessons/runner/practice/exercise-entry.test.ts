import { describe, expect, it } from 'vitest';
import { parseManifest } from '../manifest.ts';

const lesson = { number: 1, slug: 'descriptor', title: 'The app descriptor' };
const exercise = { name: 'build-descriptor', file: 'build-descriptor.ts', hints: ['the idea', 'the API', 'the line'] };

describe('the exercises of lessons/manifest.json', () => {
  it('are read with their lesson, a src/ solution kept when given', () => {
    const withSource = { ...exercise, name: 'canonical-request', file: 'canonical-request.ts', solution: 'src/jwt/qsh.ts' };
    expect(parseManifest([{ ...lesson, exercises: [exercise, withSource] }])[0]?.exercises).toEqual([exercise, withSource]);
  });

  it.each([
    ['exercises that are not a list', { exercises: {} }, /entry 1: "exercises" is an array/],
    ['an exercise that is not an object', { exercises: ['x'] }, /entry 1, exercise 1 is not an object/],
    ['an unknown key', { exercises: [{ ...exercise, hint: 'x' }] }, /unknown keys \(hint\): use name, file, solution, hints/],
    ['a name with capitals', { exercises: [{ ...exercise, name: 'Build' }] }, /"name" must be lower-case words/],
    ['a file in a folder', { exercises: [{ ...exercise, file: '../x.ts' }] }, /"file" is the learner's file name/],
    ['a solution outside src/', { exercises: [{ ...exercise, solution: 'lessons/x.ts' }] }, /"solution", when given, is the src\/ file/],
    ['two hints', { exercises: [{ ...exercise, hints: ['a', 'b'] }] }, /"hints" is three non-empty strings: the idea, the API, the line/],
    ['an empty hint', { exercises: [{ ...exercise, hints: ['a', ' ', 'c'] }] }, /"hints" is three non-empty strings/],
  ])('refuses %s, naming the entry', (_what, extra, message) => {
    expect(() => parseManifest([{ ...lesson, ...extra }])).toThrow(expect.objectContaining({ code: 'ERR_MANIFEST_INVALID', message: expect.stringMatching(message) }));
  });

  it('refuses an exercise name used by two lessons: commands find exercises by name', () => {
    expect(() => parseManifest([{ ...lesson, exercises: [exercise] }, { number: 2, slug: 'two', title: 'Two', exercises: [exercise] }])).toThrow(
      'the exercise name "build-descriptor" is used by lesson 1 and lesson 2',
    );
  });
});
