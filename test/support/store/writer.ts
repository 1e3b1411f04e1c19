/**
 * A second process writing to the same SQLite store, for the store's multi-process tests.
 *
 *   node --import tsx writer.ts rows <dataDir> <prefix> <count>      saves <count> distinct rows
 *   node --import tsx writer.ts same-key <dataDir> <id> <count>      saves <count> versions of one row
 *   node --import tsx writer.ts forever <dataDir> <prefix>           saves rows until killed
 *   node --import tsx writer.ts create <dataDir> <prefix> <count>    creates <count> rows, as writer "child"
 *   node --import tsx writer.ts pending <dataDir> <prefix> <count>   creates <count> pending rows, at most 20 pending in all
 *
 * Prints `ready` once the store is open, then waits for a line on stdin before writing, so the
 * test can start both writers together. Prints `saved <n>` after each save and `done` at the end;
 * `create` and `pending` print `won <k>` before `done`: how many of their creates answered true
 * (`pending` counts a refusal with ERR_PENDING_LIMIT as a loss).
 */
import { once } from 'node:events';
import { isLabError } from '../../../src/errors.ts';
import { openSqliteStore } from '../../../src/store/sqlite.ts';
import { makeInstallation, makeVariant } from './installations.ts';

const [mode, dataDir, name, rawCount] = process.argv.slice(2);
if (!mode || !dataDir || !name) throw new Error('usage: writer.ts <rows|same-key|forever|create|pending> <dataDir> <name> [count]');
const count = mode === 'forever' ? Number.POSITIVE_INFINITY : Number(rawCount);

const store = openSqliteStore({ dataDir });
process.stdout.write('ready\n');
await once(process.stdin, 'data');
if (mode === 'create') {
  let won = 0;
  for (let n = 0; n < count; n++) if (await store.create(makeVariant(`${name}-${n}`, 'child', n))) won++;
  process.stdout.write(`won ${won}\n`);
} else if (mode === 'pending') {
  let won = 0;
  for (let n = 0; n < count; n++) {
    try {
      if (await store.create(makeInstallation(`${name}-${n}`, { state: 'pending' }), { maxPending: 20 })) won++;
    } catch (error) {
      if (!isLabError(error, 'ERR_PENDING_LIMIT')) throw error;
    }
  }
  process.stdout.write(`won ${won}\n`);
} else {
  for (let n = 0; n < count; n++) {
    await store.save(mode === 'same-key' ? makeVariant(name, 'child', n) : makeInstallation(`${name}-${n}`));
    process.stdout.write(`saved ${n + 1}\n`);
  }
}
await store.close();
process.stdout.write('done\n');
