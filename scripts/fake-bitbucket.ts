/**
 * `npm run fake-bitbucket`: a fake Bitbucket Cloud on http://127.0.0.1:4000 (loopback only), for
 * rehearsing the Connect install and the JWT grant offline. Its token endpoint and REST API are
 * the msw mock of `mocks/`; its pages install an app from its URL and open the app's repository
 * pages in an iframe, with a signed JWT.
 *
 * `npm run rehearse` starts it together with the app, wired to it. This command is for running
 * it alone: beside an app started some other way, or to look at its pages and API.
 *
 * Environment: `FAKE_BITBUCKET_PORT` (default 4000), `SCENARIO` (the mock's failure scenario,
 * default happy), `PORT` (the app's port, pre-filled in "Install app from URL", default 3000).
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for invalid configuration, 1 for any other start failure.
 */
import { parsePort } from '../mocks/fake-bitbucket/ports.ts';
import { DEFAULT_FAKE_BITBUCKET_PORT, startFakeBitbucket } from '../mocks/fake-bitbucket/start.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';

/** A start failure as one readable line, never a stack. */
function fail(error: unknown): never {
  const message = isLabError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`Cannot start the fake Bitbucket. ${message}\n`);
  process.exit(error instanceof ConfigError || isLabError(error, 'ERR_PORT_INVALID') ? 2 : 1);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const port = parsePort(process.env, 'FAKE_BITBUCKET_PORT', DEFAULT_FAKE_BITBUCKET_PORT);
  const fake = await startFakeBitbucket({ port, scenario: config.scenario, defaultAppUrl: `http://127.0.0.1:${config.port}` });
  process.stdout.write(
    `\nFake Bitbucket: ${fake.url}\n` +
      `An app uses it with BITBUCKET_URL=${fake.url} BITBUCKET_API_URL=${fake.url}; npm run rehearse starts the lab's app that way.\n` +
      'Ctrl-C stops it.\n\n',
  );
  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`\n${signal}: stopping the fake Bitbucket\n`);
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(fail);
