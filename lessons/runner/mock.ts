import type { Config } from '../../src/config.ts';
import type { InstallationStore } from '../../src/store/installation.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';

/** The in-process Bitbucket of an offline run. */
export interface OfflineMock {
  mock: BitbucketMock;
  /** Every access token the mock issued in this run (for the secrets check of LAB_SECRETS_DUMP). */
  issuedTokens(): string[];
  stop(): Promise<void>;
}

/**
 * Starts the msw mock of Bitbucket (token endpoint and REST API) in this process, with the store
 * as Bitbucket's registry of installations, so whatever lesson 2 stored is what Bitbucket knows.
 * Imported dynamically: live runs never load msw.
 *
 * @example
 * const offline = await startOfflineMock({ config, store, now: Date.now })
 * try { await fetch(tokenEndpoint(config.bitbucketUrl), ...) } finally { await offline.stop() }
 */
export async function startOfflineMock(o: { config: Config; store: InstallationStore; now: () => number }): Promise<OfflineMock> {
  const { startMockServer } = await import('../../mocks/server.ts');
  const started = startMockServer({
    installations: o.store,
    scenario: o.config.scenario,
    bitbucketUrl: o.config.bitbucketUrl,
    apiUrl: o.config.bitbucketApiUrl,
    now: o.now,
  });
  return {
    mock: started.mock,
    issuedTokens: () => [...started.mock.state.tokens.keys()],
    stop: async () => {
      await started.stop();
    },
  };
}
