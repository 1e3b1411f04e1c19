import { performance } from 'node:perf_hooks';
import { BenchOptionsError } from './errors.ts';

/**
 * Throughput: how many times an operation runs in a fixed time, after a warm-up that lets the JIT
 * compile it. The clock is read once per batch, so reading it costs little next to fast operations.
 */

/**
 * Options of {@link measureRate}.
 *
 * @example
 * const options: RateOptions = { warmupMs: 200, durationMs: 1000 }
 */
export interface RateOptions {
  /** Run this long first, uncounted. Default 200. */
  warmupMs?: number;
  /** Then count operations for this long. Default 1000. */
  durationMs?: number;
  /** Operations between two clock reads. Default 64. */
  batch?: number;
  /** A monotonic clock in milliseconds; default `performance.now`. */
  clock?: () => number;
}

/**
 * What {@link measureRate} measured.
 *
 * @example
 * const { opsPerSecond } = await measureRate(() => JSON.parse('{}'))
 */
export interface Rate {
  ops: number;
  elapsedMs: number;
  opsPerSecond: number;
  /** Mean time of one operation, in microseconds. */
  microsPerOp: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new BenchOptionsError(`${name}=${value} must be a positive number.`);
  return value;
}

/**
 * Runs `operation` repeatedly, one call at a time (awaiting it when it returns a promise), for
 * `warmupMs` uncounted and then `durationMs` counted, and reports the rate. Whole batches run, so
 * the counted time slightly exceeds `durationMs`; the rate uses the time actually elapsed.
 *
 * @example
 * const rate = await measureRate(() => verifyJwt(token, options), { durationMs: 1000 })
 * console.log(`${Math.round(rate.opsPerSecond)} ops/s`)
 */
export async function measureRate(operation: () => unknown, o: RateOptions = {}): Promise<Rate> {
  const warmupMs = o.warmupMs === undefined ? 200 : positive('warmupMs', o.warmupMs);
  const durationMs = positive('durationMs', o.durationMs ?? 1000);
  const batch = o.batch ?? 64;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new BenchOptionsError(`batch=${batch} must be a whole number, 1 or more.`);
  const clock = o.clock ?? (() => performance.now());

  const runFor = async (ms: number): Promise<{ ops: number; elapsedMs: number }> => {
    const start = clock();
    let ops = 0;
    let elapsedMs = 0;
    while (elapsedMs < ms) {
      for (let i = 0; i < batch; i += 1) {
        const result = operation();
        // Synchronous operations are not awaited: a microtask per call would be most of the floor's cost.
        if (result instanceof Promise) await result;
      }
      ops += batch;
      elapsedMs = clock() - start;
    }
    return { ops, elapsedMs };
  };

  await runFor(warmupMs);
  const { ops, elapsedMs } = await runFor(durationMs);
  return { ops, elapsedMs, opsPerSecond: (ops / elapsedMs) * 1000, microsPerOp: (elapsedMs * 1000) / ops };
}
