import { performance } from 'node:perf_hooks';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import { createBitbucketClient } from '../../src/bitbucket/client.ts';
import type { BitbucketClient } from '../../src/bitbucket/client.ts';
import { rateLimitPolicy } from '../../src/bitbucket/rate-limit.ts';
import { exchangeJwtForToken } from '../../src/oauth/exchange.ts';
import { createTokenCache } from '../../src/oauth/token-cache.ts';
import type { TokenProvider } from '../../src/oauth/token-cache.ts';
import type { Installation } from '../../src/store/installation.ts';
import { BenchOptionsError, BenchSanityError } from './errors.ts';
import { summarize } from './stats.ts';
import type { Summary } from './stats.ts';

/**
 * The flow of lessons 3 to 5, two ways: with the token cache (one exchange, then the cached token)
 * and without it (every API call signs a JWT and exchanges it first).
 */

/** A retry would add a backoff to a timed call: with the happy mock there must be none. */
const noRetries = async (): Promise<void> => {
  throw new BenchSanityError('a REST call was retried, so its time would include a backoff', { lesson: 5 });
};

/**
 * A REST client for the installation whose tokens come from a fresh token cache (`cached: true`)
 * or from a new JWT grant for every call (`cached: false`).
 *
 * @example
 * const client = flowClient(installation, { cached: false })
 * await client.get('/2.0/user') // signs, exchanges, then calls
 */
export function flowClient(installation: Installation, o: { cached: boolean }): BitbucketClient {
  const token: TokenProvider = o.cached
    ? createTokenCache().provider(installation)
    : async () => (await exchangeJwtForToken({ installation })).accessToken;
  // The bench runs against the simulated Bitbucket only: its policy (no wait happens: see noRetries).
  return createBitbucketClient({ apiUrl: installation.baseApiUrl, token, sleep: noRetries, rateLimit: rateLimitPolicy(false) });
}

/**
 * Options of {@link measureFlowCost}.
 *
 * @example
 * const options: FlowCostOptions = { installation, mock, path: '/2.0/user', calls: 200, warmup: 20 }
 */
export interface FlowCostOptions {
  installation: Installation;
  /** The mock answering, to count the exchanges each way. */
  mock: BitbucketMock;
  /** The REST call to time, e.g. `/2.0/repositories/teamsinspace/launch-control`. */
  path: string;
  /** Timed calls each way. */
  calls: number;
  /** Untimed calls each way first (the cached client's first exchange happens here). */
  warmup: number;
}

/** Per-call times in milliseconds, and the exchanges the timed calls made. */
export interface FlowCost {
  cached: Summary;
  uncached: Summary;
  exchanges: { cached: number; uncached: number };
}

async function timeCall(client: BitbucketClient, path: string): Promise<number> {
  const start = performance.now();
  await client.get(path);
  return performance.now() - start;
}

/**
 * Times `calls` sequential API calls with the cache and as many without, interleaved (and
 * alternating which goes first) so that drift and garbage collection weigh on both alike.
 *
 * @example
 * const { cached, uncached } = await measureFlowCost({ installation, mock, path, calls: 200, warmup: 20 })
 * console.log(`${(uncached.mean / cached.mean).toFixed(1)}x`)
 */
export async function measureFlowCost(o: FlowCostOptions): Promise<FlowCost> {
  if (!Number.isSafeInteger(o.calls) || o.calls < 1) throw new BenchOptionsError(`calls=${o.calls} must be a whole number, 1 or more.`);
  if (!Number.isSafeInteger(o.warmup) || o.warmup < 1) throw new BenchOptionsError(`warmup=${o.warmup} must be a whole number, 1 or more.`);
  const cachedClient = flowClient(o.installation, { cached: true });
  const uncachedClient = flowClient(o.installation, { cached: false });
  for (let i = 0; i < o.warmup; i += 1) {
    await cachedClient.get(o.path);
    await uncachedClient.get(o.path);
  }
  const cached: number[] = [];
  const uncached: number[] = [];
  const exchanges = { cached: 0, uncached: 0 };
  const counted = async (which: 'cached' | 'uncached', client: BitbucketClient, samples: number[]) => {
    const before = o.mock.state.counts.exchanges;
    samples.push(await timeCall(client, o.path));
    exchanges[which] += o.mock.state.counts.exchanges - before;
  };
  for (let i = 0; i < o.calls; i += 1) {
    if (i % 2 === 0) {
      await counted('cached', cachedClient, cached);
      await counted('uncached', uncachedClient, uncached);
    } else {
      await counted('uncached', uncachedClient, uncached);
      await counted('cached', cachedClient, cached);
    }
  }
  return { cached: summarize(cached), uncached: summarize(uncached), exchanges };
}

/**
 * Starts `calls` API calls at once, with a fresh cache and without one, and counts the exchanges
 * the mock saw for each: single flight should make it 1 against `calls`.
 *
 * @example
 * await countConcurrentExchanges({ installation, mock, path, calls: 100 }) // { cached: 1, uncached: 100 }
 */
export async function countConcurrentExchanges(o: {
  installation: Installation;
  mock: BitbucketMock;
  path: string;
  calls: number;
}): Promise<{ cached: number; uncached: number }> {
  if (!Number.isSafeInteger(o.calls) || o.calls < 1) throw new BenchOptionsError(`calls=${o.calls} must be a whole number, 1 or more.`);
  const count = async (cached: boolean) => {
    const client = flowClient(o.installation, { cached });
    const before = o.mock.state.counts.exchanges;
    await Promise.all(Array.from({ length: o.calls }, () => client.get(o.path)));
    return o.mock.state.counts.exchanges - before;
  };
  return { cached: await count(true), uncached: await count(false) };
}
