import type { Config } from '../../src/config.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import type { BitbucketRegistry } from '../../mocks/registry.ts';

/** The in-process Bitbucket of an offline run. */
export interface OfflineMock {
  mock: BitbucketMock;
  /** Every access token the mock issued in this run (for the secrets check of LAB_SECRETS_DUMP). */
  issuedTokens(): string[];
  stop(): Promise<void>;
}

/**
 * Starts the msw mock of Bitbucket (token endpoint and REST API) in this process, answering for
 * the installations in the simulated Bitbucket's `registry` (mocks/registry.ts): those it made,
 * never whatever an app stored. Without one, it opens the registry in `config.dataDir` (what the
 * lessons installed; `npm start` offline) and closes it on `stop()`. Imported dynamically: live
 * runs never load msw.
 *
 * @example
 * const offline = await startOfflineMock({ config, now: Date.now })
 * try { await fetch(tokenEndpoint(config.bitbucketUrl), ...) } finally { await offline.stop() }
 */
export async function startOfflineMock(o: { config: Config; registry?: BitbucketRegistry; now: () => number }): Promise<OfflineMock> {
  const { startMockServer } = await import('../../mocks/server.ts');
  const owned = o.registry ? undefined : (await import('../../mocks/registry.ts')).openSimulatedRegistry({ dataDir: o.config.dataDir });
  const registry = o.registry ?? owned!;
  const started = startMockServer({
    installations: registry.installations,
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
      await owned?.close();
    },
  };
}
