import { accessSync, chmodSync, closeSync, constants, fchmodSync, openSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateDir } from '../fs/private-files.ts';
import { isLabError } from '../errors.ts';
import {
  StoreBusyError,
  StoreClosedError,
  StoreCorruptError,
  StoreOptionsError,
  StoreUnwritableError,
  StoredInstallationInvalidError,
  InvalidInstallationError,
  StoreVersionError,
} from './errors.ts';
import type { Installation, InstallationStore } from './installation.ts';
import { checkInstallation } from './validate.ts';

/**
 * The schema, one step a release. Entry `i` takes a database from `PRAGMA user_version` `i` to
 * `i + 1`; a later release appends (never edits) entries, and every database catches up on open.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE installations (
     client_key     TEXT NOT NULL PRIMARY KEY,
     key            TEXT NOT NULL,
     shared_secret  TEXT NOT NULL,
     base_url       TEXT NOT NULL,
     base_api_url   TEXT NOT NULL,
     product_type   TEXT NOT NULL,
     principal_json TEXT,
     scopes_json    TEXT,
     installed_at   TEXT NOT NULL,
     updated_at     TEXT NOT NULL
   ) STRICT, WITHOUT ROWID`,
];

/**
 * The schema version this code writes and reads (`PRAGMA user_version`). A database with a higher
 * one came from a newer release and is refused with `ERR_STORE_VERSION`, never rewritten.
 *
 * @example
 * db.pragma('user_version', { simple: true }) === SCHEMA_VERSION
 */
export const SCHEMA_VERSION = MIGRATIONS.length;

const DEFAULT_FILE_NAME = 'installations.db';
/** Long enough to wait out another process's write (they take milliseconds), short enough to report a stuck lock. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const MAX_BUSY_TIMEOUT_MS = 600_000;

/**
 * Options of {@link openSqliteStore}.
 *
 * @example
 * const options: SqliteStoreOptions = { dataDir: config.dataDir, busyTimeoutMs: 10_000 }
 */
export interface SqliteStoreOptions {
  /** The directory that holds the database; created with mode 0700 when missing. Usually `config.dataDir`. */
  dataDir: string;
  /** The database file's name inside `dataDir`. Default `installations.db`. */
  fileName?: string;
  /** How long a write waits for another process's lock before failing with `ERR_STORE_BUSY`. Default 5000. */
  busyTimeoutMs?: number;
}

interface Row {
  client_key: string;
  key: string;
  shared_secret: string;
  base_url: string;
  base_api_url: string;
  product_type: string;
  principal_json: string | null;
  scopes_json: string | null;
  installed_at: string;
  updated_at: string;
}

type SqliteDatabase = InstanceType<typeof Database>;

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** File-system failures that mean "cannot write here", with what to tell the reader. */
const UNWRITABLE_FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'it exists and is not a directory',
};

/**
 * Turns what better-sqlite3 or `node:fs` threw into the store's typed errors. Anything it does not
 * recognise is returned unchanged: better an honest unknown error than a misleading known one.
 */
function toStoreError(error: unknown, path: string, busyTimeoutMs: number): unknown {
  if (isLabError(error)) return error;
  const code = errorCode(error);
  if (code in UNWRITABLE_FS_REASONS) {
    return new StoreUnwritableError(path, UNWRITABLE_FS_REASONS[code]!, { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreBusyError(path, busyTimeoutMs, { cause: error });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreCorruptError(path, errorMessage(error), { cause: error });
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_FULL'
  ) {
    return new StoreUnwritableError(path, `${errorMessage(error)} (${code})`, { cause: error });
  }
  return error;
}

function checkOptions(options: SqliteStoreOptions): Required<SqliteStoreOptions> {
  const { dataDir, fileName = DEFAULT_FILE_NAME, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS } = options;
  if (typeof dataDir !== 'string' || dataDir.trim() === '') {
    throw new StoreOptionsError('openSqliteStore needs a dataDir: pass config.dataDir (DATA_DIR, default .data).');
  }
  // A bare name keeps the database inside dataDir, whose 0700 mode is part of protecting it.
  if (basename(fileName) !== fileName || fileName === '.' || fileName === '..' || fileName.includes('\0')) {
    throw new StoreOptionsError(
      `fileName ${JSON.stringify(fileName)} must be a bare file name such as "${DEFAULT_FILE_NAME}"; put the directory in dataDir.`,
    );
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0 || busyTimeoutMs > MAX_BUSY_TIMEOUT_MS) {
    throw new StoreOptionsError(`busyTimeoutMs must be a whole number of milliseconds from 0 to ${MAX_BUSY_TIMEOUT_MS}.`);
  }
  return { dataDir, fileName, busyTimeoutMs };
}

/** Creates the data directory owner-only (it holds shared secrets) and checks we can create files in it. */
function ensureDataDir(dir: string): void {
  try {
    ensurePrivateDir(dir);
    if (!statSync(dir).isDirectory()) throw new StoreUnwritableError(dir, UNWRITABLE_FS_REASONS.EEXIST!);
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw toStoreError(error, dir, 0);
  }
}

/** Removes group and other permissions, if any: the file holds shared secrets. */
function makeOwnerOnly(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if ((mode & 0o077) !== 0) chmodSync(path, mode & 0o700);
}

/**
 * Creates the database file with mode 0600 before SQLite opens it; SQLite then gives its -wal and
 * -shm files the database file's mode. An existing file keeps its owner bits but loses group and
 * other access.
 */
function ensureDatabaseFile(file: string): void {
  try {
    try {
      const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      try {
        fchmodSync(fd, 0o600);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    if (!statSync(file).isFile()) throw new StoreCorruptError(file, 'it is not a regular file');
    for (const path of [file, `${file}-wal`, `${file}-shm`]) makeOwnerOnly(path);
  } catch (error) {
    throw toStoreError(error, file, 0);
  }
}

function readVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Checks the file, then brings its schema up to {@link SCHEMA_VERSION}. */
function prepareDatabase(db: SqliteDatabase, file: string): void {
  // The first read of the file: a file that is not a database fails here (SQLITE_NOTADB).
  const version = readVersion(db);
  // Before any write, so a newer release's database is left exactly as it was.
  if (version > SCHEMA_VERSION) throw new StoreVersionError(file, version, SCHEMA_VERSION);
  const check = db.pragma('quick_check') as { quick_check: string }[];
  if (check.length !== 1 || check[0]?.quick_check !== 'ok') {
    throw new StoreCorruptError(file, `quick_check: ${check.map((row) => row.quick_check).slice(0, 3).join('; ')}`);
  }
  // WAL: readers never block the writer, so the app and a lesson script can share the file.
  db.pragma('journal_mode = WAL');
  // WAL's default (NORMAL) may lose the last commits on power loss; an install must not be lost.
  db.pragma('synchronous = FULL');
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Another process may have migrated while this one waited for the write lock.
    const current = readVersion(db);
    if (current > SCHEMA_VERSION) throw new StoreVersionError(file, current, SCHEMA_VERSION);
    for (const migration of MIGRATIONS.slice(current)) db.exec(migration);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function toRow(installation: Installation): Row {
  return {
    client_key: installation.clientKey,
    key: installation.key,
    shared_secret: installation.sharedSecret,
    base_url: installation.baseUrl,
    base_api_url: installation.baseApiUrl,
    product_type: installation.productType,
    principal_json: installation.principal === undefined ? null : JSON.stringify(installation.principal),
    scopes_json: installation.scopes === undefined ? null : JSON.stringify(installation.scopes),
    installed_at: installation.installedAt,
    updated_at: installation.updatedAt,
  };
}

function parseJsonColumn(value: string | null, column: string, problems: string[]): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    problems.push(`${column}: is not valid JSON`);
    return undefined;
  }
}

function fromRow(row: Row, file: string): Installation {
  const problems: string[] = [];
  const principal = parseJsonColumn(row.principal_json, 'principal_json', problems);
  const scopes = parseJsonColumn(row.scopes_json, 'scopes_json', problems);
  const check = checkInstallation({
    clientKey: row.client_key,
    key: row.key,
    sharedSecret: row.shared_secret,
    baseUrl: row.base_url,
    baseApiUrl: row.base_api_url,
    productType: row.product_type,
    principal,
    scopes,
    installedAt: row.installed_at,
    updatedAt: row.updated_at,
  });
  if (!check.ok) problems.push(...check.problems);
  if (!check.ok || problems.length > 0) {
    throw new StoredInstallationInvalidError(file, String(row.client_key), problems);
  }
  return check.installation;
}

/**
 * Opens (creating if needed) the installation store: one SQLite file in `dataDir`.
 *
 * Why a file and not memory: the store is what makes re-installs safe (docs/protocol.md §6). Anyone can
 * POST an `installed` payload; the app trusts the first install of a clientKey and, from then on,
 * accepts a re-install only when it is signed with the stored sharedSecret. An app that forgets its
 * installations on restart treats every re-install as a trusted "first" one, so anybody can
 * replace the secret and act as the workspace. Hence WAL with `synchronous = FULL`, a transaction
 * for every write (a crash mid-write leaves the previous state), a versioned schema, and
 * owner-only files (0700 directory, 0600 database, -wal and -shm).
 *
 * Two processes (the app server and a lesson script) may use the file at once: a writer waits up
 * to `busyTimeoutMs` for the other's lock. `create` inserts only a clientKey not yet stored, so
 * of two processes' racing first installs exactly one wins; `save` upserts and keeps the first
 * `installedAt`; `list` orders by clientKey; rows are validated when read, so a hand-edited row
 * fails with `ERR_STORE_INVALID_ROW` naming its clientKey.
 *
 * @throws {StoreUnwritableError} `ERR_STORE_UNWRITABLE`: the directory or file cannot be written.
 * @throws {StoreCorruptError} `ERR_STORE_CORRUPT`: the file is not a SQLite database, or is damaged.
 * @throws {StoreVersionError} `ERR_STORE_VERSION`: the file comes from a newer release (left untouched).
 * @throws {StoreBusyError} `ERR_STORE_BUSY`: another process held the lock longer than `busyTimeoutMs`.
 * @throws {StoreOptionsError} `ERR_STORE_OPTIONS`: unusable options.
 *
 * @example
 * const store = openSqliteStore({ dataDir: config.dataDir })
 * await store.create(installation) // true; false had another process installed it first
 * await store.get(installation.clientKey)
 * await store.close()
 */
export function openSqliteStore(options: SqliteStoreOptions): InstallationStore {
  const { dataDir, fileName, busyTimeoutMs } = checkOptions(options);
  const dir = resolve(dataDir);
  const file = join(dir, fileName);
  ensureDataDir(dir);
  ensureDatabaseFile(file);

  let db: SqliteDatabase;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw toStoreError(error, file, busyTimeoutMs);
  }
  let statements: ReturnType<typeof prepareStatements>;
  try {
    prepareDatabase(db, file);
    statements = prepareStatements(db, file);
  } catch (error) {
    db.close();
    throw toStoreError(error, file, busyTimeoutMs);
  }
  const { select, selectAll, insertNew, upsert, remove } = statements;
  // IMMEDIATE takes the write lock up front, so a writer waits (busy_timeout) rather than failing
  // half-way when another process wrote in between.
  const createRow = db.transaction((row: Row) => insertNew.run(row).changes > 0).immediate;
  const saveRow = db.transaction((row: Row) => upsert.run(row)).immediate;
  const deleteRow = db.transaction((clientKey: string) => remove.run(clientKey).changes > 0).immediate;
  let closed = false;

  function run<T>(operation: string, body: () => T): T {
    if (closed) throw new StoreClosedError(operation);
    try {
      return body();
    } catch (error) {
      throw toStoreError(error, file, busyTimeoutMs);
    }
  }

  function checkedRow(installation: Installation): Row {
    const check = checkInstallation(installation);
    if (!check.ok) {
      throw new InvalidInstallationError((installation as { clientKey?: unknown })?.clientKey, check.problems);
    }
    return toRow(check.installation);
  }

  return {
    async get(clientKey) {
      return run('get', () => {
        const row = select.get(clientKey) as Row | undefined;
        return row && fromRow(row, file);
      });
    },
    async create(installation) {
      return run('create', () => createRow(checkedRow(installation)));
    },
    async save(installation) {
      run('save', () => saveRow(checkedRow(installation)));
    },
    async delete(clientKey) {
      return run('delete', () => deleteRow(clientKey));
    },
    async list() {
      return run('list', () => (selectAll.all() as Row[]).map((row) => fromRow(row, file)));
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** Prepared once; a schema that does not match its version (hand-edited) fails here, at open. */
function prepareStatements(db: SqliteDatabase, file: string) {
  const columns =
    'client_key, key, shared_secret, base_url, base_api_url, product_type, principal_json, scopes_json, installed_at, updated_at';
  try {
    return {
      select: db.prepare(`SELECT ${columns} FROM installations WHERE client_key = ?`),
      selectAll: db.prepare(`SELECT ${columns} FROM installations ORDER BY client_key`),
      // A first install: the row that is already there, from this or another process, wins.
      insertNew: db.prepare(
        `INSERT INTO installations (${columns})
         VALUES (@client_key, @key, @shared_secret, @base_url, @base_api_url, @product_type,
                 @principal_json, @scopes_json, @installed_at, @updated_at)
         ON CONFLICT (client_key) DO NOTHING`,
      ),
      // Keeps installed_at: a re-install updates the secret, not when the app was first installed.
      upsert: db.prepare(
        `INSERT INTO installations (${columns})
         VALUES (@client_key, @key, @shared_secret, @base_url, @base_api_url, @product_type,
                 @principal_json, @scopes_json, @installed_at, @updated_at)
         ON CONFLICT (client_key) DO UPDATE SET
           key = excluded.key, shared_secret = excluded.shared_secret, base_url = excluded.base_url,
           base_api_url = excluded.base_api_url, product_type = excluded.product_type,
           principal_json = excluded.principal_json, scopes_json = excluded.scopes_json,
           updated_at = excluded.updated_at`,
      ),
      remove: db.prepare('DELETE FROM installations WHERE client_key = ?'),
    };
  } catch (error) {
    if (isLabError(error) || !(error instanceof Database.SqliteError) || errorCode(error) !== 'SQLITE_ERROR') throw error;
    throw new StoreCorruptError(file, `its tables do not match schema version ${SCHEMA_VERSION}: ${error.message}`, {
      cause: error,
    });
  }
}
