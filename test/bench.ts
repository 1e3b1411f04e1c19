/**
 * `npm run bench`: what the token cache saves, what verification costs, how fast a lesson starts.
 *
 * Report only: machines are noisy, so it prints RATIOS measured within one run, and asserts
 * nothing about them. Everything runs against the in-process Bitbucket mock (msw, unhandled
 * requests are errors): no network. A section that cannot be measured says why; the others still
 * run, and the exit code is 1 only if a section failed.
 */
import { encodePathSegment } from '../src/bitbucket/client.ts';
import { isLabError } from '../src/errors.ts';
import { redactText } from '../src/redact.ts';
import { countConcurrentExchanges, measureFlowCost } from './bench/flow.ts';
import { measureLessonStartup } from './bench/lesson-startup.ts';
import { machineInfo } from './bench/machine.ts';
import { startBenchBitbucket } from './bench/offline-bitbucket.ts';
import { formatCount, formatMs, formatRatio, formatTable } from './bench/table.ts';
import { measureVerifyRates } from './bench/verify-rate.ts';

const INDENT = '   ';
const FLOW_CALLS = 200;
const FLOW_WARMUP = 20;
const CONCURRENT_CALLS = 100;
const LESSON_RUNS = 5;

const print = (...lines: string[]) => {
  for (const line of lines) console.log(line);
};

let failed = false;

/** Runs one section; a failure is printed (redacted) in its place and the next section still runs. */
async function section(title: string, body: () => Promise<string[]>): Promise<void> {
  print('', title);
  try {
    print(...(await body()));
  } catch (error) {
    failed = true;
    const what = isLabError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.stack ?? error.message : String(error);
    print(`${INDENT}failed: ${redactText(what)}`);
  }
}

const machine = machineInfo();
print('jwt-grant-lab benchmark (report only: compare the ratios, not the absolute times)');
print(`node ${machine.node} · ${machine.cpuModel} · ${machine.cores} cores · ${machine.platform}`);

const bitbucket = startBenchBitbucket();
try {
  const { installation, mock } = bitbucket;
  const workspace = installation.principal?.username ?? 'teamsinspace';
  const path = `/2.0/repositories/${encodePathSegment(workspace)}/launch-control`;

  await section(`1. Cost per API call (GET ${path}), in-process mock, ${FLOW_CALLS} calls each way after ${FLOW_WARMUP} warm-up`, async () => {
    const cost = await measureFlowCost({ installation, mock, path, calls: FLOW_CALLS, warmup: FLOW_WARMUP });
    const row = (label: string, s: typeof cost.cached, exchanges: number) => [label, formatMs(s.mean), formatMs(s.p50), formatMs(s.p95), String(exchanges)];
    return formatTable(
      ['flow', 'mean', 'p50', 'p95', 'exchanges'],
      [
        row('with token cache (warm)', cost.cached, cost.exchanges.cached),
        row('without (sign + exchange each call)', cost.uncached, cost.exchanges.uncached),
        [
          'ratio without / with',
          formatRatio(cost.uncached.mean, cost.cached.mean),
          formatRatio(cost.uncached.p50, cost.cached.p50),
          formatRatio(cost.uncached.p95, cost.cached.p95),
        ],
      ],
      INDENT,
    );
  });

  await section(`2. Exchanges for ${CONCURRENT_CALLS} concurrent calls, counted by the mock`, async () => {
    const counts = await countConcurrentExchanges({ installation, mock, path, calls: CONCURRENT_CALLS });
    return formatTable(
      ['flow', 'exchanges', 'expected'],
      [
        ['through the token cache (single flight)', String(counts.cached), '1'],
        ['without the cache', String(counts.uncached), String(CONCURRENT_CALLS)],
      ],
      INDENT,
    );
  });
} finally {
  bitbucket.stop();
}

await section('3. JWT verification, one HS256 token with qsh, ~1 s each after 200 ms warm-up', async () => {
  const rates = await measureVerifyRates({ warmupMs: 200, durationMs: 1000 });
  const row = (label: string, rate: typeof rates.floor) => [label, formatCount(rate.opsPerSecond), rate.microsPerOp.toFixed(2)];
  return formatTable(
    ['verifier', 'ops/s', 'µs/op'],
    [
      row('verifyJwt (src/jwt/verify.ts: jose + Connect checks)', rates.verifyJwt),
      row('node:crypto floor (split, HMAC, timingSafeEqual, JSON.parse)', rates.floor),
      ['ratio floor / verifyJwt (verifyJwt costs this many floors)', formatRatio(rates.floor.opsPerSecond, rates.verifyJwt.opsPerSecond)],
    ],
    INDENT,
  );
});

await section(`4. Lesson start-up: node --import tsx lessons/runner/cli.ts 3 --yes, offline, median of ${LESSON_RUNS}`, async () => {
  const result = await measureLessonStartup({ runs: LESSON_RUNS });
  if (result.status === 'skipped') return [`${INDENT}skipped: ${result.reason}`];
  if (result.status === 'failed') {
    failed = true;
    return [`${INDENT}failed: ${result.reason}`];
  }
  return [`${INDENT}median ${formatMs(result.medianMs)} (runs: ${result.runsMs.map((ms) => formatMs(ms)).join(', ')})`];
});

print('');
process.exitCode = failed ? 1 : 0;
