/**
 * `npm run rehearse`: the whole Connect flow on this machine, in a real browser. Starts the fake
 * Bitbucket (http://127.0.0.1:4000) and the lab's app (http://127.0.0.1:3000, `BASE_URL`), wired
 * to each other, waits until both are healthy, and says what to click.
 *
 * The app keeps its installations in `.data/rehearsal`, apart from live ones in `DATA_DIR`, and
 * forgets them at each start, as the fake Bitbucket forgets its own.
 *
 * Environment: `PORT` (the app, default 3000), `FAKE_BITBUCKET_PORT` (default 4000), `APP_KEY`,
 * `SCENARIO` (the fake's failure scenario, default happy).
 *
 * Exit codes: 130 after Ctrl-C, 143 after SIGTERM, 2 for invalid configuration, 1 for any other
 * start failure (a port in use names its variable).
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeOptionsError } from '../mocks/fake-bitbucket/errors.ts';
import { paths } from '../mocks/fake-bitbucket/paths.ts';
import { parsePort } from '../mocks/fake-bitbucket/ports.ts';
import { DEFAULT_FAKE_BITBUCKET_PORT } from '../mocks/fake-bitbucket/start.ts';
import { ConfigError } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';
import { DEFAULT_APP_PORT, startRehearsal } from './lib/rehearsal.ts';

/** Beside the project's other data, never inside a live `DATA_DIR`. */
const REHEARSAL_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.data', 'rehearsal');

/** A start failure as one readable line, never a stack. */
function fail(error: unknown): never {
  const message = isLabError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`Cannot start the rehearsal. ${message}\n`);
  const invalidConfig = error instanceof ConfigError || isLabError(error, 'ERR_PORT_INVALID') || error instanceof FakeOptionsError;
  process.exit(invalidConfig ? 2 : 1);
}

async function main(): Promise<void> {
  const appPort = parsePort(process.env, 'PORT', DEFAULT_APP_PORT);
  const fakePort = parsePort(process.env, 'FAKE_BITBUCKET_PORT', DEFAULT_FAKE_BITBUCKET_PORT);
  if (appPort === fakePort) {
    throw new FakeOptionsError(`PORT and FAKE_BITBUCKET_PORT are both ${appPort}: give them different ports (e.g. PORT=3000 FAKE_BITBUCKET_PORT=4000).`);
  }
  const rehearsal = await startRehearsal({ dataDir: REHEARSAL_DATA_DIR, appPort, fakePort });
  const repo = rehearsal.fake.site.repositories[0];
  const dataDir = relative(process.cwd(), REHEARSAL_DATA_DIR) || '.';
  process.stdout.write(
    [
      '',
      'Rehearsal ready.',
      `  Bitbucket (fake): ${rehearsal.fakeUrl}`,
      `  The app:          ${rehearsal.appUrl}  (BASE_URL; installations in ${dataDir}${rehearsal.forgotten > 0 ? `, ${rehearsal.forgotten} from the previous rehearsal forgotten` : ''})`,
      '',
      `Open ${rehearsal.fakeUrl} in your browser, then:`,
      `  1. Click "Install app from URL", then "Install" (the app URL is filled in: ${rehearsal.appUrl}).`,
      '  2. Read what the app asks for and click "Grant access".',
      `  3. Open a repository (e.g. ${repo?.full_name ?? 'teamsinspace/launch-control'}) and click "JWT Authorization Grant" in its sidebar.`,
      '',
      `Shortcut to step 2: ${rehearsal.fakeUrl}${paths.authorize}?descriptor_uri=${encodeURIComponent(rehearsal.appUrl)}`,
      `Lesson notes: ${rehearsal.appUrl}/lessons/1`,
      'Ctrl-C stops both.',
      '',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    // A second Ctrl-C does not wait for requests in flight.
    if (stopping) process.exit(code);
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the app and the fake Bitbucket…\n`);
    rehearsal.close().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(code);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(fail);
