import { createServer, type Server } from 'node:http';
import { labCourse } from '../../lessons/runner/course.ts';
import { waitForHealthy } from '../../mocks/fake-bitbucket/health.ts';
import { closeGracefully, listenOnLoopback } from '../../mocks/fake-bitbucket/ports.ts';
import { DEFAULT_FAKE_BITBUCKET_PORT, startFakeBitbucket, type RunningFakeBitbucket } from '../../mocks/fake-bitbucket/start.ts';
import { createApp } from '../../src/app/create-app.ts';
import { loadConfig } from '../../src/config.ts';
import { createInstallVerifier, type InstallVerifier } from '../../src/connect/install-verifier.ts';
import { consoleLogger, safeLogger, type Logger } from '../../src/log/logger.ts';
import type { InstallationStore } from '../../src/store/installation.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

/**
 * The offline rehearsal: the lab's Connect app and the fake Bitbucket, in this process, wired to
 * each other as the app and bitbucket.org are in live mode. `npm run rehearse` (scripts/rehearse.ts)
 * runs it; the browser test drives it. It lives with the entry points, not in mocks/: the fake
 * knows no app, and this is where the two meet.
 *
 * In-process, not `npm start` in a child process: offline, `npm start` answers Bitbucket calls
 * with its own in-process mock, so the fake's token endpoint and API would never be called.
 */

/** Options of {@link startRehearsal}. */
export interface RehearsalOptions {
  /** Where the app's installations live; keep it apart from live installs (`.data/rehearsal`). */
  dataDir: string;
  /** The app's port (`PORT`), default 3000; 0 picks a free one. */
  appPort?: number;
  /** The fake Bitbucket's port (`FAKE_BITBUCKET_PORT`), default 4000; 0 picks a free one. */
  fakePort?: number;
  /** `APP_KEY` and `SCENARIO` are read from here; everything else is set by the rehearsal. */
  env?: NodeJS.ProcessEnv;
  /** Where each side's log lines go; default stdout/stderr, prefixed `[app]` and `[bitbucket]`. */
  logger?: (side: 'app' | 'bitbucket') => Logger;
  now?: () => number;
  /** How long `close()` lets requests in flight finish; default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/** A running rehearsal. */
export interface Rehearsal {
  /** The app, `http://127.0.0.1:<port>`: its `BASE_URL`. */
  appUrl: string;
  /** The fake Bitbucket: what to open in the browser. */
  fakeUrl: string;
  fake: RunningFakeBitbucket;
  /** The app's installation store. */
  store: InstallationStore;
  /** The app's proofs of first installs (token exchanges at the fake): `idle()` waits for their outcome. */
  installVerifier: InstallVerifier;
  /** How many installations of an earlier rehearsal were forgotten at start. */
  forgotten: number;
  /** Stops both servers (requests in flight finish first) and closes the store. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_APP_PORT = 3000;

/** Each side's lines, prefixed so the two logs can be told apart in one terminal. */
function prefixedConsole(side: 'app' | 'bitbucket', now: () => number): Logger {
  const logger = consoleLogger({ now });
  const prefix = side === 'app' ? '[app]       ' : '[bitbucket] ';
  return { info: (line) => logger.info(`${prefix}${line}`), error: (line) => logger.error(`${prefix}${line}`) };
}

/**
 * Forgets the installations of an earlier rehearsal (tombstones too). The fake Bitbucket keeps its
 * registry in memory: after a restart it would send an unsigned first install, which the app must
 * refuse for a clientKey it knows (re-install hijack protection, lesson 2). Both sides start
 * empty instead.
 */
async function forgetInstallations(store: InstallationStore): Promise<number> {
  let forgotten = 0;
  for (const installation of await store.list()) {
    if (await store.delete(installation.clientKey)) forgotten += 1;
  }
  return forgotten;
}

/**
 * Starts the rehearsal: listens for the app (`BASE_URL` = its loopback URL), starts the fake
 * Bitbucket with "Install app from URL" pre-filled with it, builds the app with `BITBUCKET_URL`
 * and `BITBUCKET_API_URL` pointing at the fake and its store in `dataDir`, and waits until both
 * answer their health checks. On a failure, whatever was started is stopped again.
 *
 * @throws `ERR_PORT_IN_USE` naming `PORT` or `FAKE_BITBUCKET_PORT`, `ERR_CONFIG`, `ERR_UNHEALTHY`,
 *   and the store's errors (`ERR_STORE_*`).
 *
 * @example
 * const rehearsal = await startRehearsal({ dataDir: '.data/rehearsal' })
 * console.log(`open ${rehearsal.fakeUrl}`)
 * process.once('SIGINT', () => void rehearsal.close())
 */
export async function startRehearsal(o: RehearsalOptions): Promise<Rehearsal> {
  const now = o.now ?? Date.now;
  const logger = o.logger ?? ((side: 'app' | 'bitbucket') => prefixedConsole(side, now));
  const env = o.env ?? process.env;
  const shutdownTimeoutMs = o.shutdownTimeoutMs ?? 5000;
  // Servers stop first (their requests in flight may still use the store), then the store.
  const servers: Array<() => Promise<void>> = [];
  let closeStore: (() => Promise<void>) | undefined;
  let verifier: InstallVerifier | undefined;
  const cleanUp = async () => {
    await Promise.all(servers.splice(0).map((stop) => stop()));
    await verifier?.close();
    await closeStore?.();
    closeStore = undefined;
  };

  try {
    // The two variables taken from the environment, checked before anything starts.
    const chosen = loadConfig({ APP_KEY: env.APP_KEY, SCENARIO: env.SCENARIO });

    // Listening first gives the app its URL (port 0 included) before the app is built around it.
    const appServer: Server = createServer();
    appServer.requestTimeout = 60_000;
    const appUrl = await listenOnLoopback(appServer, { port: o.appPort ?? DEFAULT_APP_PORT, variable: 'PORT' });
    servers.push(() => closeGracefully(appServer, { timeoutMs: shutdownTimeoutMs }));

    const fake = await startFakeBitbucket({
      port: o.fakePort ?? DEFAULT_FAKE_BITBUCKET_PORT,
      scenario: chosen.scenario,
      defaultAppUrl: appUrl,
      logger: logger('bitbucket'),
      now,
      shutdownTimeoutMs,
    });
    servers.push(() => fake.close());

    const config = loadConfig({
      APP_KEY: chosen.appKey,
      SCENARIO: chosen.scenario,
      BASE_URL: appUrl,
      BITBUCKET_URL: fake.url,
      BITBUCKET_API_URL: fake.url,
      DATA_DIR: o.dataDir,
      PORT: new URL(appUrl).port,
    });
    const store = openSqliteStore({ dataDir: o.dataDir });
    closeStore = () => store.close();
    const forgotten = await forgetInstallations(store);

    const appLogger = logger('app');
    verifier = createInstallVerifier({ store, bitbucketUrl: config.bitbucketUrl, now, log: safeLogger(appLogger) });
    const app = createApp({ config, store, now, logger: appLogger, installVerifier: verifier, course: labCourse({ dataDir: o.dataDir }) });
    appServer.on('request', app);

    await Promise.all([waitForHealthy(`${appUrl}/healthcheck`), waitForHealthy(`${fake.url}/healthcheck`)]);

    let closing: Promise<void> | undefined;
    return { appUrl, fakeUrl: fake.url, fake, store, installVerifier: verifier, forgotten, close: () => (closing ??= cleanUp()) };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
