/**
 * The lab's app on a free loopback port, for the duration of one step: offline, lesson 2 plays
 * Bitbucket against the very app `npm start` serves (src/app/create-app.ts), so the lifecycle calls
 * it sends, and the token exchange with which the app proves a first install, are real HTTP
 * exchanges that the runner prints and records.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app/create-app.ts';
import { createInstallVerifier } from '../../src/connect/install-verifier.ts';
import { awaitGate } from '../../src/http/gated-fetch.ts';
import { safeLogger } from '../../src/log/logger.ts';
import type { LessonContext } from '../runner/lesson.ts';

/**
 * The running app, as a step sees it.
 *
 * @example
 * await withLocalApp(ctx, async (app) => { await installApp({ appBaseUrl: app.url, ... }); await app.settled() })
 */
export interface LocalApp {
  /** `http://127.0.0.1:<port>`: where the app can be reached from this process. */
  url: string;
  /** The lines the app logged so far (already redacted by its logger), oldest first. */
  log: string[];
  /**
   * Runs one lifecycle call to the app; the app's own requests meanwhile (the proof it starts right
   * after its 204) wait until the call has its answer, so the learner reads the answer first.
   */
  call<T>(send: () => Promise<T>): Promise<T>;
  /** Resolves once the app has the outcome of every first install it is proving (its token exchanges done). */
  settled(): Promise<void>;
}

/**
 * How long the app waits before asking Bitbucket again about a refused first install. The app's
 * default is 5 s (src/connect/install-verifier.ts); a lesson shows the same two exchanges sooner.
 */
export const LESSON_REFUSAL_RETRY_MS = 500;

/**
 * Runs `use` with the app listening on `127.0.0.1` (a port the system picks), backed by the
 * lesson's store and clock, and closes it afterwards, also when `use` throws (a proof in flight is
 * cancelled). Loopback only: the app is never reachable from another machine, and the offline mock
 * lets loopback requests through. The app's own requests (its proof exchanges) go through
 * `ctx.fetch`, or `ctx.briefFetch` with `brief`, so the learner sees them.
 *
 * @example
 * const status = await withLocalApp(ctx, async (app) => (await ctx.fetch(`${app.url}/healthcheck`)).status)
 */
export async function withLocalApp<T>(ctx: LessonContext, use: (app: LocalApp) => Promise<T>, o: { brief?: boolean } = {}): Promise<T> {
  const log: string[] = [];
  // The app's log lines are part of what the learner reads: collected, never written to the console.
  const logger = { info: (line: string) => log.push(line), error: (line: string) => log.push(line) };
  const viaRunner = o.brief ? ctx.briefFetch : ctx.fetch;
  // The app's requests pass this before their gate (which prints them): see LocalApp.call.
  let answered: Promise<void> = Promise.resolve();
  const appFetch: typeof fetch = Object.assign((input: RequestInfo | URL, init?: RequestInit) => viaRunner(input, init), {
    beforeSend: async (input: RequestInfo | URL, init?: RequestInit) => {
      await answered;
      await awaitGate(viaRunner, input, init);
    },
  });
  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    let answer!: () => void;
    answered = new Promise<void>((resolve) => (answer = resolve));
    try {
      return await send();
    } finally {
      answer();
    }
  };
  const verifier = createInstallVerifier({
    store: ctx.store,
    bitbucketUrl: ctx.config.bitbucketUrl,
    fetch: appFetch,
    now: ctx.now,
    log: safeLogger(logger),
    refusalRetryDelayMs: LESSON_REFUSAL_RETRY_MS,
  });
  // With --mine, the app decides installed calls with the learner's table (exercise decide-install).
  const app = createApp({ config: ctx.config, store: ctx.store, now: ctx.now, logger, fetch: appFetch, installVerifier: verifier, decideInstall: ctx.mine.decideInstall });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  try {
    return await use({ url: `http://127.0.0.1:${port}`, log, call, settled: () => verifier.idle() });
  } finally {
    // fetch keeps connections alive: cut them, or close() would wait for them to time out.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await verifier.close();
  }
}
