import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from './test-support/harness.ts';

/** `npm start` as a child process: `node --import tsx src/app/server.ts`. */
const ENTRY = fileURLToPath(new URL('./server.ts', import.meta.url));

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

describe('npm start (src/app/server.ts)', () => {
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

  it('serves, then shuts down cleanly on SIGTERM (exit 0)', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const port = await freePort();
    const started = run({ PORT: String(port), DATA_DIR: data.dir, TRUST_PROXY: 'loopback' });
    await started.waitFor('listening');
    const response = await fetch(`http://127.0.0.1:${port}/healthcheck`);
    expect(await response.text()).toBe('OK');
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output().stdout).toContain('shutdown complete');
  });
});
