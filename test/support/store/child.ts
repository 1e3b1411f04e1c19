import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/**
 * A fixture script running in its own Node process, as a second user of the store.
 *
 * @example
 * const { process: child, exited } = startFixture('crash.ts', [file, 'crash', '2000'])
 * child.kill('SIGKILL'); await exited
 */
export interface FixtureProcess {
  process: ChildProcess;
  /** Resolves once stdout has a line equal to `line`; rejects if the process ends first. */
  waitForLine(line: string): Promise<void>;
  /** Resolves when the process has ended, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/**
 * Runs `test/support/store/<script>` with `node --import tsx`, so tests exercise a real second
 * process (its own SQLite connection and locks), not a second handle in this one.
 *
 * @example
 * const writer = startFixture('writer.ts', ['rows', dataDir, 'child', '200'])
 * await writer.waitForLine('ready')
 */
export function startFixture(script: string, args: string[]): FixtureProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, script), ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => {
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
  function waitForLine(line: string): Promise<void> {
    return new Promise((done, fail) => {
      const seen = () => stdout.split('\n').includes(line);
      if (seen()) return done();
      const onData = () => {
        if (!seen()) return;
        child.stdout.off('data', onData);
        done();
      };
      child.stdout.on('data', onData);
      void exited.then(({ code, signal }) => {
        if (!seen()) fail(new Error(`${script} ended (${signal ?? code}) before printing "${line}":\n${stderr}`));
      });
    });
  }
  return { process: child, waitForLine, exited };
}
