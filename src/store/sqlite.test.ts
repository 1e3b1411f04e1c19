import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection, thrown } from '../../test/support/caught.ts';
import { startFixture } from '../../test/support/store/child.ts';
import { describeStoreContract } from '../../test/support/store/contract.ts';
import { isConsistentVariant, makeInstallation, makeVariant } from '../../test/support/store/installations.ts';
import { isLabError } from '../errors.ts';
import { StoreVersionError, StoredInstallationInvalidError } from './errors.ts';
import type { InstallationStore } from './installation.ts';
import { fixtureUuid } from './simulated-accounts.ts';
import { SCHEMA_VERSION, openSqliteStore } from './sqlite.ts';

const tempDirs: string[] = [];
const stores: InstallationStore[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-grant-lab-store-'));
  tempDirs.push(dir);
  return dir;
}

function open(dataDir: string, options: { fileName?: string; busyTimeoutMs?: number } = {}): InstallationStore {
  const store = openSqliteStore({ dataDir, ...options });
  stores.push(store);
  return store;
}

/** A second, raw connection: how another process (or a person with the sqlite3 shell) sees the file. */
function raw(file: string, options: Database.Options = {}): Database.Database {
  return new Database(file, options);
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('SQLite store', () => open(tempDir()));

describe('openSqliteStore: the file', () => {
  it('creates a missing data directory 0700 and the database, -wal and -shm files 0600', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const store = open(dataDir);
    await store.save(makeInstallation('a'));
    const file = join(dataDir, 'installations.db');
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
  });

  it('takes group and other access away from an existing database file', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    await open(dataDir).close();
    chmodSync(file, 0o644);
    await open(dataDir).save(makeInstallation('a'));
    expect(mode(file)).toBe(0o600);
  });

  it('uses WAL, and the versioned schema with one column per field', async () => {
    const dataDir = tempDir();
    open(dataDir);
    const db = raw(join(dataDir, 'installations.db'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const columns = (db.pragma('table_info(installations)') as { name: string; pk: number }[]).map((c) => c.name);
      expect(columns).toStrictEqual([
        'client_key', 'key', 'shared_secret', 'base_url', 'base_api_url', 'product_type',
        'principal_json', 'scopes_json', 'installed_at', 'updated_at', 'state', 'origin', 'uninstalled_at',
      ]);
    } finally {
      db.close();
    }
  });

  it('keeps installations across close and reopen', async () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    await first.save(makeInstallation('a'));
    await first.save(makeInstallation('b'));
    await first.delete(makeInstallation('b').clientKey);
    await first.close();
    expect(await open(dataDir).list()).toStrictEqual([makeInstallation('a')]);
  });

  it('uses the file name given', async () => {
    const dataDir = tempDir();
    await open(dataDir, { fileName: 'other.db' }).save(makeInstallation('a'));
    expect(existsSync(join(dataDir, 'other.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'installations.db'))).toBe(false);
  });
});

describe('openSqliteStore: what it refuses', () => {
  it('a database from a newer release: ERR_STORE_VERSION, leaving the file untouched', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    await open(dataDir).save(makeInstallation('a'));
    await stores.pop()!.close();
    const db = raw(file);
    // Out of WAL, so that even switching the journal mode would show as a change to the file.
    db.pragma('journal_mode = DELETE');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = sha256(file);

    const error = thrown(() => open(dataDir));
    expect(error).toBeInstanceOf(StoreVersionError);
    expect(error).toMatchObject({ code: 'ERR_STORE_VERSION', found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION });
    expect((error as Error).message).toContain('newer release');
    expect(sha256(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a file that is not a database: ERR_STORE_CORRUPT saying to move it aside and re-install', () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    const before = sha256(file);
    const error = thrown(() => open(dataDir));
    expect(isLabError(error, 'ERR_STORE_CORRUPT')).toBe(true);
    expect(error).toMatchObject({ file, lesson: 2 });
    expect((error as Error).message).toMatch(/move the file aside.*install the app again/s);
    expect(sha256(file)).toBe(before);
  });

  it('a damaged database: ERR_STORE_CORRUPT', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    const store = open(dataDir);
    for (let n = 0; n < 20; n++) await store.save(makeInstallation(`a${n}`));
    await stores.pop()!.close();
    const bytes = readFileSync(file);
    // Page 2 holds the installations table: overwrite it with garbage.
    bytes.fill(0xa5, 4096 + 8, 8192);
    writeFileSync(file, bytes);
    expect(isLabError(thrown(() => open(dataDir)), 'ERR_STORE_CORRUPT')).toBe(true);
  });

  it('a database whose tables do not match its version: ERR_STORE_CORRUPT', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    await open(dataDir).close();
    const db = raw(file);
    db.exec('DROP TABLE installations');
    db.close();
    const error = thrown(() => open(dataDir));
    expect(isLabError(error, 'ERR_STORE_CORRUPT')).toBe(true);
    expect((error as Error).message).toContain('schema version');
  });

  it('a data directory below a file: ERR_STORE_UNWRITABLE naming the path and DATA_DIR', () => {
    const parent = join(tempDir(), 'a-file');
    writeFileSync(parent, 'x');
    const error = thrown(() => open(join(parent, 'data')));
    expect(isLabError(error, 'ERR_STORE_UNWRITABLE')).toBe(true);
    expect((error as Error).message).toContain(join(parent, 'data'));
    expect((error as Error).message).toContain('DATA_DIR');
  });

  it('a data directory that is a file: ERR_STORE_UNWRITABLE', () => {
    const path = join(tempDir(), 'a-file');
    writeFileSync(path, 'x');
    expect(isLabError(thrown(() => open(path)), 'ERR_STORE_UNWRITABLE')).toBe(true);
  });

  it('a database path that is a directory: ERR_STORE_CORRUPT', () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'installations.db'));
    expect(isLabError(thrown(() => open(dataDir)), 'ERR_STORE_CORRUPT')).toBe(true);
  });

  it.each([
    [{ dataDir: '' }],
    [{ dataDir: 'x', fileName: '../escape.db' }],
    [{ dataDir: 'x', fileName: 'sub/installations.db' }],
    [{ dataDir: 'x', fileName: '..' }],
    [{ dataDir: 'x', busyTimeoutMs: -1 }],
    [{ dataDir: 'x', busyTimeoutMs: 1.5 }],
  ])('options it cannot use (%j): ERR_STORE_OPTIONS', (options) => {
    expect(isLabError(thrown(() => openSqliteStore(options)), 'ERR_STORE_OPTIONS')).toBe(true);
  });
});

describe('openSqliteStore: rows edited by hand', () => {
  async function storeWithEditedRow(sql: string): Promise<{ store: InstallationStore; clientKey: string }> {
    const dataDir = tempDir();
    const first = open(dataDir);
    const installation = makeInstallation('edited');
    await first.save(installation);
    await first.save(makeInstallation('fine'));
    const db = raw(join(dataDir, 'installations.db'));
    db.prepare(sql).run(installation.clientKey);
    db.close();
    return { store: first, clientKey: installation.clientKey };
  }

  it.each([
    ['principal_json that is not JSON', "UPDATE installations SET principal_json = '{oops' WHERE client_key = ?", 'principal_json'],
    ['a base_url that is not a URL', "UPDATE installations SET base_url = 'bitbucket' WHERE client_key = ?", 'baseUrl'],
    ['an empty shared_secret', "UPDATE installations SET shared_secret = '' WHERE client_key = ?", 'sharedSecret'],
    ['scopes_json that is not a list', "UPDATE installations SET scopes_json = '\"account\"' WHERE client_key = ?", 'scopes'],
    ['a tombstone that kept its principal', "UPDATE installations SET state = 'uninstalled' WHERE client_key = ?", 'uninstalledAt'],
  ])('%s: get fails with ERR_STORE_INVALID_ROW naming the clientKey; list leaves it out, listInvalid names it', async (_what, sql, field) => {
    const { store, clientKey } = await storeWithEditedRow(sql);
    const error = await rejection(store.get(clientKey));
    expect(error).toBeInstanceOf(StoredInstallationInvalidError);
    expect(error).toMatchObject({ code: 'ERR_STORE_INVALID_ROW', clientKey });
    expect((error as Error).message).toContain(clientKey);
    expect((error as Error).message).toContain(field);
    expect((error as Error).message).toContain('npm run installations -- delete');
    expect(await store.get(makeInstallation('fine').clientKey)).toStrictEqual(makeInstallation('fine'));
    expect(await store.list(), 'one bad row never fails the whole list').toStrictEqual([makeInstallation('fine')]);
    const invalid = await store.listInvalid();
    expect(invalid.map((row) => row.clientKey)).toStrictEqual([clientKey]);
    expect(invalid[0]!.problems.join('; ')).toContain(field);
    expect(await store.count(), 'count counts rows, valid or not').toBe(2);
  });

  it('the bad row can be deleted, after which the store reads fine', async () => {
    const { store, clientKey } = await storeWithEditedRow(
      "UPDATE installations SET installed_at = 'last tuesday' WHERE client_key = ?",
    );
    expect(await store.delete(clientKey)).toBe(true);
    expect(await store.list()).toStrictEqual([makeInstallation('fine')]);
  });
});

describe('openSqliteStore: a database of schema version 1', () => {
  /** The table as release 1 created it, with rows as release 1 wrote them. */
  function versionOneDatabase(dataDir: string, rows: ReturnType<typeof makeInstallation>[]): void {
    const db = raw(join(dataDir, 'installations.db'));
    db.exec(`CREATE TABLE installations (
       client_key TEXT NOT NULL PRIMARY KEY, key TEXT NOT NULL, shared_secret TEXT NOT NULL, base_url TEXT NOT NULL,
       base_api_url TEXT NOT NULL, product_type TEXT NOT NULL, principal_json TEXT, scopes_json TEXT,
       installed_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT, WITHOUT ROWID`);
    const insert = db.prepare('INSERT INTO installations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const i of rows) {
      insert.run(i.clientKey, i.key, i.sharedSecret, i.baseUrl, i.baseApiUrl, i.productType,
        i.principal === undefined ? null : JSON.stringify(i.principal), i.scopes === undefined ? null : JSON.stringify(i.scopes), i.installedAt, i.updatedAt);
    }
    db.pragma('user_version = 1');
    db.close();
  }

  it('is migrated on open: every row active, its origin guessed from its account, nothing else changed', async () => {
    const dataDir = tempDir();
    const uuid = fixtureUuid('workspace:teamsinspace');
    const real = makeInstallation('real');
    const simulated = makeInstallation('sim', {
      clientKey: `ari:cloud:bitbucket::app/${uuid}/jwt-grant-tutorial`,
      principal: { type: 'team', uuid, username: 'teamsinspace', display_name: 'Teams in Space' },
    });
    const unreadable = makeInstallation('unreadable');
    versionOneDatabase(dataDir, [real, simulated, unreadable]);
    const db = raw(join(dataDir, 'installations.db'));
    db.prepare("UPDATE installations SET principal_json = '{oops' WHERE client_key = ?").run(unreadable.clientKey);
    db.close();

    const store = open(dataDir);
    expect(await store.get(real.clientKey)).toStrictEqual({ ...real, state: 'active', origin: 'bitbucket' });
    expect(await store.get(simulated.clientKey)).toStrictEqual({ ...simulated, state: 'active', origin: 'simulated' });
    expect((await store.listInvalid()).map((row) => row.clientKey), 'an unreadable row is kept, and named').toStrictEqual([unreadable.clientKey]);
    const check = raw(join(dataDir, 'installations.db'), { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(check.prepare('SELECT origin FROM installations WHERE client_key = ?').pluck().get(unreadable.clientKey), 'when in doubt, real').toBe('bitbucket');
    } finally {
      check.close();
    }
  });

  it('refuses a state or origin that is not one at the database itself (CHECK)', async () => {
    const dataDir = tempDir();
    await open(dataDir).save(makeInstallation('a'));
    const db = raw(join(dataDir, 'installations.db'));
    try {
      expect(() => db.prepare("UPDATE installations SET state = 'paused'").run()).toThrow(/CHECK/);
      expect(() => db.prepare("UPDATE installations SET origin = 'elsewhere'").run()).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });
});

describe('openSqliteStore: sharing the file', () => {
  it('reads while another connection holds the write lock, and a write waiting too long fails with ERR_STORE_BUSY', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    const store = open(dataDir, { busyTimeoutMs: 0 });
    await store.save(makeInstallation('a'));
    const other = raw(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(await store.get(makeInstallation('a').clientKey)).toStrictEqual(makeInstallation('a'));
      const error = await rejection(store.save(makeInstallation('b')));
      expect(isLabError(error, 'ERR_STORE_BUSY')).toBe(true);
      expect((error as Error).message).toContain(file);
      expect(isLabError(await rejection(store.create(makeInstallation('b'))), 'ERR_STORE_BUSY')).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await store.save(makeInstallation('b'));
    expect(await store.list()).toHaveLength(2);
  });

  it('two processes writing at once: every row of both is there', async () => {
    const dataDir = tempDir();
    const count = 150;
    const store = open(dataDir);
    const child = startFixture('writer.ts', ['rows', dataDir, 'child', String(count)]);
    await child.waitForLine('ready');
    child.process.stdin!.end('go\n');
    for (let n = 0; n < count; n++) await store.save(makeInstallation(`parent-${n}`));
    const { code, stderr } = await child.exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);

    const keys = new Set((await store.list()).map((i) => i.clientKey));
    expect(keys.size).toBe(2 * count);
    for (let n = 0; n < count; n++) {
      expect(keys.has(makeInstallation(`child-${n}`).clientKey)).toBe(true);
      expect(keys.has(makeInstallation(`parent-${n}`).clientKey)).toBe(true);
    }
  });

  it('several processes creating the same new database at once all get a working store', async () => {
    const dataDir = join(tempDir(), 'fresh');
    const writers = ['w0', 'w1', 'w2', 'w3'].map((name) => startFixture('writer.ts', ['rows', dataDir, name, '30']));
    await Promise.all(writers.map((writer) => writer.waitForLine('ready')));
    for (const writer of writers) writer.process.stdin!.end('go\n');
    for (const writer of writers) expect(await writer.exited).toMatchObject({ code: 0, stderr: '' });
    expect(await open(dataDir).list()).toHaveLength(4 * 30);
  });

  it('two processes saving the same clientKey at once: one consistent row, first installedAt kept', async () => {
    const dataDir = tempDir();
    const count = 150;
    const store = open(dataDir);
    const original = makeInstallation('shared', { installedAt: '2020-01-01T00:00:00.000Z' });
    await store.save(original);
    const child = startFixture('writer.ts', ['same-key', dataDir, 'shared', String(count)]);
    await child.waitForLine('ready');
    child.process.stdin!.end('go\n');
    for (let n = 0; n < count; n++) {
      await store.save(makeVariant('shared', 'parent', n));
      const seen = await store.get(original.clientKey);
      expect(seen && isConsistentVariant(seen)).toBe(true);
    }
    expect((await child.exited).code).toBe(0);

    const rows = await store.list();
    expect(rows).toHaveLength(1);
    expect(isConsistentVariant(rows[0]!)).toBe(true);
    expect(rows[0]!.installedAt).toBe(original.installedAt);
  });

  it('two connections to one file: a create loses to the row the other created', async () => {
    const dataDir = tempDir();
    const [app, lesson] = [open(dataDir), open(dataDir)];
    const genuine = makeVariant('race', 'app', 1);
    expect(await app.create(genuine)).toBe(true);
    expect(await lesson.create(makeVariant('race', 'lesson', 2))).toBe(false);
    expect(await lesson.get(genuine.clientKey)).toStrictEqual(genuine);
  });

  it('two processes creating the same clientKeys at once: each key has exactly one winner, whose row is stored', async () => {
    const dataDir = tempDir();
    const count = 150;
    const store = open(dataDir);
    const child = startFixture('writer.ts', ['create', dataDir, 'race', String(count)]);
    await child.waitForLine('ready');
    child.process.stdin!.end('go\n');
    const won: boolean[] = [];
    for (let n = 0; n < count; n++) won.push(await store.create(makeVariant(`race-${n}`, 'parent', n)));
    const parentWins = won.filter(Boolean).length;
    // The child counts its own wins: together they must make exactly one per key.
    await child.waitForLine(`won ${count - parentWins}`);
    expect(await child.exited).toMatchObject({ code: 0, stderr: '' });

    const rows = await store.list();
    expect(rows).toHaveLength(count);
    for (let n = 0; n < count; n++) {
      const winner = won[n] ? 'parent' : 'child';
      expect(await store.get(makeVariant(`race-${n}`, winner, n).clientKey)).toStrictEqual(makeVariant(`race-${n}`, winner, n));
    }
  });

  it('two processes creating pending installations at once: never more than maxPending in all', async () => {
    const dataDir = tempDir();
    const store = open(dataDir);
    const child = startFixture('writer.ts', ['pending', dataDir, 'child', '40']);
    await child.waitForLine('ready');
    child.process.stdin!.end('go\n');
    let won = 0;
    for (let n = 0; n < 40; n++) {
      try {
        if (await store.create(makeInstallation(`parent-${n}`, { state: 'pending' }), { maxPending: 20 })) won++;
      } catch (error) {
        expect(isLabError(error, 'ERR_PENDING_LIMIT')).toBe(true);
      }
    }
    expect(await child.exited).toMatchObject({ code: 0, stderr: '' });
    expect(await store.count({ state: 'pending' })).toBe(20);
    expect(won).toBeLessThanOrEqual(20);
  });

  it('a process killed mid-transaction: the database opens, holds the previous state and passes integrity_check', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    const store = open(dataDir);
    const before = [makeInstallation('a'), makeInstallation('b'), makeInstallation('c')];
    for (const installation of before) await store.save(installation);

    const crasher = startFixture('crash.ts', [file, 'crash', '2000']);
    await crasher.waitForLine('in-transaction');
    // The uncommitted pages reached the -wal file: recovery has something to roll back.
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(100_000);
    crasher.process.kill('SIGKILL');
    expect((await crasher.exited).signal).toBe('SIGKILL');
    await stores.pop()!.close();

    const reopened = open(dataDir);
    expect(await reopened.list()).toStrictEqual(before);
    const db = raw(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('a writer killed at an arbitrary point leaves only whole, valid rows', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'installations.db');
    const writer = startFixture('writer.ts', ['forever', dataDir, 'killed']);
    await writer.waitForLine('ready');
    writer.process.stdin!.end('go\n');
    await writer.waitForLine('saved 50');
    writer.process.kill('SIGKILL');
    await writer.exited;

    // list() validates every row it reads.
    const rows = await open(dataDir).list();
    expect(rows.length).toBeGreaterThanOrEqual(50);
    for (const row of rows) expect(row).toStrictEqual(makeInstallation(/\{(killed-\d+)\}/.exec(row.clientKey)![1]!));
    const db = raw(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
