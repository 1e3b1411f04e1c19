import type { SafeLogger } from '../../../src/log/logger.ts';
import type { BitbucketMock } from '../../bitbucket.ts';
import type { AppRegistry } from '../registry.ts';
import type { Site } from '../site.ts';

/**
 * What the fake Bitbucket's routes share: its data, the mock it serves and the outside world.
 *
 * @example app.use(workspaceRoutes(deps))
 */
export interface FakeDeps {
  /** This server's origin (`http://127.0.0.1:4000`): Bitbucket's web and API origin in payloads. */
  origin: string;
  site: Site;
  registry: AppRegistry;
  mock: BitbucketMock;
  /** Fetches descriptors and delivers lifecycle calls. */
  fetch: typeof fetch;
  now: () => number;
  log: SafeLogger;
  /** Pre-filled in "Install app from URL". */
  defaultAppUrl: string;
}
