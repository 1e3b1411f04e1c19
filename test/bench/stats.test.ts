import { describe, expect, it } from 'vitest';
import { median, percentile, summarize } from './stats.ts';

describe('percentile', () => {
  it('picks an observed value by nearest rank', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(10);
    expect(percentile(sorted, 95)).toBe(19);
    expect(percentile(sorted, 100)).toBe(20);
    expect(percentile([7], 95)).toBe(7);
  });

  it('refuses no samples and percentiles out of range', () => {
    expect(() => percentile([], 50)).toThrow(expect.objectContaining({ code: 'ERR_BENCH_OPTIONS' }));
    expect(() => percentile([1], 0)).toThrow(/out of range/);
    expect(() => percentile([1], 101)).toThrow(/out of range/);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports mean, p50, p95, min and max', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, mean: 3, p50: 3, p95: 5, min: 1, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });

  it('refuses an empty list and non-finite samples', () => {
    expect(() => summarize([])).toThrow(expect.objectContaining({ code: 'ERR_BENCH_OPTIONS' }));
    expect(() => summarize([1, Number.NaN])).toThrow(/not a finite number/);
  });
});

describe('median', () => {
  it('is not pulled by one slow run', () => {
    expect(median([810, 790, 5200, 800, 805])).toBe(805);
  });
});
