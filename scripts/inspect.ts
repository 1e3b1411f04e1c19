/**
 * `npm run inspect`: paste a Connect JWT, learn what is wrong with it.
 *
 *   npm run inspect -- <jwt> [--method GET] [--url <url>] [--body <form body>] [--base-url <url>]
 *   pbpaste | npm run inspect -- - --url https://api.bitbucket.org/2.0/user
 *
 * The analysis is src/jwt/inspect.ts; this file reads the arguments, finds the secret and prints.
 * The secret comes from the stored installation the token names (DATA_DIR) or from JWT_SECRET,
 * never from an argument: arguments end up in shell history and in every user's `ps`.
 *
 * Exit codes: 0 valid, 1 invalid or not verified (the reason is printed), 2 usage or
 * configuration error, 130 Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';
import { inspectJwt, type InspectOptions } from '../src/jwt/inspect.ts';
import { InspectInputError } from '../src/jwt/inspect-errors.ts';
import { formatInspection } from '../src/jwt/inspect-text.ts';
import { readTokenInput } from '../src/jwt/token-input.ts';
import { redactText } from '../src/redact.ts';
import type { InstallationStore } from '../src/store/installation.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { runProcess } from '../lessons/runner/process-io.ts';
import { useColor } from '../lessons/runner/style.ts';

const USAGE = `Usage: npm run inspect -- <jwt | -> [options]

  <jwt>             the token; also "Authorization: JWT …", or a page URL with ?jwt=…
  -                 read the token from stdin (also when no token is given and stdin is a pipe)
  --method <M>      the request's method (default GET; POST for the assumed token endpoint)
  --url <url>       the request the token came with or is meant for (absolute, or a path)
  --body <form>     its application/x-www-form-urlencoded body, if it had one
  --base-url <url>  whose path is stripped before hashing (default: BASE_URL for Bitbucket's
                    tokens, Bitbucket's origin for the app's)
  --no-color        plain text (also NO_COLOR=1, and whenever stdout is not a terminal)

The secret comes from the stored installation the token names (DATA_DIR, default .data) or from
the JWT_SECRET environment variable, never from an argument.
Exit codes: 0 valid, 1 invalid or not verified, 2 usage.`;

const SECRET_FLAG = /^--?(secret|shared[-_]?secret|jwt[-_]?secret|key)(=|$)/i;

const SECRET_REFUSED = `inspect takes no secret on the command line: an argument is saved in your shell history and
shown to every user of this machine by ps. Instead:
  - let inspect find it: the token names its installation, whose secret is in the store (DATA_DIR, npm run installations lists them), or
  - put it in the environment without echoing it: read -rs JWT_SECRET && export JWT_SECRET, then run npm run inspect again.`;

/**
 * What the CLI reads and writes, injected so tests run it without a process.
 *
 * @example runInspectCli(['--url', '/installed', token], { env: {}, out, err, readStdin: async () => '', stdinIsTTY: false, stdoutIsTTY: false })
 */
export interface InspectCliIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  readStdin: () => Promise<string>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  openStore?: (dataDir: string) => InstallationStore;
  now?: () => number;
}

/** A store that failed to open still reports it, as a finding, through the inspection. */
function unreadableStore(error: unknown): Pick<InstallationStore, 'get' | 'list'> {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { get: fail, list: fail };
}

/**
 * Runs `npm run inspect` with the given arguments; returns the exit code.
 *
 * @example process.exitCode = await runInspectCli(process.argv.slice(2), io)
 */
export async function runInspectCli(args: readonly string[], io: InspectCliIo): Promise<number> {
  const usage = (problem: string) => {
    io.err(`${problem}\n\n${USAGE}\n`);
    return 2;
  };
  if (args.some((arg) => SECRET_FLAG.test(arg))) {
    io.err(`${SECRET_REFUSED}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        method: { type: 'string' },
        url: { type: 'string' },
        body: { type: 'string' },
        'base-url': { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) return usage(`One token at a time: got ${positionals.length} arguments.`);
  const [argument] = positionals;
  if (argument === undefined && io.stdinIsTTY) return usage('No token: pass it as an argument, or pipe it in (with - to read stdin).');
  const input = readTokenInput(argument === undefined || argument === '-' ? await io.readStdin() : argument);
  if (input.token === '') return usage('The token is empty.');
  const url = values.url ?? input.url;
  if (url === undefined && (values.method !== undefined || values.body !== undefined)) {
    return usage('--method and --body describe a request: give its --url too.');
  }

  let store: InstallationStore | undefined;
  const secret = io.env.JWT_SECRET;
  try {
    const config = loadConfig(io.env);
    let installations: InspectOptions['installations'];
    try {
      store = (io.openStore ?? ((dataDir) => openSqliteStore({ dataDir })))(config.dataDir);
      installations = store;
    } catch (error) {
      installations = unreadableStore(error);
    }
    const inspection = await inspectJwt(input.token, {
      request: url === undefined ? undefined : { method: values.method, url, body: values.body },
      baseUrl: values['base-url'],
      appBaseUrl: config.baseUrl,
      bitbucketUrl: config.bitbucketUrl,
      secret: secret ? { secret, label: 'JWT_SECRET' } : undefined,
      installations,
      secretHint: `inspect looks for the stored installation the token names (DATA_DIR=${config.dataDir}) and for the JWT_SECRET environment variable: set it without echoing it (read -rs JWT_SECRET && export JWT_SECRET).`,
      now: io.now,
    });
    const color = useColor({ isTTY: io.stdoutIsTTY, env: io.env, noColorFlag: values['no-color'] === true });
    // The inspection holds no secret; redacting once more costs nothing and guards the output.
    io.out(redactText(formatInspection(inspection, { color }), [secret]));
    return inspection.verdict === 'valid' ? 0 : 1;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof InspectInputError) return usage(`${error.code}: ${error.message}`);
    io.err(`${isLabError(error) ? `${error.code}: ` : ''}${redactText(error instanceof Error ? error.message : String(error), [secret])}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runProcess(() =>
    runInspectCli(process.argv.slice(2), {
      env: process.env,
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      readStdin: () => readAll(process.stdin),
      stdinIsTTY: process.stdin.isTTY === true,
      stdoutIsTTY: process.stdout.isTTY === true,
    }),
  );
}
