import { describe, expect, it } from 'vitest';
import { formatCount, formatMs, formatRatio, formatTable } from './table.ts';

describe('formatTable', () => {
  it('left-aligns the first column, right-aligns the others, two spaces apart', () => {
    expect(formatTable(['flow', 'mean'], [['cached', '0.41 ms'], ['uncached', '1.52 ms']], '  ')).toEqual([
      '  flow         mean',
      '  cached    0.41 ms',
      '  uncached  1.52 ms',
    ]);
  });

  it('pads short rows and leaves no trailing spaces', () => {
    expect(formatTable(['a', 'b', 'c'], [['ratio', '3x']])).toEqual(['a       b  c', 'ratio  3x']);
  });
});

describe('number cells', () => {
  it('gives milliseconds a precision that suits their size', () => {
    expect(formatMs(0.41234)).toBe('0.412 ms');
    expect(formatMs(2.345)).toBe('2.35 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(812.6)).toBe('813 ms');
  });

  it('writes ratios, and a dash when there is none', () => {
    expect(formatRatio(3, 1)).toBe('3.0x');
    expect(formatRatio(125, 5)).toBe('25x');
    expect(formatRatio(1, 0)).toBe('-');
    expect(formatRatio(0, 0)).toBe('-');
  });

  it('groups thousands', () => {
    expect(formatCount(412345.6)).toBe('412,346');
  });
});
