import { describe, expect, it } from 'vitest';
import { measureRate } from './rate.ts';

/** A clock that advances `step` ms at every read, so the counts below are exact. */
function steppingClock(step: number) {
  let time = 0;
  return () => (time += step);
}

describe('measureRate', () => {
  it('warms up uncounted, then counts whole batches until the duration has passed', async () => {
    let calls = 0;
    // Each batch boundary reads the clock once: 10 ms per batch of 4 operations.
    const rate = await measureRate(() => (calls += 1), { warmupMs: 20, durationMs: 50, batch: 4, clock: steppingClock(10) });
    expect(rate.ops).toBe(20);
    expect(rate.elapsedMs).toBe(50);
    expect(rate.opsPerSecond).toBe(400);
    expect(rate.microsPerOp).toBe(2500);
    expect(calls).toBe(rate.ops + 8);
  });

  it('awaits operations that return a promise, one at a time', async () => {
    let running = 0;
    let most = 0;
    const rate = await measureRate(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await Promise.resolve();
        running -= 1;
      },
      { warmupMs: 1, durationMs: 1, batch: 3, clock: steppingClock(1) },
    );
    expect(rate.ops).toBe(3);
    expect(most).toBe(1);
  });

  it('refuses durations and batches it cannot use', async () => {
    await expect(measureRate(() => 0, { durationMs: 0 })).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS' });
    await expect(measureRate(() => 0, { warmupMs: -1 })).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS' });
    await expect(measureRate(() => 0, { batch: 0 })).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS' });
  });
});
