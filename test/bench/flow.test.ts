import { afterEach, describe, expect, it } from 'vitest';
import { API_ENDPOINTS } from '../../mocks/rest-api.ts';
import { countConcurrentExchanges, measureFlowCost } from './flow.ts';
import { startBenchBitbucket } from './offline-bitbucket.ts';
import type { BenchBitbucket } from './offline-bitbucket.ts';

const PATH = '/2.0/repositories/teamsinspace/launch-control';
let bitbucket: BenchBitbucket | undefined;
afterEach(() => bitbucket?.stop());

describe('the flow measurements', () => {
  it('time each call both ways, and count an exchange for every uncached call and none for cached ones', async () => {
    bitbucket = startBenchBitbucket();
    const { installation, mock } = bitbucket;
    const cost = await measureFlowCost({ installation, mock, path: PATH, calls: 4, warmup: 2 });
    expect(cost.exchanges).toEqual({ cached: 0, uncached: 4 });
    expect(cost.cached.count).toBe(4);
    expect(cost.uncached.count).toBe(4);
    expect(cost.cached.min).toBeGreaterThan(0);
    // 2 warm-up + 4 timed calls each way reached the endpoint; the warm cache exchanged once.
    expect(mock.state.counts.byEndpoint[API_ENDPOINTS.repository]).toBe(12);
    expect(mock.state.counts.exchanges).toBe(1 + 2 + 4);
  });

  it('count one exchange for concurrent calls through the cache, one per call without it', async () => {
    bitbucket = startBenchBitbucket();
    const { installation, mock } = bitbucket;
    expect(await countConcurrentExchanges({ installation, mock, path: PATH, calls: 10 })).toEqual({ cached: 1, uncached: 10 });
  });

  it('refuse call counts they cannot use', async () => {
    bitbucket = startBenchBitbucket();
    const { installation, mock } = bitbucket;
    await expect(measureFlowCost({ installation, mock, path: PATH, calls: 0, warmup: 1 })).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS' });
    await expect(countConcurrentExchanges({ installation, mock, path: PATH, calls: 1.5 })).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS' });
  });
});
