import { InvalidInstallationError, PendingLimitError, StoreClosedError, StoreOptionsError } from './errors.ts';
import type { ExpectedInstallation, Installation, InstallationFilter, InstallationStore } from './installation.ts';
import { checkInstallation } from './validate.ts';

/**
 * List order: by Unicode code point, which is the byte order SQLite's default (BINARY) collation
 * gives UTF-8 text, so both stores list alike. Plain `sort()` compares UTF-16 code units instead.
 */
function compareClientKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function matches(installation: Installation, filter: InstallationFilter = {}): boolean {
  return (filter.state === undefined || installation.state === filter.state) && (filter.origin === undefined || installation.origin === filter.origin);
}

/**
 * An installation store held in memory, for tests. Same contract as the SQLite store: validates
 * every write, `create` inserts only a new clientKey (and bounds pending ones), `replace` is a
 * compare-and-set, `save` keeps `installedAt`, lists by clientKey, refuses use after `close()`. It
 * hands out copies, so a caller cannot change what is stored by mutating a result. Every method
 * checks and writes with no `await` in between: atomic on the one JavaScript thread.
 *
 * Not for the app: losing the store on restart turns every re-install into a "first" install
 * (see {@link openSqliteStore}).
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

  function countWhere(filter?: InstallationFilter): number {
    let count = 0;
    for (const installation of rows.values()) if (matches(installation, filter)) count += 1;
    return count;
  }

  for (const installation of initial) upsert(installation);

  return {
    async get(clientKey) {
      assertOpen('get');
      const found = rows.get(clientKey);
      return found && structuredClone(found);
    },
    async create(candidate, options = {}) {
      assertOpen('create');
      const installation = checked(candidate);
      if (rows.has(installation.clientKey)) return false;
      const { maxPending } = options;
      if (installation.state === 'pending' && maxPending !== undefined && countWhere({ state: 'pending' }) >= maxPending) {
        throw new PendingLimitError(maxPending);
      }
      rows.set(installation.clientKey, installation);
      return true;
    },
    async replace(expected: ExpectedInstallation, next) {
      assertOpen('replace');
      const replacement = next && checked(next);
      if (replacement && replacement.clientKey !== expected.clientKey) {
        throw new InvalidInstallationError(replacement.clientKey, [`clientKey: must be the replaced one, ${JSON.stringify(expected.clientKey)}`]);
      }
      const current = rows.get(expected.clientKey);
      if (!current || current.sharedSecret !== expected.sharedSecret || current.state !== expected.state) return false;
      if (replacement) rows.set(expected.clientKey, replacement);
      else rows.delete(expected.clientKey);
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
    async deleteStalePending(before) {
      assertOpen('deleteStalePending');
      const cutoff = Date.parse(before);
      if (Number.isNaN(cutoff)) throw new StoreOptionsError(`deleteStalePending needs an ISO time, not ${JSON.stringify(before)}.`);
      let deleted = 0;
      for (const [clientKey, installation] of rows) {
        if (installation.state === 'pending' && Date.parse(installation.updatedAt) < cutoff) {
          rows.delete(clientKey);
          deleted += 1;
        }
      }
      return deleted;
    },
    async list(filter) {
      assertOpen('list');
      return [...rows.values()]
        .filter((installation) => matches(installation, filter))
        .sort((a, b) => compareClientKeys(a.clientKey, b.clientKey))
        .map((installation) => structuredClone(installation));
    },
    async listInvalid() {
      assertOpen('listInvalid');
      // Every row was validated on its way in.
      return [];
    },
    async count(filter) {
      assertOpen('count');
      return countWhere(filter);
    },
    async close() {
      closed = true;
    },
  };
}
