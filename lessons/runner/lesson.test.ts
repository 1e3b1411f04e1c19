import { describe, expect, it } from 'vitest';
import { defineLesson, type Lesson } from './lesson.ts';

const run = async () => {};

describe('defineLesson', () => {
  it('returns a valid lesson as it is', () => {
    const lesson: Lesson = { requires: 'installation', mock: 'state', flags: { 'base-url': { type: 'string', description: 'x' } }, steps: [{ title: 'One', run }] };
    expect(defineLesson(lesson)).toBe(lesson);
  });

  it.each<[string, Lesson, RegExp]>([
    ['no steps', { steps: [] }, /at least one step/],
    ['an untitled step', { steps: [{ title: ' ', run }] }, /step 1 needs a title/],
    ['a duplicate title', { steps: [{ title: 'A', run }, { title: 'A', run }] }, /step 2: the title "A" is used twice/],
    ['a two-line title', { steps: [{ title: 'A\nB', run }] }, /one line of at most 80/],
    ['a step without run', { steps: [{ title: 'A' } as never] }, /step 1 needs a run\(ctx\) function/],
    ['a runner flag', { flags: { yes: { type: 'boolean', description: 'x' } }, steps: [{ title: 'A', run }] }, /"yes" is a runner flag/],
    ['a badly named flag', { flags: { baseUrl: { type: 'string', description: 'x' } }, steps: [{ title: 'A', run }] }, /lower-case words/],
    ['a flag without description', { flags: { x: { type: 'string', description: '' } }, steps: [{ title: 'A', run }] }, /needs a description/],
    ['an unknown requirement', { requires: 'token' as never, steps: [{ title: 'A', run }] }, /requires must be 'installation'/],
    ['an unknown mock need', { mock: 'global' as never, steps: [{ title: 'A', run }] }, /mock must be 'state', 'intercept' or absent/],
  ])('refuses %s', (_what, lesson, message) => {
    expect(() => defineLesson(lesson)).toThrow(expect.objectContaining({ code: 'ERR_LESSON_DEFINITION', message: expect.stringMatching(message) }));
  });

  it('lists every problem at once', () => {
    expect(() => defineLesson({ flags: { yes: { type: 'boolean', description: '' } }, steps: [] })).toThrow(
      /at least one step; flag "yes" is a runner flag; choose another name; flag "yes" needs a description/,
    );
  });
});
