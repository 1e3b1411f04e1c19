/**
 * `npm start`: the Connect app, on `PORT` (default 3000).
 *
 * Configuration comes from the environment (src/config.ts), plus `TRUST_PROXY` (see
 * trust-proxy.ts; `TRUST_PROXY=loopback` behind ngrok). Offline (the default), Bitbucket is the
 * in-process mock, which answers for the installations the simulated Bitbucket made
 * (`DATA_DIR/simulated-bitbucket.db`, kept by the lessons; or, with BITBUCKET_URL on loopback,
 * `npm run fake-bitbucket`); `LIVE=1` talks to real Bitbucket. Installations persist in `DATA_DIR/installations.db` (SQLite), so a restart keeps
 * them and a re-install must still be signed with the stored secret.
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for invalid configuration, 1 for any other start failure.
 */
import { startOfflineMock } from '../../lessons/runner/mock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import { isLabError } from '../errors.ts';
import { isLoopbackUrl } from '../http/loopback.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { startServer } from './start-server.ts';
import { parseTrustProxy } from './trust-proxy.ts';

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
    const running = await startServer({ config, store, trustProxy });
    // The mock stops with the server, after in-flight requests (which may be talking to it).
    running.server.once('close', () => void offline?.stop());
  } catch (error) {
    await store.close();
    throw error;
  }
}

main().catch(fail);
