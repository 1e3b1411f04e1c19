import { InvalidInstallationError, StoreClosedError } from './errors.ts';
import type { Installation, InstallationStore } from './installation.ts';
import { checkInstallation } from './validate.ts';

/**
 * List order: by Unicode code point, which is the byte order SQLite's default (BINARY) collation
 * gives UTF-8 text, so both stores list alike. Plain `sort()` compares UTF-16 code units instead.
 */
function compareClientKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * An installation store held in memory, for tests. Same contract as the SQLite store: validates on
 * save and create, `create` inserts only a new clientKey, keeps `installedAt` on re-install, lists
 * by clientKey, refuses use after `close()`. It hands out copies, so a caller cannot change what is
 * stored by mutating a result.
 *
 * Not for the app: losing the store on restart turns every re-install into a trusted "first"
 * install (see {@link openSqliteStore}).
 *
 * @param initial Installations to start with, saved in order (same rules as `save`).
 *
 * @example
 * const store = createMemoryStore([installation])
 * await store.get(installation.clientKey) // a copy of installation
 */
export function createMemoryStore(initial: Installation[] = []): InstallationStore {
  const rows = new Map<string, Installation>();
  let closed = false;

  function assertOpen(operation: string): void {
    if (closed) throw new StoreClosedError(operation);
  }

  function checked(candidate: Installation): Installation {
    const check = checkInstallation(candidate);
    if (!check.ok) throw new InvalidInstallationError((candidate as { clientKey?: unknown })?.clientKey, check.problems);
    // checkInstallation built a fresh object, so nothing the caller holds is shared with the store.
    return check.installation;
  }

  function upsert(candidate: Installation): void {
    const installation = checked(candidate);
    const existing = rows.get(installation.clientKey);
    if (existing) installation.installedAt = existing.installedAt;
    rows.set(installation.clientKey, installation);
  }

  for (const installation of initial) upsert(installation);

  return {
    async get(clientKey) {
      assertOpen('get');
      const found = rows.get(clientKey);
      return found && structuredClone(found);
    },
    async create(candidate) {
      assertOpen('create');
      const installation = checked(candidate);
      // Check and insert with no await between them: atomic on the one JavaScript thread.
      if (rows.has(installation.clientKey)) return false;
      rows.set(installation.clientKey, installation);
      return true;
    },
    async save(installation) {
      assertOpen('save');
      upsert(installation);
    },
    async delete(clientKey) {
      assertOpen('delete');
      return rows.delete(clientKey);
    },
    async list() {
      assertOpen('list');
      return [...rows.values()]
        .sort((a, b) => compareClientKeys(a.clientKey, b.clientKey))
        .map((installation) => structuredClone(installation));
    },
    async close() {
      closed = true;
    },
  };
}
