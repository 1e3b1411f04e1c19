import { isLabError } from '../errors.ts';
import { backoffDelay } from '../http/backoff.ts';
import { sleep as defaultSleep } from '../http/sleep.ts';
import { exchangeJwtForToken } from '../oauth/exchange.ts';
import { GrantError } from '../oauth/errors.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import { VERIFICATION_WINDOW_MS } from './lifecycle.ts';

/**
 * Proves a first install with the JWT grant. Anyone can POST an `installed` payload, but only
 * Bitbucket can answer a token exchange signed with a clientKey and secret it issued (protocol.md
 * §6). So right after answering 204 to a first install (stored `pending`), the app makes one
 * exchange signed with the payload's secret, at the **configured** Bitbucket (never the payload's
 * `baseUrl`): a token makes the installation `active`; a refusal deletes it.
 */

/**
 * Where the verifier writes what happened: the app's `SafeLogger` (the secrets given are redacted
 * too). No line ever holds a secret; the installation's is passed along to be sure.
 *
 * @example const log: VerifierLog = safeLogger(consoleLogger())
 */
export interface VerifierLog {
  info(line: string, secrets?: Iterable<string | undefined>): void;
  error(line: string, secrets?: Iterable<string | undefined>): void;
}

/**
 * Options of {@link createInstallVerifier}; `store`, `bitbucketUrl` and `log` are required.
 *
 * @example
 * createInstallVerifier({ store, bitbucketUrl: config.bitbucketUrl, log, fetch, maxDurationMs: 240_000 })
 */
export interface InstallVerifierOptions {
  store: InstallationStore;
  /** The configured Bitbucket (`config.bitbucketUrl`): where the proof exchange goes. */
  bitbucketUrl: string;
  log: VerifierLog;
  /** For the token exchange; default `globalThis.fetch` at call time. */
  fetch?: typeof fetch;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** Waits between tries; must reject when the signal aborts. Default src/http/sleep.ts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For the backoff's jitter; default `Math.random`. */
  random?: () => number;
  /** How long transient failures (network, timeout, 5xx, 429) are retried before giving up. Default 4 minutes. */
  maxDurationMs?: number;
  /** How long to wait before asking again after Bitbucket refused the exchange. Default 5 seconds. */
  refusalRetryDelayMs?: number;
  /** The first retry's delay ceiling, doubling up to `maxDelayMs` (full jitter). Defaults 1 s and 60 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The deadline of one exchange; default the exchange's (10 s). */
  timeoutMs?: number;
}

/**
 * Proofs in flight, one per clientKey.
 *
 * @example
 * verifier.verify(installation) // after answering 204 to a first install
 * await verifier.idle()         // tests and lesson 2: wait for the outcome
 */
export interface InstallVerifier {
  /**
   * Starts proving a pending installation and returns at once (errors are logged, never thrown).
   * A later call for the same clientKey (a newer first install replaced the pending row) cancels
   * the earlier proof.
   */
  verify(installation: Installation): void;
  /** Starts proving every pending installation in the store not being proven (after a restart), first deleting stale ones. */
  resume(): Promise<void>;
  /** Resolves once no proof is in flight. */
  idle(): Promise<void>;
  /** How many proofs are in flight. */
  inFlight(): number;
  /** Cancels every proof in flight (their pending rows stay until they expire) and waits for them to stop. Later `verify` calls do nothing. */
  close(): Promise<void>;
}

const DEFAULT_MAX_DURATION_MS = 4 * 60_000;
/**
 * The lab's choice, where protocol.md is silent: whether Bitbucket's record of an installation is
 * usable at the moment it posts `installed` is not documented. A refusal is therefore asked once
 * more, after this delay, before the pending installation is deleted.
 */
const DEFAULT_REFUSAL_RETRY_DELAY_MS = 5_000;

function describe(error: unknown): string {
  if (isLabError(error)) return error.code;
  return error instanceof Error ? error.name : 'error';
}

/**
 * Creates the verifier the app hands every first install to.
 *
 * For one pending installation: exchange a JWT signed with its secret at `bitbucketUrl`.
 * - A token: compare-and-set pending → active (only if the row is still that pending install).
 * - A refusal (`ERR_GRANT_*`): asked once more after `refusalRetryDelayMs` (see above), then the
 *   pending row is deleted (compare-and-set: a newer install is left alone).
 * - Anything else (network, timeout, 5xx, 429, the store busy): retried with exponential backoff
 *   and full jitter (a 429's Retry-After honoured) for `maxDurationMs` in all, then the pending row
 *   is deleted and the failure logged.
 *
 * @example
 * const verifier = createInstallVerifier({ store, bitbucketUrl: config.bitbucketUrl, log })
 * const { installation, outcome } = await handleInstalled(request, deps)
 * if (outcome === 'pending') verifier.verify(installation)
 */
export function createInstallVerifier(o: InstallVerifierOptions): InstallVerifier {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const maxDurationMs = o.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
  const refusalRetryDelayMs = o.refusalRetryDelayMs ?? DEFAULT_REFUSAL_RETRY_DELAY_MS;
  const policy = { baseDelayMs: o.baseDelayMs ?? 1_000, maxDelayMs: o.maxDelayMs ?? 60_000, random: o.random ?? Math.random };
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let closed = false;

  const expectationOf = (installation: Installation) => ({
    clientKey: installation.clientKey,
    sharedSecret: installation.sharedSecret,
    state: 'pending' as const,
  });

  async function forget(installation: Installation, why: string): Promise<void> {
    const deleted = await o.store.replace(expectationOf(installation), undefined);
    o.log.error(
      `install not proven clientKey=${installation.clientKey} ${why}; ${deleted ? 'pending installation deleted' : 'it changed meanwhile and was left as it is'}`,
      [installation.sharedSecret],
    );
  }

  async function prove(installation: Installation, signal: AbortSignal): Promise<void> {
    const started = now();
    let retries = 0;
    let refusals = 0;
    for (;;) {
      let delay: number;
      try {
        await exchangeJwtForToken({ installation, bitbucketUrl: o.bitbucketUrl, fetch: o.fetch, now, signal, timeoutMs: o.timeoutMs });
        const active: Installation = { ...installation, state: 'active', updatedAt: new Date(now()).toISOString() };
        const activated = await o.store.replace(expectationOf(installation), active);
        o.log.info(
          `install proven clientKey=${installation.clientKey} ${activated ? 'state=active' : 'but it changed meanwhile and was left as it is'}`,
          [installation.sharedSecret],
        );
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof GrantError) {
          refusals += 1;
          if (refusals >= 2) return forget(installation, `Bitbucket refused the token exchange (${error.code}, HTTP ${error.status})`);
          delay = refusalRetryDelayMs;
        } else {
          const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
          delay = Math.max(backoffDelay(retries, policy), typeof retryAfterMs === 'number' ? retryAfterMs : 0);
          retries += 1;
        }
        if (now() - started + delay > maxDurationMs) {
          return forget(installation, `no answer from Bitbucket within ${Math.round(maxDurationMs / 1000)} s (last: ${describe(error)})`);
        }
        o.log.info(`install proof clientKey=${installation.clientKey} failed (${describe(error)}), trying again in ${delay} ms`, [
          installation.sharedSecret,
        ]);
      }
      try {
        await sleep(delay, signal);
      } catch {
        return; // aborted
      }
    }
  }

  function verify(installation: Installation): void {
    if (closed) return;
    running.get(installation.clientKey)?.controller.abort();
    const controller = new AbortController();
    const entry = {
      controller,
      done: prove(installation, controller.signal)
        .catch((error: unknown) => {
          o.log.error(`install proof clientKey=${installation.clientKey} stopped: ${describe(error)}`, [installation.sharedSecret]);
        })
        .finally(() => {
          if (running.get(installation.clientKey) === entry) running.delete(installation.clientKey);
        }),
    };
    running.set(installation.clientKey, entry);
  }

  async function idle(): Promise<void> {
    // A proof may be replaced while waiting: wait until none is left.
    while (running.size > 0) await Promise.allSettled([...running.values()].map((entry) => entry.done));
  }

  return {
    verify,
    async resume() {
      if (closed) return;
      await o.store.deleteStalePending(new Date(now() - VERIFICATION_WINDOW_MS).toISOString());
      for (const installation of await o.store.list({ state: 'pending' })) {
        if (!running.has(installation.clientKey)) verify(installation);
      }
    },
    idle,
    inFlight: () => running.size,
    async close() {
      closed = true;
      for (const entry of running.values()) entry.controller.abort();
      await idle();
    },
  };
}
