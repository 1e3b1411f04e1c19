import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { installApp } from '../../mocks/install.ts';
import { noNetworkFetch, tempDataDir, testDescriptor, TEST_BASE_URL } from '../../test/support/app-harness.ts';
import { loadConfig } from '../config.ts';
import type { Logger } from '../log/logger.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import { createMemoryStore } from '../store/memory.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { startServer, type RunningServer } from './start-server.ts';

const SECRET = 'restart-test-secret-0123456789abcdef-UVW';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function quietLogger(lines: string[] = []): Logger {
  return { info: (line) => lines.push(line), error: (line) => lines.push(line) };
}

async function start(o: { dataDir: string; store: InstallationStore; signals?: EventEmitter | null; exit?: (code: number) => void; shutdownTimeoutMs?: number; lines?: string[] }): Promise<RunningServer> {
  const config = loadConfig({ BASE_URL: TEST_BASE_URL, DATA_DIR: o.dataDir, VERIFY_INSTALLS: '0' });
  const running = await startServer({
    config,
    store: o.store,
    fetch: noNetworkFetch,
    logger: quietLogger(o.lines),
    port: 0,
    host: '127.0.0.1',
    signals: o.signals ?? null,
    exit: o.exit,
    shutdownTimeoutMs: o.shutdownTimeoutMs,
  });
  cleanups.push(() => running.close());
  return running;
}

/** A store whose lookups wait until the test releases them: a request held in flight. */
function heldStore(): { store: InstallationStore; release: () => void; called: Promise<void>; closed: () => boolean } {
  const inner = createMemoryStore();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let called!: () => void;
  const calledPromise = new Promise<void>((resolve) => (called = resolve));
  let closed = false;
  return {
    store: {
      ...inner,
      get: async (clientKey: string): Promise<Installation | undefined> => {
        called();
        await gate;
        return inner.get(clientKey);
      },
      close: async () => {
        closed = true;
        await inner.close();
      },
    },
    release,
    called: calledPromise,
    closed: () => closed,
  };
}

describe('startServer: persistence across a restart', () => {
  it('keeps installations in DATA_DIR: the old secret still signs re-installs, a new one is refused', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const config = loadConfig({ BASE_URL: TEST_BASE_URL, DATA_DIR: data.dir, VERIFY_INSTALLS: '0' });
    const descriptor = testDescriptor(config);

    const first = await start({ dataDir: data.dir, store: openSqliteStore({ dataDir: data.dir }) });
    // A first install comes unsigned (Atlassian's signing table); VERIFY_INSTALLS=0 here: no Bitbucket to prove it.
    const installed = await installApp({ appBaseUrl: first.url, descriptor, sharedSecret: SECRET });
    expect(installed.response.status).toBe(204);
    await first.close();

    const store = openSqliteStore({ dataDir: data.dir });
    const second = await start({ dataDir: data.dir, store });
    expect((await store.get(installed.clientKey))?.sharedSecret).toBe(SECRET);

    const reinstall = await installApp({ appBaseUrl: second.url, descriptor, sharedSecret: SECRET, precedingSecret: SECRET });
    expect(reinstall.response.status).toBe(204);

    const newSecret = 'a-brand-new-secret-0123456789abcdef';
    const forged = await installApp({ appBaseUrl: second.url, descriptor, sharedSecret: newSecret, precedingSecret: newSecret });
    expect(forged.response.status).toBe(401);
    expect(await forged.response.json()).toMatchObject({ error: 'ERR_REINSTALL_UNAUTHENTICATED' });
    expect((await store.get(installed.clientKey))?.sharedSecret).toBe(SECRET);
  });
});

describe('startServer: graceful shutdown', () => {
  it('on SIGTERM finishes the request in flight, refuses new connections, closes the store, exits 0', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const held = heldStore();
    const signals = new EventEmitter();
    const exits: number[] = [];
    let exited!: () => void;
    const exitedPromise = new Promise<void>((resolve) => (exited = resolve));
    const running = await start({
      dataDir: data.dir,
      store: held.store,
      signals,
      exit: (code) => {
        exits.push(code);
        exited();
      },
    });

    const inFlight = fetch(`${running.url}/healthcheck`);
    await held.called;
    signals.emit('SIGTERM');

    await expect(fetch(`${running.url}/healthcheck`, { headers: { Connection: 'close' } })).rejects.toThrow();
    expect(held.closed()).toBe(false);

    held.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('OK');
    await exitedPromise;
    expect(exits).toEqual([0]);
    expect(held.closed()).toBe(true);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it('cuts requests that outlive the shutdown timeout, then still closes the store', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const held = heldStore();
    const lines: string[] = [];
    const running = await start({ dataDir: data.dir, store: held.store, shutdownTimeoutMs: 50, lines });
    const inFlight = fetch(`${running.url}/healthcheck`).then(
      (response) => response.status,
      () => 'cut',
    );
    await held.called;
    await running.close();
    expect(await inFlight).toBe('cut');
    expect(held.closed()).toBe(true);
    expect(lines.some((line) => line.includes('requests still running after 50 ms'))).toBe(true);
    held.release();
  });

  it('close() is idempotent', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const running = await start({ dataDir: data.dir, store: createMemoryStore() });
    const a = running.close();
    const b = running.close();
    expect(a).toBe(b);
    await a;
  });
});
