import { createServer, type Server } from 'node:http';
import type { ScenarioName } from '../../src/config.ts';
import { consoleLogger, safeLogger, type Logger } from '../../src/log/logger.ts';
import { createBitbucketMock, type BitbucketMock } from '../bitbucket.ts';
import { createFakeApp } from './create-fake-app.ts';
import { FakeOptionsError } from './errors.ts';
import { closeGracefully, listenOnLoopback } from './ports.ts';
import { createAppRegistry, type AppRegistry } from './registry.ts';
import { createSite, type Site } from './site.ts';

/** Options of {@link startFakeBitbucket}. */
export interface FakeBitbucketOptions {
  /** Default 4000; 0 picks a free port. */
  port?: number;
  /** A loopback address; default 127.0.0.1. */
  host?: string;
  /** The environment variable the port came from, named when it is busy. Default `FAKE_BITBUCKET_PORT`. */
  portVariable?: string;
  /** The mock's failure scenario at start; default `happy`. */
  scenario?: ScenarioName;
  /** Pre-filled in "Install app from URL"; default `http://127.0.0.1:3000`. */
  defaultAppUrl?: string;
  /** For descriptor fetches and lifecycle calls to the app; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** The clock, epoch milliseconds. */
  now?: () => number;
  /** Where log lines go (each redacted first); default stdout/stderr. */
  logger?: Logger;
  /** How long the `slow` scenario holds each API call; default the mock's (15 s). */
  slowMs?: number;
  /** How long `close()` lets requests in flight finish; default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/** A listening fake Bitbucket. */
export interface RunningFakeBitbucket {
  /** `http://127.0.0.1:<port>`: its web pages, token endpoint and REST API. */
  url: string;
  server: Server;
  mock: BitbucketMock;
  registry: AppRegistry;
  site: Site;
  /** Graceful shutdown; idempotent (every call returns the same promise). */
  close(): Promise<void>;
}

export const DEFAULT_FAKE_BITBUCKET_PORT = 4000;
export const DEFAULT_APP_URL = 'http://127.0.0.1:3000';

/**
 * Starts the fake Bitbucket on loopback: the same msw mock as `mocks/` (token endpoint and REST
 * API, with `installations` from its own registry) over real HTTP, and Bitbucket-like pages to
 * install an app from its URL and open its repository pages. Point the app at it with
 * `BITBUCKET_URL` and `BITBUCKET_API_URL` both set to `url`.
 *
 * @throws `ERR_PORT_IN_USE` naming `portVariable`, `ERR_LISTEN`, `ERR_FAKE_OPTIONS`.
 *
 * @example
 * const fake = await startFakeBitbucket({ port: 0 })
 * // ... BITBUCKET_URL=fake.url npm start ...
 * await fake.close()
 */
export async function startFakeBitbucket(o: FakeBitbucketOptions = {}): Promise<RunningFakeBitbucket> {
  const now = o.now ?? Date.now;
  const log = safeLogger(o.logger ?? consoleLogger({ now }));
  const defaultAppUrl = o.defaultAppUrl ?? DEFAULT_APP_URL;
  if (!URL.canParse(defaultAppUrl)) throw new FakeOptionsError(`defaultAppUrl=${JSON.stringify(defaultAppUrl)} is not an absolute URL.`);

  const server = createServer();
  // A request must not hold the server for ever; `slow` calls last 15 s by default.
  server.requestTimeout = 60_000;
  const url = await listenOnLoopback(server, {
    port: o.port ?? DEFAULT_FAKE_BITBUCKET_PORT,
    host: o.host,
    variable: o.portVariable ?? 'FAKE_BITBUCKET_PORT',
  });
  try {
    const registry = createAppRegistry();
    const mock = createBitbucketMock({
      bitbucketUrl: url,
      apiUrl: url,
      installations: registry.installations,
      scenario: o.scenario,
      now,
      slowMs: o.slowMs,
    });
    const site = createSite(url);
    const port = Number(new URL(url).port);
    // Looked up at call time, so a test's msw interception of `fetch` applies.
    const fetcher = o.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
    const app = createFakeApp({ origin: url, port, site, registry, mock, fetch: fetcher, now, log, defaultAppUrl });
    server.on('request', app);

    let closing: Promise<void> | undefined;
    const close = () => (closing ??= closeGracefully(server, { timeoutMs: o.shutdownTimeoutMs ?? 5000 }));
    log.info(`fake Bitbucket listening url=${url} scenario=${mock.state.scenario}`);
    return { url, server, mock, registry, site, close };
  } catch (error) {
    await closeGracefully(server, { timeoutMs: 0 });
    throw error;
  }
}
