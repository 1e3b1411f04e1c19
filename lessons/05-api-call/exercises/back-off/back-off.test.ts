import { afterAll, beforeAll, describe, it } from 'vitest';
import { RATE_LIMIT_POLICIES, type RateLimitPolicy } from '../../../../src/bitbucket/rate-limit.ts';
import { expectRule } from '../../../runner/practice/expect-rule.ts';
import { NOW, startOfflineApi, type OfflineApi } from '../offline-api.ts';
import { rateLimitWait, type RateLimitInput } from './rate-limit-wait.ts';

/** Against real Bitbucket: first wait 30 s to 1 min, later ones up to 2 and 4 min, 3 repeats, 10 min in all. */
const LIVE = RATE_LIMIT_POLICIES.live;

/** The decision in words: `wait 45000 ms`, or `give up`. */
function decide(o: Partial<RateLimitInput> = {}): string {
  const { waitMs } = rateLimitWait({ retryAfter: null, repeats: 0, waitedMs: 0, policy: LIVE, now: NOW, random: () => 0.5, ...o });
  return waitMs === undefined ? 'give up' : `wait ${waitMs} ms`;
}

describe('back-off', () => {
  let offline: OfflineApi;
  beforeAll(() => {
    offline = startOfflineApi('practice-backoff-secret-0123456789-abcdefghij', 'rate-limited');
  });
  afterAll(() => offline.stop());

  it("1. without Retry-After (Bitbucket's 429), the first wait is the policy's: min to first delay, at random", () => {
    expectRule(
      [0, 0.5, 0.999999].map((random) => decide({ random: () => random })),
      ['wait 30000 ms', 'wait 45000 ms', 'wait 59999 ms'],
      'the live policy (30 s to 1 min), random() = 0, 0.5, 0.999999',
    );
  });

  it('2. each later wait may be twice as long, never above maxDelayMs', () => {
    const patient: RateLimitPolicy = { ...LIVE, maxRetries: 10, maxTotalMs: 3_600_000 };
    expectRule(
      [1, 2, 5].map((repeats) => decide({ repeats, policy: patient })),
      ['wait 75000 ms', 'wait 135000 ms', 'wait 135000 ms'],
      'repeats 1, 2 and 5 (ceilings 2 min, 4 min, then still 4 min: maxDelayMs), random() = 0.5',
    );
  });

  it('3. a Retry-After in seconds is honoured as it is', () => {
    const wait = rateLimitWait({ retryAfter: '120', repeats: 0, waitedMs: 0, policy: LIVE, now: NOW, random: () => 0.5 });
    expectRule({ waitMs: wait.waitMs, retryAfterMs: wait.retryAfterMs }, { waitMs: 120_000, retryAfterMs: 120_000 }, "Retry-After: 120");
  });

  it('4. a Retry-After date is honoured, counted from now', () => {
    const at = new Date(NOW + 90_000).toUTCString();
    expectRule(decide({ retryAfter: at }), 'wait 90000 ms', `Retry-After: ${at} (now is ${new Date(NOW).toUTCString()})`);
  });

  it('5. at most maxRetries repeats, then give up', () => {
    expectRule([2, 3].map((repeats) => decide({ repeats })), ['wait 135000 ms', 'give up'], 'the live policy (3 repeats): the 429 after 2 repeats, then after 3');
  });

  it('6. a Retry-After longer than maxRetryAfterMs: give up at once', () => {
    const wait = rateLimitWait({ retryAfter: '3600', repeats: 0, waitedMs: 0, policy: LIVE, now: NOW, random: () => 0.5 });
    expectRule(
      { decision: wait.waitMs === undefined ? 'give up' : `wait ${wait.waitMs} ms`, retryAfterMs: wait.retryAfterMs },
      { decision: 'give up', retryAfterMs: 3_600_000 },
      'Retry-After: 3600 (an hour; the live policy waits at most 5 min for one)',
    );
  });

  it('7. never more than maxTotalMs of waiting for one call', () => {
    expectRule(
      [500_000, 550_000].map((waitedMs) => decide({ repeats: 1, waitedMs })),
      ['wait 75000 ms', 'give up'],
      'the second repeat (75 s) after 500 s, then after 550 s of waiting (at most 600 s in all)',
    );
  });

  it("8. the lab's client with your rateLimitWait waits out the offline Bitbucket's 429", async () => {
    const before = offline.answered().length;
    await offline.getWorkspace({ rateLimitWait }, 'the workspace, after one wait');
    const offlinePolicy = RATE_LIMIT_POLICIES.offline;
    expectRule(
      {
        answers: offline.answered().slice(before).filter((line) => line.startsWith('GET')).map((line) => line.split(' → ')[1]),
        waits: offline.waits.map((ms) => (ms >= offlinePolicy.minDelayMs && ms <= offlinePolicy.firstDelayMs ? 'within 100-250 ms' : `${ms} ms`)),
      },
      { answers: ['429', '200'], waits: ['within 100-250 ms'] },
      'what the offline Bitbucket answered, and how long the client waited (its offline policy)',
    );
  });
});
