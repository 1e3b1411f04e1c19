/**
 * Begins a large write transaction on the store's database and never commits it: the test kills
 * this process with SIGKILL once it prints `in-transaction`.
 *
 *   node --import tsx crash.ts <database file> <prefix> <count>
 *
 * A tiny page cache makes SQLite spill the uncommitted pages into the -wal file before the kill,
 * so recovery really has uncommitted frames to ignore.
 */
import Database from 'better-sqlite3';

const [file, prefix, rawCount] = process.argv.slice(2);
if (!file || !prefix || !rawCount) throw new Error('usage: crash.ts <database file> <prefix> <count>');

const db = new Database(file, { timeout: 5000 });
db.pragma('cache_size = 8');
db.exec('BEGIN IMMEDIATE');
const insert = db.prepare(
  `INSERT INTO installations (client_key, key, shared_secret, base_url, base_api_url, product_type,
     principal_json, scopes_json, installed_at, updated_at)
   VALUES (?, 'crash', ?, 'https://bitbucket.org', 'https://api.bitbucket.org', 'bitbucket', NULL, NULL,
     '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`,
);
for (let n = 0; n < Number(rawCount); n++) insert.run(`${prefix}-${n}`, `crash-secret-${n}-${'x'.repeat(400)}`);
// Also remove and change rows committed before: after the crash they must be back as they were.
const before = `${prefix}-%`;
db.prepare(
  'DELETE FROM installations WHERE client_key = (SELECT MIN(client_key) FROM installations WHERE client_key NOT LIKE ?)',
).run(before);
db.prepare("UPDATE installations SET shared_secret = 'overwritten-by-crash' WHERE client_key NOT LIKE ?").run(before);
process.stdout.write('in-transaction\n');
// Hold the transaction open until killed.
setInterval(() => undefined, 60_000);
