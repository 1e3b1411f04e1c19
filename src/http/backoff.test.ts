import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles the ceiling per retry, up to maxDelayMs', () => {
    const policy = { baseDelayMs: 250, maxDelayMs: 8_000, random: () => 0.999_999 };
    expect([0, 1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, policy))).toEqual([249, 499, 999, 1999, 3999, 7999, 7999]);
  });

  it('is full jitter: random 0 waits nothing, random 0.5 half the ceiling', () => {
    expect(backoffDelay(2, { baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(2, { baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 })).toBe(200);
  });

  it('stays within [0, min(maxDelayMs, base * 2^retry)] whatever random returns', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(10_000), fc.nat(100_000), fc.double({ noNaN: true }), (retry, base, max, r) => {
        const delay = backoffDelay(retry, { baseDelayMs: base, maxDelayMs: max, random: () => r });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(max, base * 2 ** retry));
      }),
    );
  });
});

describe('backoffDelay with a floor', () => {
  it('never waits less than minDelayMs, and still spreads up to the ceiling', () => {
    const policy = { baseDelayMs: 60_000, maxDelayMs: 240_000, minDelayMs: 30_000 };
    expect(backoffDelay(0, { ...policy, random: () => 0 })).toBe(30_000);
    expect(backoffDelay(0, { ...policy, random: () => 0.5 })).toBe(45_000);
    expect(backoffDelay(2, { ...policy, random: () => 0.999_999 })).toBe(239_999);
  });

  it('stays within [min(floor, ceiling), ceiling] whatever random returns', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(10_000), fc.nat(100_000), fc.nat(200_000), fc.double({ noNaN: true }), (retry, base, max, min, r) => {
        const ceiling = Math.min(max, base * 2 ** retry);
        const delay = backoffDelay(retry, { baseDelayMs: base, maxDelayMs: max, minDelayMs: min, random: () => r });
        expect(delay).toBeGreaterThanOrEqual(Math.floor(Math.min(min, ceiling)));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });
});
