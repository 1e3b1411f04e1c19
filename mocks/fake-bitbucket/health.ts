import { UnhealthyError } from './errors.ts';

/** Options of {@link waitForHealthy}. */
export interface WaitForHealthyOptions {
  fetch?: typeof fetch;
  /** Give up after this long; default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts; default 200 ms. */
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls a health-check URL until it answers 200, as a supervisor does before sending traffic.
 * Each attempt has its own deadline, so a server that accepts but never answers cannot stall it.
 *
 * @throws {UnhealthyError} `ERR_UNHEALTHY` with the last status or network error.
 *
 * @example
 * await waitForHealthy('http://127.0.0.1:3000/healthcheck')
 */
export async function waitForHealthy(url: string, o: WaitForHealthyOptions = {}): Promise<void> {
  const fetcher = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const deadline = now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    try {
      const response = await fetcher(url, { signal: AbortSignal.timeout(Math.max(1, Math.min(2000, deadline - now()))) });
      // Read, not cancelled: a health answer is a few bytes, and reading frees the connection at once.
      await response.text();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    if (now() >= deadline) throw new UnhealthyError(url, `${last}, after ${timeoutMs} ms`);
    await sleep(o.intervalMs ?? 200);
  }
}
