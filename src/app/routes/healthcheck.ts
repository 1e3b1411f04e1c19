import type { RequestHandler } from 'express';
import type { SafeLogger } from '../../log/logger.ts';
import type { InstallationStore } from '../../store/installation.ts';
import { StoreUnavailableError } from '../errors.ts';

/** A lookup that cannot match a real clientKey (those start with `ari:` or a UUID). */
const PROBE_CLIENT_KEY = 'healthcheck-probe';

/** Resolves when `promise` does, rejects with a timeout error after `ms`; the timer never leaks. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthcheck`: `OK` (text/plain) when the app runs and its store answers a lookup, 503
 * otherwise, so a supervisor or tunnel restarts a broken app instead of routing to it.
 *
 * @example app.get('/healthcheck', healthcheck({ store, log }))
 */
export function healthcheck(deps: { store: InstallationStore; log: SafeLogger; timeoutMs?: number }): RequestHandler {
  const timeoutMs = deps.timeoutMs ?? 2000;
  return async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await withTimeout(deps.store.get(PROBE_CLIENT_KEY), timeoutMs);
      res.status(200).type('text/plain').send('OK');
    } catch (error) {
      const failure = error instanceof StoreUnavailableError ? error : new StoreUnavailableError(error instanceof Error ? error.message : String(error));
      deps.log.error(`healthcheck failed id=${String(res.locals.requestId)} ${failure.message}`);
      res.status(503).type('text/plain').send(`${failure.code}: ${failure.message}`);
    }
  };
}
