import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installApp, type InstallAppOptions, type InstallResult } from '../../mocks/install.ts';
import { createMemoryRegistry, type BitbucketRegistry } from '../../mocks/registry.ts';
import { createApp, type AppDeps } from '../../src/app/create-app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildDescriptor } from '../../src/connect/descriptor.ts';
import { signProductJwt } from '../../src/jwt/sign.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { InstallationStore } from '../../src/store/installation.ts';
import { createMemoryStore } from '../../src/store/memory.ts';

/**
 * The app under test, listening on 127.0.0.1 on a free port, with a captured log. Tests talk to it
 * with real fetch over loopback; Bitbucket, when a test needs it, is the msw mock.
 */

/**
 * The app's public base URL in tests: what Bitbucket signs qsh against, not where it listens.
 *
 * @example expect(descriptor.baseUrl).toBe(TEST_BASE_URL)
 */
export const TEST_BASE_URL = 'https://jwt-grant-lab.example.test';

/**
 * A fetch for tests that must not reach Bitbucket at all: any call fails the test.
 *
 * @example startTestApp({ deps: { fetch: noNetworkFetch } })
 */
export const noNetworkFetch: typeof fetch = async (input) => {
  throw new Error(`unexpected outgoing request to ${String(input instanceof Request ? input.url : input)}`);
};

/**
 * A started test app and its helpers.
 *
 * @example const { url, store, lines, install } = await startTestApp()
 */
export interface TestApp {
  /** Where the app listens: `http://127.0.0.1:<port>`. */
  url: string;
  config: Config;
  store: InstallationStore;
  /** Every log line, info and error, in order. */
  lines: string[];
  server: Server;
  /**
   * Bitbucket's record of what it installed: `install` signs with the preceding secret from it
   * (none: an unsigned first install) and records what it issues. A Bitbucket mock started with
   * `registry.installations` confirms the app's proof exchanges for these.
   */
  registry: BitbucketRegistry;
  /** Plays Bitbucket installing the app, with `registry` (pass `registry: undefined` to forge); `response` is the app's answer. */
  install(o?: Partial<InstallAppOptions>): Promise<InstallResult>;
  /** Signs a JWT the way Bitbucket does for a request to the app (`url` relative to the base URL). */
  productJwt(o: { clientKey: string; sharedSecret: string; method: string; url: string; now?: () => number; expiresIn?: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fresh temporary directory, removed by the returned function.
 *
 * @example const { dir, remove } = tempDataDir()
 */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-grant-lab-app-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The descriptor as Bitbucket reads it, for the install helpers of the mock.
 *
 * @example installApp({ appBaseUrl: url, descriptor: testDescriptor(config) })
 */
export function testDescriptor(config: Config) {
  return buildDescriptor({ appKey: config.appKey, baseUrl: config.baseUrl });
}

/**
 * Starts the app. `env` overrides the configuration (default `VERIFY_INSTALLS=0`: first installs
 * are active at once, for tests of the lifecycle rules; set `VERIFY_INSTALLS: '1'` to prove them);
 * `deps` the app's dependencies (a memory store and a fetch that refuses every call by default).
 *
 * @example
 * const app = await startTestApp()
 * const response = await fetch(`${app.url}/healthcheck`)
 * await app.close()
 */
export async function startTestApp(
  o: { env?: NodeJS.ProcessEnv; deps?: Partial<AppDeps>; closeStore?: boolean } = {},
): Promise<TestApp> {
  const data = tempDataDir();
  const config = loadConfig({ BASE_URL: TEST_BASE_URL, DATA_DIR: data.dir, VERIFY_INSTALLS: '0', ...o.env });
  const store = o.deps?.store ?? createMemoryStore();
  const lines: string[] = [];
  const logger: Logger = { info: (line) => lines.push(line), error: (line) => lines.push(line) };
  const app = createApp({ config, store, logger, fetch: noNetworkFetch, ...o.deps });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const descriptor = testDescriptor(config);
  const registry = createMemoryRegistry();
  return {
    url,
    config,
    store,
    lines,
    server,
    registry,
    install: (options = {}) => installApp({ appBaseUrl: url, descriptor, registry, ...options }),
    productJwt: (jwt) => signProductJwt({ ...jwt, url: `${config.baseUrl}${jwt.url}`, baseUrl: config.baseUrl }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (o.closeStore !== false) await store.close();
      data.remove();
    },
  };
}
