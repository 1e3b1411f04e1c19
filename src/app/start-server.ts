import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInstallVerifier, type InstallVerifier } from '../connect/install-verifier.ts';
import { consoleLogger, safeLogger } from '../log/logger.ts';
import { createApp, type AppDeps } from './create-app.ts';

/**
 * Something that emits process signals: `process`, or an EventEmitter in tests.
 *
 * @example startServer({ config, store, signals: new EventEmitter(), exit: (code) => codes.push(code) })
 */
export interface SignalSource {
  once(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * Options of {@link startServer}: the app's dependencies plus where and how to listen.
 *
 * @example const options: StartServerOptions = { config, store, port: 0, host: '127.0.0.1', signals: null }
 */
export interface StartServerOptions extends AppDeps {
  /** Default `config.port`; 0 picks a free port. */
  port?: number;
  /** Default all interfaces. */
  host?: string;
  /** How long shutdown waits for in-flight requests before cutting connections. Default 10 000. */
  shutdownTimeoutMs?: number;
  /** Where SIGTERM/SIGINT come from. Default `process`; `null`: no signal handling. */
  signals?: SignalSource | null;
  /** Called with 0 after a signal-triggered shutdown. Default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * A listening app.
 *
 * @example
 * const { url, close } = await startServer(options)
 * await fetch(`${url}/healthcheck`)
 * await close()
 */
export interface RunningServer {
  server: Server;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** Proves first installs: `idle()` resolves once every proof in flight has its outcome. */
  installVerifier: InstallVerifier;
  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (bounded by the timeout),
   * cancel the install proofs in flight, then close the store. Idempotent: every call returns the
   * same promise.
   */
  close(): Promise<void>;
}

/** Requests slower than this are cut: no page of this app legitimately takes longer. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Builds the app ({@link createApp}), listens, resumes proving the first installs a previous run
 * left pending, and wires graceful shutdown to SIGTERM and SIGINT: new connections are refused,
 * idle keep-alive connections closed, in-flight requests finish (at most `shutdownTimeoutMs`),
 * install proofs in flight are cancelled (their pending rows are proven again at the next start,
 * or expire), the store is closed, then `exit(0)`.
 *
 * @example
 * const running = await startServer({ config, store: openSqliteStore({ dataDir: config.dataDir }) })
 * console.log(`listening on ${running.url}`)
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, store } = options;
  const log = safeLogger(options.logger ?? consoleLogger({ now: options.now }));
  const installVerifier =
    options.installVerifier ??
    createInstallVerifier({ store, bitbucketUrl: config.bitbucketUrl, fetch: options.fetch, now: options.now, log });
  const app = createApp({ ...options, installVerifier });
  const server = app.listen({ port: options.port ?? config.port, host: options.host });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, family, port } = server.address() as AddressInfo;
  // Bound to every interface: localhost is the address a person can open.
  const host = address === '::' || address === '0.0.0.0' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
  const url = `http://${host}:${port}`;

  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const signals = options.signals === undefined ? process : options.signals;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  // Responses in flight: at shutdown they must end their connection, or a keep-alive client
  // would hold server.close() open until it drops the idle socket itself.
  const active = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  // First installs a previous run accepted but had no time to prove.
  const resuming = config.verifyInstalls
    ? installVerifier.resume().catch((error: unknown) => log.error(`resuming install proofs failed: ${error instanceof Error ? error.message : String(error)}`))
    : undefined;
  server.on('request', (_req, res: ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    active.add(res);
    res.once('close', () => active.delete(res));
  });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      signals?.off('SIGTERM', onSignal);
      signals?.off('SIGINT', onSignal);
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of active) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
      }
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), shutdownTimeoutMs);
      });
      const late = await Promise.race([drained.then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) {
        log.error(`shutdown: requests still running after ${shutdownTimeoutMs} ms, closing their connections`);
        server.closeAllConnections();
        await drained;
      }
      await resuming;
      await installVerifier.close();
      await store.close();
      log.info('shutdown complete');
    })();
    return closing;
  };

  function onSignal(): void {
    log.info('shutdown: signal received, finishing in-flight requests');
    close().then(
      () => exit(0),
      (error: unknown) => {
        log.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  }
  signals?.once('SIGTERM', onSignal);
  signals?.once('SIGINT', onSignal);

  log.info(`listening url=${url} baseUrl=${config.baseUrl} mode=${config.live ? 'live' : 'offline'}`);
  return { server, url, installVerifier, close };
}
