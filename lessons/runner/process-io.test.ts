import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `runProcess` around a main function given as source, in a child process. */
function child(main: string, onReady?: (pid: number) => void) {
  const script = `import { runProcess } from './lessons/runner/process-io.ts';\nrunProcess(${main});`;
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready') && onReady && proc.pid) onReady(proc.pid);
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('runProcess', () => {
  it('exits with the code main returns', async () => {
    expect((await child('async () => 2')).code).toBe(2);
  });

  it('exits 130 on Ctrl-C (SIGINT) wherever the run is, with "Interrupted." and no trace', async () => {
    let sent = false;
    const result = await child("() => { console.log('ready'); return new Promise((r) => setTimeout(() => r(0), 60_000)); }", (pid) => {
      if (!sent) process.kill(pid, 'SIGINT');
      sent = true;
    });
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('ready\n\nInterrupted.\n');
    expect(result.stderr).toBe('');
  });

  it('reports an unexpected rejection in one line, exit 1', async () => {
    const result = await child("async () => { throw new TypeError('boom') }");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Unexpected error: boom\n');
  });
});
