import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../lessons/runner/manifest.ts';
import { installApp, uninstallApp } from '../mocks/install.ts';
import { openSimulatedRegistry } from '../mocks/registry.ts';
import { loadConfig } from '../src/config.ts';
import type { Installation } from '../src/store/installation.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { tempDataDir, testDescriptor } from '../test/support/app-harness.ts';

/** `npm start` as a child process: `node --import tsx scripts/start.ts`. */
const ENTRY = fileURLToPath(new URL('./start.ts', import.meta.url));

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = () => ({ stdout, stderr });
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (stdout.includes(text)) resolve();
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`exited with ${code} before "${text}": ${stdout}${stderr}`)));
      check();
    });
  return { child, exited, output, waitFor };
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('npm start (scripts/start.ts)', () => {
  it('exits 2 with the message, and no stack, on invalid configuration', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const started = run({ PORT: 'abc', DATA_DIR: data.dir });
    expect(await started.exited).toBe(2);
    const { stderr } = started.output();
    expect(stderr).toContain('PORT="abc" is not a TCP port');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when the descriptor would be invalid in live mode (http BASE_URL)', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const started = run({ LIVE: '1', BASE_URL: 'http://localhost:3000', DATA_DIR: data.dir });
    expect(await started.exited).toBe(2);
    expect(started.output().stderr).toContain('ERR_DESCRIPTOR_INVALID');
  });

  it('serves, with the lessons on its home page and their notes, then shuts down cleanly on SIGTERM (exit 0)', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const port = await freePort();
    const started = run({ PORT: String(port), DATA_DIR: data.dir, TRUST_PROXY: 'loopback' });
    await started.waitFor('listening');
    const response = await fetch(`http://127.0.0.1:${port}/healthcheck`);
    expect(await response.text()).toBe('OK');
    const lessons = loadManifest();
    const home = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(home, 'the lab passes its course to the app').toContain(`0 of ${lessons.length} completed`);
    const notes = await fetch(`http://127.0.0.1:${port}/lessons/1`);
    expect([notes.status, await notes.text()]).toEqual([200, expect.stringContaining(lessons[0]!.title)]);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output().stdout).toContain('shutdown complete');
  });

  it('offline, takes installs as Bitbucket sends them: unsigned first install proven with its in-process mock, re-install, rotation, uninstall, install after it', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const port = await freePort();
    const started = run({ PORT: String(port), DATA_DIR: data.dir });
    await started.waitFor('listening');
    const appBaseUrl = `http://127.0.0.1:${port}`;
    const descriptor = testDescriptor(loadConfig({ PORT: String(port), DATA_DIR: data.dir }));
    // This process plays Bitbucket; npm start's mock reads the same record in DATA_DIR.
    const registry = openSimulatedRegistry({ dataDir: data.dir });
    const store = openSqliteStore({ dataDir: data.dir });
    cleanups.push(() => void registry.close(), () => void store.close());
    /** The app's row once it settles: a first install is proven a moment after its 204. */
    const settled = async (clientKey: string, state: Installation['state']): Promise<Installation | undefined> => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const found = await store.get(clientKey);
        if (found?.state === state) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return store.get(clientKey);
    };

    const first = await installApp({ appBaseUrl, descriptor, registry });
    expect(first.signedWith).toBeUndefined();
    expect(first.response.status).toBe(204);
    expect(await settled(first.clientKey, 'active'), 'proven by a token exchange at the in-process mock').toMatchObject({ sharedSecret: first.sharedSecret, origin: 'simulated' });

    const again = await installApp({ appBaseUrl, descriptor, registry });
    expect([again.signedWith, again.response.status]).toEqual([first.sharedSecret, 204]);
    const rotated = await installApp({ appBaseUrl, descriptor, registry, rotate: true });
    expect(rotated.response.status).toBe(204);
    expect((await store.get(first.clientKey))?.sharedSecret).toBe(rotated.sharedSecret);

    const { response } = await uninstallApp({ appBaseUrl, descriptor, installed: rotated.payload, registry });
    expect(response.status).toBe(204);
    expect(await store.get(first.clientKey)).toMatchObject({ state: 'uninstalled', sharedSecret: rotated.sharedSecret });
    const back = await installApp({ appBaseUrl, descriptor, registry });
    expect([back.signedWith, back.response.status]).toEqual([rotated.sharedSecret, 204]);
    expect(await store.get(first.clientKey)).toMatchObject({ state: 'active', sharedSecret: back.sharedSecret });

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    const { stdout } = started.output();
    for (const outcome of ['pending', 'reinstalled', 'secret-rotated', 'reinstalled-after-uninstall']) expect(stdout).toContain(`outcome=${outcome}`);
    expect(stdout).toContain('install proven');
    for (const secret of [first.sharedSecret, rotated.sharedSecret, back.sharedSecret]) expect(stdout).not.toContain(secret);
  }, 30_000);
});
