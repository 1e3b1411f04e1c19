import type { HttpHandler } from 'msw';
import type { ScenarioName } from '../src/config.ts';
import type { InstallationStore } from '../src/store/installation.ts';
import type { MockContext } from './context.ts';
import { MockOptionsError } from './errors.ts';
import { TEAMS_IN_SPACE, workspaceObject } from './fixtures/accounts.ts';
import { BITBUCKET_API_URL, BITBUCKET_URL } from './fixtures/origins.ts';
import { repositoryFixtures } from './fixtures/repositories.ts';
import { restApiHandlers } from './rest-api.ts';
import { createScenarioPlayer } from './scenarios.ts';
import { createMockState, type MockState } from './state.ts';
import { randomAccessToken, tokenEndpointHandler } from './token-endpoint.ts';

/** Options of {@link createBitbucketMock}. */
export interface BitbucketMockOptions {
  /** Bitbucket's web origin, where the token endpoint lives. Default `https://bitbucket.org`. */
  bitbucketUrl?: string;
  /** Bitbucket's API origin. Default `https://api.bitbucket.org`. */
  apiUrl?: string;
  /**
   * Bitbucket's side of the installations: which exist, with their secret, app key and granted
   * scopes (`installationFromPayload` records them; a record without `scopes`, as the app's own
   * store keeps them, is read as the lab descriptor's: see `installationScopes` in context.ts).
   */
  installations: Pick<InstallationStore, 'get'>;
  /** The failure scenario to play; default `happy`. Pass `loadConfig().scenario` to honour `SCENARIO=`. */
  scenario?: ScenarioName;
  /** The clock, epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** How long the `slow` scenario makes each API call wait, in ms; default 15 000. */
  slowMs?: number;
  /** Makes access tokens; default 48 random bytes, base64url. */
  randomToken?: () => string;
}

/** An offline Bitbucket: msw handlers, the state they share, and the scenario switch. */
export interface BitbucketMock {
  /** For `setupServer(...handlers)` (msw/node) or an HTTP server built on msw handlers. */
  handlers: HttpHandler[];
  /** Issued tokens, counts and the request log. Redacts nothing: redact before printing. */
  state: MockState;
  /** Switches scenario; a one-time fault (429, 500, expired token) is armed again. */
  setScenario(name: ScenarioName): void;
}

/** An absolute http(s) origin (a path is allowed: a mock mounted under one), without trailing slash. */
function checkBaseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MockOptionsError(`${name}=${JSON.stringify(value)} is not an absolute URL: use e.g. ${name === 'apiUrl' ? BITBUCKET_API_URL : BITBUCKET_URL}.`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new MockOptionsError(`${name}=${JSON.stringify(value)} must be an http(s) URL without query or fragment.`);
  }
  return value.replace(/\/+$/, '');
}

/**
 * Creates an offline Bitbucket Cloud: the JWT-grant token endpoint and the REST API calls the
 * project makes, with Bitbucket's checks and error bodies, one workspace (Teams in Space) of 23
 * repositories, and named failure scenarios.
 *
 * @example
 * const mock = createBitbucketMock({ installations: store, scenario: loadConfig().scenario })
 * const server = setupServer(...mock.handlers)
 * server.listen({ onUnhandledRequest: 'error' })
 * // ... exchange a JWT, call the API ...
 * mock.state.counts.exchanges // 1
 */
export function createBitbucketMock(o: BitbucketMockOptions): BitbucketMock {
  if (!o || typeof o.installations?.get !== 'function') {
    throw new MockOptionsError('createBitbucketMock needs installations: a store with get(clientKey), e.g. createMemoryStore([installation]).');
  }
  const bitbucketUrl = checkBaseUrl('bitbucketUrl', o.bitbucketUrl ?? BITBUCKET_URL);
  const apiUrl = checkBaseUrl('apiUrl', o.apiUrl ?? BITBUCKET_API_URL);
  const now = o.now ?? Date.now;
  const scenario = o.scenario ?? 'happy';
  const player = createScenarioPlayer({ name: scenario, slowMs: o.slowMs, now });
  const state = createMockState(scenario);
  const origins = { bitbucketUrl, apiUrl };
  const ctx: MockContext = {
    bitbucketUrl,
    apiUrl,
    installations: o.installations,
    now,
    randomToken: o.randomToken ?? randomAccessToken,
    state,
    player,
    workspace: workspaceObject(TEAMS_IN_SPACE, origins),
    repositories: repositoryFixtures({ ...origins, workspace: TEAMS_IN_SPACE }),
  };
  return {
    handlers: [tokenEndpointHandler(ctx), ...restApiHandlers(ctx)],
    state,
    setScenario(name) {
      player.play(name);
      state.scenario = name;
    },
  };
}
