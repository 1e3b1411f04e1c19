import { randomBytes } from 'node:crypto';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import { startMockServer } from '../../mocks/server.ts';
import type { Installation } from '../../src/store/installation.ts';
import { createMemoryStore } from '../../src/store/memory.ts';

/**
 * The in-process Bitbucket the benchmark measures against: msw intercepting `fetch` with
 * `onUnhandledRequest: 'error'`, so nothing reaches the network, and one installation it knows.
 */

/**
 * What {@link startBenchBitbucket} started.
 *
 * @example
 * const { installation, mock, stop } = startBenchBitbucket()
 */
export interface BenchBitbucket {
  /** Known to the mock; its sharedSecret is random and never printed. */
  installation: Installation;
  /** The mock, whose `state.counts` says how many exchanges were made. */
  mock: BitbucketMock;
  /** Stops intercepting `fetch`. Idempotent. */
  stop(): void;
}

/**
 * Starts the mock around one fresh installation of `appKey` in the fixture workspace.
 *
 * @example
 * const bb = startBenchBitbucket()
 * try { await exchangeJwtForToken({ installation: bb.installation }) } finally { bb.stop() }
 */
export function startBenchBitbucket(appKey = 'jwt-grant-tutorial'): BenchBitbucket {
  const sharedSecret = randomBytes(32).toString('base64url');
  const installation = installationFromPayload(installedPayload({ appKey, sharedSecret }));
  const { mock, stop } = startMockServer({ installations: createMemoryStore([installation]) });
  return { installation, mock, stop };
}
