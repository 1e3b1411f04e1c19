import { describe, expect, it } from 'vitest';
import { differenceWindow, firstDifference } from './first-difference.ts';

describe('firstDifference', () => {
  it('finds the first differing character, the end of a prefix, or -1', () => {
    expect(firstDifference('GET&/a&x=1', 'GET&/a&x=2')).toBe(9);
    expect(firstDifference('GET&/a', 'GET&/a/')).toBe(6);
    expect(firstDifference('same', 'same')).toBe(-1);
  });
});

describe('differenceWindow', () => {
  it('puts the caret under the first difference of short strings, uncut', () => {
    expect(differenceWindow('GET&/a&x=1', 'GET&/a&x=2')).toEqual({ a: 'GET&/a&x=1', b: 'GET&/a&x=2', caret: '         ^', index: 9 });
  });

  it('cuts a long common start the same way in both, keeping the caret aligned', () => {
    const w = differenceWindow(`${'x'.repeat(100)}a`, `${'x'.repeat(100)}b`, { before: 10 });
    expect(w).toEqual({ a: `…${'x'.repeat(10)}a`, b: `…${'x'.repeat(10)}b`, caret: `${' '.repeat(11)}^`, index: 100 });
    expect(w.a[w.caret.length - 1]).toBe('a');
  });
});
