import type { Config } from '../../src/config.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import type { BitbucketRegistry } from '../../mocks/registry.ts';
import { installFetchGuard, type FetchHolder } from './fetch-guard.ts';
import type { Lesson } from './lesson.ts';
import { startOfflineMock } from './mock.ts';
import { createMockFetch } from './mock-fetch.ts';

/** The simulated Bitbucket of one offline lesson run. */
export interface OfflineBitbucket {
  /** What `ctx.fetch` sends with. */
  fetch: typeof fetch;
  /** The mock once it is loaded: from the start when the lesson declares `mock`, else after the first request to Bitbucket. */
  mock(): BitbucketMock | undefined;
  /** Every access token the mock issued in this run (for the secrets check of LAB_SECRETS_DUMP). */
  issuedTokens(): string[];
  /** Puts the process's `fetch` back. */
  stop(): Promise<void>;
}

/** Options of {@link startOfflineBitbucket}. */
export interface OfflineBitbucketOptions {
  config: Config;
  /** The simulated Bitbucket's registry (DATA_DIR/simulated-bitbucket.db): the installations it made, which its token endpoint answers for. */
  registry: BitbucketRegistry;
  now: () => number;
  /** What the lesson declared (`Lesson.mock`). */
  need: Lesson['mock'];
  /** Whose `fetch` is guarded; default `globalThis`. */
  holder?: FetchHolder;
}

/**
 * Sets up the simulated Bitbucket for an offline run, paying for msw only when it is used:
 * - `need` absent: `ctx.fetch` goes to the mock's handlers, loaded on the first request to
 *   Bitbucket (a lesson that makes none, like lesson 3, never loads msw); loopback goes to the
 *   network; the process's own `fetch` is guarded: loopback only, anything else is refused.
 * - `'state'`: the same, with the mock loaded before step 1, for `ctx.mock`.
 * - `'intercept'`: msw/node intercepts the process's `fetch` (startOfflineMock), for code the lesson
 *   runs that does not take `ctx.fetch`.
 *
 * @example
 * const offline = await startOfflineBitbucket({ config, registry, now: Date.now, need: lesson.mock })
 * try { ... createLessonContext({ fetch: offline.fetch, mock: offline.mock() ?? 'undeclared', ... }) } finally { await offline.stop() }
 */
export async function startOfflineBitbucket(o: OfflineBitbucketOptions): Promise<OfflineBitbucket> {
  const options = { installations: o.registry.installations, scenario: o.config.scenario, bitbucketUrl: o.config.bitbucketUrl, apiUrl: o.config.bitbucketApiUrl, now: o.now };
  if (o.need === 'intercept') {
    const started = await startOfflineMock(o);
    return { fetch: (input, init) => globalThis.fetch(input, init), mock: () => started.mock, issuedTokens: started.issuedTokens, stop: started.stop };
  }
  let loaded: BitbucketMock | undefined;
  let loading: Promise<BitbucketMock> | undefined;
  const load = () =>
    (loading ??= import('../../mocks/bitbucket.ts').then(({ createBitbucketMock }) => (loaded = createBitbucketMock(options))));
  if (o.need === 'state') await load();
  const holder = o.holder ?? globalThis;
  const passthrough = holder.fetch;
  const restore = installFetchGuard(holder);
  return {
    fetch: createMockFetch({
      baseUrls: [o.config.bitbucketUrl, o.config.bitbucketApiUrl],
      handlers: async () => (await load()).handlers,
      passthrough,
    }),
    mock: () => loaded,
    issuedTokens: () => [...(loaded?.state.tokens.keys() ?? [])],
    stop: async () => restore(),
  };
}
