/**
 * What lesson 5's exercise tests share: the offline Bitbucket with an installation it knows, and
 * the lab's REST client built with one of the learner's pieces (`followPages`, `refreshOnce`,
 * `rateLimitWait`) and the lab's token cache, so that a rule can watch the learner's code at work
 * on the wire. The client never really sleeps: its waits are recorded.
 */
import { installationFromPayload, installedPayload } from '../../../mocks/fixtures/lifecycle.ts';
import { startMockServer, type MockServer } from '../../../mocks/server.ts';
import { createBitbucketClient, encodePathSegment, type BitbucketClient, type BitbucketClientOptions } from '../../../src/bitbucket/client.ts';
import { RATE_LIMIT_POLICIES } from '../../../src/bitbucket/rate-limit.ts';
import type { ScenarioName } from '../../../src/config.ts';
import { createTokenCache } from '../../../src/oauth/token-cache.ts';
import type { Installation } from '../../../src/store/installation.ts';
import { createMemoryStore } from '../../../src/store/memory.ts';
import { failRule } from '../../runner/practice/expect-rule.ts';

/** Bitbucket's web origin (the token endpoint) and API origin, as the offline Bitbucket serves them. */
export const BITBUCKET_URL = 'https://bitbucket.org';
export const API_URL = 'https://api.bitbucket.org';
/** One clock for the client, the cache and the mock. */
export const NOW = Date.parse('2026-01-01T00:00:00Z');

/** The learner's pieces a client can take. */
export type ClientPieces = Pick<BitbucketClientOptions, 'followPages' | 'refreshOnce' | 'rateLimitWait'>;

/**
 * The offline Bitbucket, started, and what a rule needs around it.
 *
 * @example
 * const api = startOfflineApi('practice-pages-secret-0123456789-abcdefghijk')
 * const repos = api.client({ followPages }).paginate(api.repositoriesPath)
 */
export interface OfflineApi {
  server: MockServer;
  installation: Installation;
  /** `/2.0/repositories/%7B…%7D`: the simulated workspace's 23 repositories. */
  repositoriesPath: string;
  /** `/2.0/workspaces/%7B…%7D`. */
  workspacePath: string;
  /** Every wait the clients asked for, in milliseconds (none really happens). */
  waits: number[];
  /** The lab's client with the given pieces (and, by default, the lab's own for the rest), its own token cache. */
  client(pieces: ClientPieces): BitbucketClient;
  /** Requests the mock answered since it started, one `endpoint → status` each. */
  answered(): string[];
  /**
   * GETs the workspace with the lab's client and the given pieces; a failure breaks the rule,
   * saying what was `expected` and the error's code.
   */
  getWorkspace(pieces: ClientPieces, expected: string): Promise<void>;
  stop(): void;
}

/**
 * Starts the offline Bitbucket (msw intercepting `fetch`) with a fixture installation whose secret
 * is `sharedSecret` (never a real one), playing `scenario` (default `happy`).
 *
 * @example const api = startOfflineApi('practice-secret-0123456789-abcdefghijklmnop', 'expired-token')
 */
export function startOfflineApi(sharedSecret: string, scenario: ScenarioName = 'happy'): OfflineApi {
  const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret }), { now: () => NOW });
  const server = startMockServer({ installations: createMemoryStore([installation]), now: () => NOW, scenario });
  const workspace = encodePathSegment(installation.principal?.uuid ?? '');
  const waits: number[] = [];
  return {
    server,
    installation,
    repositoriesPath: `/2.0/repositories/${workspace}`,
    workspacePath: `/2.0/workspaces/${workspace}`,
    waits,
    client(pieces) {
      const cache = createTokenCache({ exchangeOptions: { bitbucketUrl: BITBUCKET_URL }, now: () => NOW });
      return createBitbucketClient({
        apiUrl: API_URL,
        token: cache.provider(installation),
        now: () => NOW,
        rateLimit: RATE_LIMIT_POLICIES.offline,
        sleep: async (ms) => {
          waits.push(ms);
        },
        ...pieces,
      });
    },
    answered: () => server.mock.state.log.map((entry) => `${entry.endpoint} → ${entry.status ?? 'no answer'}`),
    async getWorkspace(pieces, expected) {
      const path = `/2.0/workspaces/${workspace}`;
      try {
        await this.client(pieces).get(path);
      } catch (error) {
        failRule(expected, `${(error as { code?: string }).code ?? 'an error'}: ${(error as Error).message.split('\n')[0]}`, `client.get('${path}') with SCENARIO=${scenario}`);
      }
    },
    stop: () => server.stop(),
  };
}
