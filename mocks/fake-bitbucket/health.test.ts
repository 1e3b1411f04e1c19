import { describe, expect, it } from 'vitest';
import { waitForHealthy } from './health.ts';

/** A clock that `sleep` moves, so no test waits for real. */
function fakeTime() {
  const clock = { now: 0, slept: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.now += ms;
    },
  };
}

describe('waitForHealthy', () => {
  it('polls until the server answers 200', async () => {
    const statuses = [503, 503, 200];
    const time = fakeTime();
    const fetcher: typeof fetch = async () => new Response('x', { status: statuses.shift() ?? 500 });
    await waitForHealthy('http://127.0.0.1:1/healthcheck', { fetch: fetcher, now: time.now, sleep: time.sleep, intervalMs: 100 });
    expect(statuses).toEqual([]);
    expect(time.clock.slept).toEqual([100, 100]);
  });

  it('gives up at the deadline with the last failure', async () => {
    const time = fakeTime();
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    };
    await expect(
      waitForHealthy('http://127.0.0.1:1/healthcheck', { fetch: refused, now: time.now, sleep: time.sleep, timeoutMs: 1000, intervalMs: 300 }),
    ).rejects.toMatchObject({ code: 'ERR_UNHEALTHY', message: expect.stringContaining('ECONNREFUSED 127.0.0.1:1, after 1000 ms') });
    const status: typeof fetch = async () => new Response('', { status: 503 });
    await expect(
      waitForHealthy('http://127.0.0.1:1/healthcheck', { fetch: status, now: fakeTime().now, sleep: async () => {}, timeoutMs: 0 }),
    ).rejects.toMatchObject({ message: expect.stringContaining('HTTP 503') });
  });
});
