import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms` milliseconds, or rejects as soon as `signal` aborts: a caller cancelling a request
 * must not have to sit out a 60-second Retry-After. The default `sleep` of the clients; tests inject
 * their own so that no real time passes.
 *
 * @example
 * await sleep(250)
 * await sleep(60_000, controller.signal) // rejects when controller.abort() is called
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined);
}
