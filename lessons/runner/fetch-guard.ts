import { OfflineRequestError } from './errors.ts';
import { isLoopbackUrl } from '../../src/http/loopback.ts';

/** Where the global `fetch` lives: `globalThis`, or a stand-in in tests. */
export interface FetchHolder {
  fetch: typeof fetch;
}

/**
 * Offline, replaces the global `fetch` with one that sends loopback requests (the lab's app) and
 * refuses every other with ERR_OFFLINE_REQUEST, so code that does not use `ctx.fetch` cannot reach
 * the real Bitbucket, or anything else, by accident. Returns the function that puts the original
 * back (it leaves alone a `fetch` someone else installed since).
 *
 * Only `fetch` is guarded: it is the one HTTP client of `src/` and the lessons.
 *
 * @example
 * const restore = installFetchGuard(globalThis)
 * try { await runSteps(...) } finally { restore() }
 */
export function installFetchGuard(holder: FetchHolder = globalThis): () => void {
  const original = holder.fetch;
  const guard: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
    if (isLoopbackUrl(url)) return original(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    throw new OfflineRequestError(method, url, 'global');
  };
  holder.fetch = guard;
  return () => {
    if (holder.fetch === guard) holder.fetch = original;
  };
}
