import type { Descriptor } from '../../src/connect/descriptor.ts';
import type { Installation, InstallationStore } from '../../src/store/installation.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import type { InstalledPayload } from '../fixtures/types.ts';
import { FakeOptionsError } from './errors.ts';

/**
 * Bitbucket's own registry of installed apps, as the fake keeps it: for each installation, the
 * record the token endpoint and the REST API check (clientKey, secret, app key, scopes) and what
 * the web pages need (the descriptor's modules, where the app was fetched from, the payload to
 * undo). In memory: a restart of the fake forgets every install, as a fresh Bitbucket would.
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
  /** The installed payload sent: its sharedSecret signs the iframe JWTs and the uninstall. A secret. */
  payload: InstalledPayload;
  /** ISO time of the (last) install. */
  installedAt: string;
}

/**
 * The registry: `installations` for `createBitbucketMock`, the rest for the pages.
 *
 * @example
 * const registry = createAppRegistry()
 * const mock = createBitbucketMock({ installations: registry.installations })
 */
export interface AppRegistry {
  /** Bitbucket's side of each installation, as the mock's token endpoint and API read it. */
  installations: Pick<InstallationStore, 'get'>;
  /** Records an install (or an update of an installed app). */
  add(app: InstalledApp, installation: Installation): Promise<void>;
  /** Forgets an installation; true when there was one. Its tokens stop working at once. */
  remove(clientKey: string): Promise<boolean>;
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
 * await registry.add(app, result.installation)
 * registry.list().map((a) => a.appKey) // ['jwt-grant-tutorial']
 */
export function createAppRegistry(o: { maxApps?: number } = {}): AppRegistry {
  const maxApps = o.maxApps ?? DEFAULT_MAX_APPS;
  const store = createMemoryStore();
  const apps = new Map<string, InstalledApp>();
  return {
    installations: { get: (clientKey) => store.get(clientKey) },
    async add(app, installation) {
      if (app.clientKey !== installation.clientKey) {
        throw new FakeOptionsError(`registry.add: the app's clientKey ${app.clientKey} is not the installation's ${installation.clientKey}.`);
      }
      if (!apps.has(app.clientKey) && apps.size >= maxApps) {
        throw new FakeOptionsError(`The fake Bitbucket holds at most ${maxApps} installed apps: uninstall one first.`);
      }
      await store.save(installation);
      // Re-adding moves the app to the end: the list shows the latest install last.
      apps.delete(app.clientKey);
      apps.set(app.clientKey, structuredClone(app));
    },
    async remove(clientKey) {
      await store.delete(clientKey);
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
