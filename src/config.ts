import { LabError } from './errors.ts';

/** The scenarios the Bitbucket mock can play; see mocks/scenarios.ts. */
export const SCENARIOS = ['happy', 'rate-limited', 'server-error', 'slow', 'expired-token'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Everything configurable, read once from the environment. */
export interface Config {
  /** Where the installation store, progress and transcripts live. */
  dataDir: string;
  /** The app key: the descriptor's `key`, and `iss` of every JWT the app signs. */
  appKey: string;
  /** The app's public base URL, as Bitbucket reaches it (an https tunnel in live mode). */
  baseUrl: string;
  /** Bitbucket's web origin: token endpoint and install pages. */
  bitbucketUrl: string;
  /** Bitbucket's REST API origin. */
  bitbucketApiUrl: string;
  /** True: talk to real Bitbucket. False (the default): the in-process mock. */
  live: boolean;
  /** The mock's failure scenario. */
  scenario: ScenarioName;
  /** The port `npm start` listens on. */
  port: number;
}

/** A configuration value is missing or malformed. */
export class ConfigError extends LabError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
  }
}

export const DEFAULT_APP_KEY = 'jwt-grant-tutorial';

function readUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}="${raw}" is not an absolute URL. Set it like ${name}=${fallback}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name}="${raw}" must be an http(s) URL. Set it like ${name}=${fallback}`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${name}="${raw}" must not have a query or fragment.`);
  }
  // Keep the spelling given (minus a trailing slash): a base URL with a path is a context path.
  return raw.replace(/\/+$/, '');
}

function readFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  throw new ConfigError(`${name}="${env[name]}" is not a flag. Use ${name}=1 to turn it on, or leave it unset.`);
}

/**
 * Reads and validates the configuration. Invalid values throw a {@link ConfigError} that names the
 * variable and shows a valid example, so a CLI can print it and exit at start.
 *
 * @example
 * const config = loadConfig(process.env)
 * const config = loadConfig({ LIVE: '1', BASE_URL: 'https://abc.ngrok.app' })
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const appKey = env.APP_KEY?.trim() || DEFAULT_APP_KEY;
  // This lab's own rule (src/connect/descriptor.ts, APP_KEY_PATTERN): Bitbucket documents no format for app keys.
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(appKey)) {
    throw new ConfigError(
      `APP_KEY="${appKey}" is not an app key this lab accepts: use 1 to 80 letters, digits, '.', '-' or '_' (e.g. APP_KEY=${DEFAULT_APP_KEY}). ` +
        "Bitbucket documents no format for app keys; this is the lab's own rule (lesson 1).",
    );
  }
  const scenario = (env.SCENARIO?.trim() || 'happy') as ScenarioName;
  if (!SCENARIOS.includes(scenario)) {
    throw new ConfigError(`SCENARIO="${env.SCENARIO}" is not a known scenario. Use one of: ${SCENARIOS.join(', ')}.`);
  }
  const rawPort = env.PORT?.trim() || '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
    throw new ConfigError(`PORT="${rawPort}" is not a TCP port: use a whole number from 1 to 65535 (e.g. PORT=3000).`);
  }
  const dataDir = env.DATA_DIR?.trim() || '.data';
  return {
    dataDir,
    appKey,
    baseUrl: readUrl(env, 'BASE_URL', `http://localhost:${port}`),
    bitbucketUrl: readUrl(env, 'BITBUCKET_URL', 'https://bitbucket.org'),
    bitbucketApiUrl: readUrl(env, 'BITBUCKET_API_URL', 'https://api.bitbucket.org'),
    live: readFlag(env, 'LIVE'),
    scenario,
    port,
  };
}
