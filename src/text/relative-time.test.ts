import { describe, expect, it } from 'vitest';
import { duration, momentOf } from './relative-time.ts';

const NOW = Date.UTC(2025, 0, 1, 1, 3);

describe('momentOf', () => {
  it('gives the ISO date and the distance from now, past or future', () => {
    expect(momentOf(NOW / 1000 - 180, NOW)).toEqual({ iso: '2025-01-01T01:00:00.000Z', relative: '3 min ago', secondsFromNow: -180 });
    expect(momentOf(NOW / 1000 + 12, NOW).relative).toBe('in 12 s');
    expect(momentOf(NOW / 1000, NOW).relative).toBe('now');
  });

  it('shows a value no Date can hold as it is', () => {
    expect(momentOf(1e300, NOW)).toMatchObject({ iso: '1e+300', relative: 'not a date' });
  });
});

describe('duration', () => {
  it.each([[45, '45 s'], [180, '3 min'], [3600, '60 min'], [5 * 3600, '5 h'], [3 * 86_400, '3 days']])('%i s reads %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
