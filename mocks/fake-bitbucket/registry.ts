import type { Descriptor } from '../../src/connect/descriptor.ts';
import type { InstallationStore } from '../../src/store/installation.ts';
import type { InstalledPayload } from '../fixtures/types.ts';
import { createMemoryRegistry, type BitbucketRegistry } from '../registry.ts';
import { FakeOptionsError } from './errors.ts';

/**
 * Bitbucket's own registry of installed apps, as the fake keeps it: for each installation, the
 * record the token endpoint and the REST API check (clientKey, secret, app key, scopes: the
 * simulated Bitbucket's registry, mocks/registry.ts, which also remembers an uninstalled app's
 * last secret) and what the web pages need (the descriptor's modules, where the app was fetched
 * from, the payload to undo). In memory: a restart of the fake forgets every install, as a fresh
 * Bitbucket would.
 */

/** One app installed in a workspace. */
export interface InstalledApp {
  clientKey: string;
  appKey: string;
  /** The descriptor as validated at install time: its modules make the sidebar links. */
  descriptor: Descriptor;
  /** Where the descriptor was fetched from. */
  descriptorUrl: string;
  /** Where this machine reaches the app (lifecycle calls go there); may differ from `descriptor.baseUrl`. */
  appUrl: string;
  /** The last installed payload sent: its sharedSecret signs the iframe JWTs and the uninstall. A secret. */
  payload: InstalledPayload;
  /** ISO time of the (last) install. */
  installedAt: string;
}

/**
 * The registry: `bitbucket` (the secrets, for `installApp` and `createBitbucketMock`), the rest for the pages.
 *
 * @example
 * const registry = createAppRegistry()
 * const mock = createBitbucketMock({ installations: registry.installations })
 */
export interface AppRegistry {
  /** Bitbucket's record of each installation: `installApp` signs with it and records what it issues. */
  bitbucket: BitbucketRegistry;
  /** Bitbucket's side of each installed app, as the mock's token endpoint and API read it. */
  installations: Pick<InstallationStore, 'get'>;
  /** Throws `ERR_FAKE_OPTIONS` when a new app (not `clientKey`, already installed) would exceed the limit. */
  checkRoom(clientKey: string): void;
  /** Records an installed app (or an update of one) for the pages. */
  add(app: InstalledApp): void;
  /** Forgets an installed app's pages; true when there was one. (Its record is marked uninstalled by `uninstallApp`.) */
  remove(clientKey: string): boolean;
  get(clientKey: string): InstalledApp | undefined;
  /** Installed apps, oldest first. */
  list(): InstalledApp[];
}

/** A fake left running for days still has a steady footprint. */
const DEFAULT_MAX_APPS = 100;

/**
 * Creates an empty registry.
 *
 * @param o.maxApps Installs beyond this many are refused (`ERR_FAKE_OPTIONS`); default 100.
 *
 * @example
 * const registry = createAppRegistry()
 * const result = await installApp({ appBaseUrl, descriptor, registry: registry.bitbucket })
 * registry.add(app)
 * registry.list().map((a) => a.appKey) // ['jwt-grant-tutorial']
 */
export function createAppRegistry(o: { maxApps?: number } = {}): AppRegistry {
  const maxApps = o.maxApps ?? DEFAULT_MAX_APPS;
  const bitbucket = createMemoryRegistry();
  const apps = new Map<string, InstalledApp>();
  const checkRoom = (clientKey: string) => {
    if (!apps.has(clientKey) && apps.size >= maxApps) {
      throw new FakeOptionsError(`The fake Bitbucket holds at most ${maxApps} installed apps: uninstall one first.`);
    }
  };
  return {
    bitbucket,
    installations: bitbucket.installations,
    checkRoom,
    add(app) {
      checkRoom(app.clientKey);
      // Re-adding moves the app to the end: the list shows the latest install last.
      apps.delete(app.clientKey);
      apps.set(app.clientKey, structuredClone(app));
    },
    remove(clientKey) {
      return apps.delete(clientKey);
    },
    get(clientKey) {
      const app = apps.get(clientKey);
      return app && structuredClone(app);
    },
    list() {
      return [...apps.values()].map((app) => structuredClone(app));
    },
  };
}
