/**
 * `npm start`: the Connect app (src/app), on `PORT` (default 3000), with the lab wired around it:
 * the lessons' course on its home page and at `/lessons/:n`, and offline, Bitbucket.
 *
 * Configuration comes from the environment (src/config.ts), plus `TRUST_PROXY` (see
 * src/app/trust-proxy.ts; `TRUST_PROXY=loopback` behind ngrok). Offline (the default), Bitbucket
 * is the in-process mock started here, which answers for the installations the simulated
 * Bitbucket made (`DATA_DIR/simulated-bitbucket.db`, kept by the lessons; or, with BITBUCKET_URL
 * on loopback, `npm run fake-bitbucket`); `LIVE=1` talks to real Bitbucket. The app itself only
 * calls `fetch` and never knows which one answers. Installations persist in
 * `DATA_DIR/installations.db` (SQLite), so a restart keeps them and a re-install must still be
 * signed with the stored secret.
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for invalid configuration, 1 for any other start failure.
 */
import { labCourse } from '../lessons/runner/course.ts';
import { startOfflineMock } from '../lessons/runner/mock.ts';
import { startServer } from '../src/app/start-server.ts';
import { parseTrustProxy } from '../src/app/trust-proxy.ts';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';
import { isLoopbackUrl } from '../src/http/loopback.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';

/** A start failure as one readable line: the message of our errors, never a stack. */
function fail(error: unknown): never {
  const inUse = (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
  const message = isLabError(error)
    ? `${error.code}: ${error.message}`
    : inUse
      ? `${(error as Error).message}: another process listens on that port. Stop it, or choose another one (PORT=3001).`
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`Cannot start the app. ${message}\n`);
  process.exit(error instanceof ConfigError || isLabError(error, 'ERR_DESCRIPTOR_INVALID') ? 2 : 1);
}

/**
 * Offline, Bitbucket is simulated in this process, unless BITBUCKET_URL points at this machine
 * (`npm run fake-bitbucket`): then the app must really talk to that fake over HTTP.
 */
function needsInProcessMock(config: Config): boolean {
  return !config.live && !isLoopbackUrl(config.bitbucketUrl);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const trustProxy = parseTrustProxy(process.env.TRUST_PROXY);
  const store = openSqliteStore({ dataDir: config.dataDir });
  try {
    const offline = needsInProcessMock(config) ? await startOfflineMock({ config, now: Date.now }) : undefined;
    const running = await startServer({ config, store, trustProxy, course: labCourse({ dataDir: config.dataDir }) });
    // The mock stops with the server, after in-flight requests (which may be talking to it).
    running.server.once('close', () => void offline?.stop());
  } catch (error) {
    await store.close();
    throw error;
  }
}

main().catch(fail);
