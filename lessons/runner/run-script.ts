/**
 * Runs the lesson and notes CLIs as child processes, as a learner's pipe or CI would: no
 * terminal, `NO_COLOR=1`, a DATA_DIR of the test's choosing. For end-to-end tests.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a CLI run printed and how it ended. */
export interface ScriptResult {
  /** The exit code; null when the run was killed (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runLessonScript} and {@link runNotesScript}. */
export interface ScriptOptions {
  /** DATA_DIR for the run (required: tests never share the learner's .data). */
  dataDir: string;
  /** Extra environment (`SCENARIO`, `LAB_SECRETS_DUMP`, ...), over a cleaned copy of this process's; `undefined` removes one. */
  env?: NodeJS.ProcessEnv;
  /** Kill the run after this long; default 30 s. */
  timeoutMs?: number;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Variables that would change what a run does: a developer's shell must not leak them into tests (LIVE=1 would hit the network). */
const CONFIG_VARIABLES = ['LIVE', 'SCENARIO', 'BASE_URL', 'BITBUCKET_URL', 'BITBUCKET_API_URL', 'APP_KEY', 'PORT', 'DATA_DIR', 'LAB_SECRETS_DUMP', 'FORCE_COLOR'];

function spawnCli(script: string, args: readonly string[], o: ScriptOptions): Promise<ScriptResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  Object.assign(env, { NO_COLOR: '1', DATA_DIR: o.dataDir }, o.env);
  // `{ NO_COLOR: undefined }` removes a variable.
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: o.timeoutMs ?? 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * `node --import tsx lessons/runner/cli.ts <lesson> --yes <args>` with no terminal.
 * Pass `undefined` as the lesson to run without one (`--reset`, the lesson list), and
 * `{ yes: false }` to leave out `--yes`.
 *
 * @example
 * const { code, stdout } = await runLessonScript(1, [], { dataDir })
 * expect(code).toBe(0)
 */
export function runLessonScript(
  lesson: number | string | undefined,
  args: readonly string[] = [],
  o: ScriptOptions & { yes?: boolean },
): Promise<ScriptResult> {
  const argv = [...(lesson === undefined ? [] : [String(lesson)]), ...(o.yes === false ? [] : ['--yes']), ...args];
  return spawnCli('lessons/runner/cli.ts', argv, o);
}

/**
 * `node --import tsx lessons/runner/notes-cli.ts <args>` with no terminal.
 *
 * @example
 * const { stdout } = await runNotesScript(['1'], { dataDir })
 */
export function runNotesScript(args: readonly string[], o: ScriptOptions): Promise<ScriptResult> {
  return spawnCli('lessons/runner/notes-cli.ts', args, o);
}
