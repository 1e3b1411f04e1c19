import type { Installation, InstallationStore } from '../src/store/installation.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';

/**
 * The simulated Bitbucket's own registry of the installations it made: which clientKey got which
 * secret, with the app key and scopes its token endpoint and REST API check. It belongs to
 * Bitbucket, not to the app: the mock confirms a token exchange only for an installation Bitbucket
 * made, never for whatever an app stored (a squatter's first install, say), so an app can prove a
 * first install offline exactly as it does live (src/connect/install-verifier.ts).
 *
 * Bitbucket also remembers an uninstalled installation's last secret: it signs the first install
 * after an uninstall with it (protocol.md §6). Such a record is `uninstalled`, and the token
 * endpoint no longer answers for it.
 */

/**
 * The registry.
 *
 * @example
 * const registry = openSimulatedRegistry({ dataDir: config.dataDir })
 * const mock = createBitbucketMock({ installations: registry.installations })
 * await installApp({ appBaseUrl, descriptor, registry }) // signs with the preceding secret, records the new one
 */
export interface BitbucketRegistry {
  /** What the mock's token endpoint and REST API check: the installed (active) records only. */
  installations: Pick<InstallationStore, 'get'>;
  /** Bitbucket's record of a clientKey, installed or uninstalled; undefined if it never made one. */
  record(clientKey: string): Promise<Installation | undefined>;
  /** Records an installation Bitbucket makes (or re-makes): done before it posts `installed`, as Bitbucket knows the secret first. */
  register(installation: Installation): Promise<void>;
  /** Puts back the record of before an install the app refused (`undefined`: forgets the clientKey). */
  restore(clientKey: string, previous: Installation | undefined): Promise<void>;
  /** Marks an installation uninstalled, keeping its last secret; its tokens stop working at once. False when there was none. */
  markUninstalled(clientKey: string, at: string): Promise<boolean>;
  /** Every record, by clientKey. */
  list(): Promise<Installation[]>;
  /** Forgets every record (`npm run lesson -- --reset`); returns how many there were. */
  clear(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The registry's file in DATA_DIR: SQLite through the app's own store code (owner-only, atomic,
 * safe for two processes), because lesson 2 installs in one process and lesson 4 exchanges in
 * another. Separate from the app's `installations.db`: the two sides of an installation.
 *
 * @example join(config.dataDir, SIMULATED_REGISTRY_FILE) // '.data/simulated-bitbucket.db'
 */
export const SIMULATED_REGISTRY_FILE = 'simulated-bitbucket.db';

function registryOver(store: InstallationStore): BitbucketRegistry {
  return {
    installations: {
      get: async (clientKey) => {
        const found = await store.get(clientKey);
        return found?.state === 'active' ? found : undefined;
      },
    },
    record: (clientKey) => store.get(clientKey),
    register: (installation) => store.save({ ...installation, state: 'active', origin: 'simulated' }),
    async restore(clientKey, previous) {
      if (previous) await store.save(previous);
      else await store.delete(clientKey);
    },
    async markUninstalled(clientKey, at) {
      const found = await store.get(clientKey);
      if (!found) return false;
      const { principal: _principal, scopes: _scopes, ...kept } = found;
      await store.save({ ...kept, principal: undefined, state: 'uninstalled', updatedAt: at, uninstalledAt: at });
      return true;
    },
    list: () => store.list(),
    async clear() {
      let cleared = 0;
      for (const installation of await store.list()) if (await store.delete(installation.clientKey)) cleared += 1;
      return cleared;
    },
    close: () => store.close(),
  };
}

/**
 * A registry in memory: the fake Bitbucket (a restart forgets, as a fresh Bitbucket would) and tests.
 *
 * @param initial Installations Bitbucket made before, recorded as installed.
 *
 * @example
 * const registry = createMemoryRegistry([installation])
 * await registry.installations.get(installation.clientKey) // the record
 */
export function createMemoryRegistry(initial: Installation[] = []): BitbucketRegistry {
  return registryOver(createMemoryStore(initial.map((installation) => ({ ...installation, state: 'active', origin: 'simulated' }))));
}

/**
 * The registry of offline lesson runs and `npm start`, kept in `DATA_DIR/simulated-bitbucket.db`
 * (see {@link SIMULATED_REGISTRY_FILE}).
 *
 * @throws the store's errors (`ERR_STORE_UNWRITABLE`, `ERR_STORE_CORRUPT`, ...), naming the file.
 *
 * @example
 * const registry = openSimulatedRegistry({ dataDir: '.data' })
 * try { ... } finally { await registry.close() }
 */
export function openSimulatedRegistry(o: { dataDir: string }): BitbucketRegistry {
  return registryOver(openSqliteStore({ dataDir: o.dataDir, fileName: SIMULATED_REGISTRY_FILE }));
}

/**
 * Fills an empty registry with the simulated installations an app store holds: what an older lab
 * (whose mock read the app's store) installed, so lessons 3 to 7 keep working after an upgrade
 * without running lesson 2 again. Does nothing once the registry holds anything.
 *
 * @example await adoptSimulatedInstallations(registry, store) // 1: Teams in Space, from an earlier run
 */
export async function adoptSimulatedInstallations(registry: BitbucketRegistry, store: Pick<InstallationStore, 'list'>): Promise<number> {
  if ((await registry.list()).length > 0) return 0;
  const adopted = await store.list({ state: 'active', origin: 'simulated' });
  for (const installation of adopted) await registry.register(installation);
  return adopted.length;
}
