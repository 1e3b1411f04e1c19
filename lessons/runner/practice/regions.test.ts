import { describe, expect, it } from 'vitest';
import { RegionError, regionsOf, skeletonOf } from './regions.ts';

const FILE = [
  'export function f(): string {',
  '  // #region exercise: the body',
  "  return 'TODO';",
  '  // #endregion',
  '}',
  '# #region exercise: a .http part',
  'POST https://x.test/',
  '# #endregion',
].join('\n');

describe('regionsOf and skeletonOf', () => {
  it('list the labels of // and # regions, in order', () => {
    expect(regionsOf(FILE, 'f.ts')).toEqual(['the body', 'a .http part']);
  });

  it('keep everything outside the regions, markers included, and drop what is inside', () => {
    expect(skeletonOf(FILE, 'f.ts')).toBe(
      ['export function f(): string {', '  // #region exercise: the body', '  // #endregion', '}', '# #region exercise: a .http part', '# #endregion'].join('\n'),
    );
  });

  it('make two files with different region contents equal, and different skeletons unequal', () => {
    const solved = FILE.replace("return 'TODO';", "return 'done';\n  // and more");
    expect(skeletonOf(solved, 'f.ts')).toBe(skeletonOf(FILE, 'f.ts'));
    expect(skeletonOf(`${solved}\nextra`, 'f.ts')).not.toBe(skeletonOf(FILE, 'f.ts'));
  });

  it.each([
    ['an unclosed region', '// #region exercise: a\nx', /line 1: the region is never closed/],
    ['a nested region', '// #region exercise: a\n// #region exercise: b\n// #endregion', /line 2: a region opens inside the one of line 1/],
    ['a stray end', 'x\n// #endregion', /line 2: #endregion without a region/],
  ])('refuse %s, naming the file and the line', (_what, text, message) => {
    expect(() => regionsOf(text, 'f.ts')).toThrow(RegionError);
    expect(() => regionsOf(text, 'f.ts')).toThrow(message);
  });
});
