import { BenchOptionsError } from './errors.ts';

/**
 * Summary statistics of timing samples. Percentiles use the nearest-rank method: always an
 * observed value, never an interpolation between two.
 */

/**
 * The summary {@link summarize} returns; all values in the samples' unit.
 *
 * @example
 * const { mean, p50, p95 } = summarize([1.2, 0.9, 1.1])
 */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

/**
 * The `p`-th percentile (0 < p <= 100) of samples sorted ascending, by nearest rank.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // 2
 * percentile([1, 2, 3, 4], 95) // 4
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new BenchOptionsError('A percentile of no samples is undefined: measure at least one.');
  if (!(p > 0 && p <= 100)) throw new BenchOptionsError(`Percentile ${p} is out of range: use a number above 0 and at most 100.`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

/**
 * Mean, median, 95th percentile, minimum and maximum of a list of samples (any order).
 *
 * @example
 * summarize([3, 1, 2]) // { count: 3, mean: 2, p50: 2, p95: 3, min: 1, max: 3 }
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new BenchOptionsError('No samples to summarize: measure at least one.');
  if (samples.some((value) => !Number.isFinite(value))) {
    throw new BenchOptionsError('A sample is not a finite number: check the timer arithmetic.');
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    mean: total / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * The median of a list of samples (any order): the nearest-rank 50th percentile.
 *
 * @example
 * median([810, 790, 1200, 800, 805]) // 805
 */
export function median(samples: readonly number[]): number {
  return summarize(samples).p50;
}
