import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/store/memory.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { makeInstallation, tombstoneOf } from '../test/support/store/installations.ts';
import { runInstallationsCli } from './installations.ts';

async function run(args: string[], store = createMemoryStore([makeInstallation('a')])) {
  const out: string[] = [];
  const err: string[] = [];
  // The CLI closes what it opens: hand it a view whose close() keeps the store for the test's next run.
  const code = await runInstallationsCli(args, { env: {}, out: (l) => out.push(l), err: (l) => err.push(l), openStore: () => ({ ...store, close: async () => {} }) });
  return { code, out: out.join('\n'), err: err.join('\n'), store };
}

describe('npm run installations', () => {
  it('lists each installation with its state, its origin and its secret redacted', async () => {
    const rows = [
      makeInstallation('a'),
      makeInstallation('b', { state: 'pending', origin: 'simulated' }),
      tombstoneOf(makeInstallation('c')),
    ];
    const { code, out } = await run([], createMemoryStore(rows));
    expect(code).toBe(0);
    for (const row of rows) {
      expect(out).toContain(row.clientKey);
      expect(out, 'the secret is shown as a prefix and a length, never whole').not.toContain(row.sharedSecret);
    }
    expect(out).toContain(`(${rows[0]!.sharedSecret.length} chars)`);
    expect(out).toContain('active, from real Bitbucket');
    expect(out).toContain("pending (a first install not proven yet: it serves nothing), from the lab's simulated Bitbucket");
    expect(out).toContain('uninstalled (a tombstone: only its last secret is kept');
    expect(out).toContain('uninstalled 2024-06-01T10:00:00.000Z');
  });

  it('lists the valid rows of a store on disk and names the invalid one, with what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'installations-cli-'));
    const seed = openSqliteStore({ dataDir });
    await seed.save(makeInstallation('a'));
    await seed.save(makeInstallation('broken'));
    await seed.close();
    const raw = new Database(join(dataDir, 'installations.db'));
    raw.prepare("UPDATE installations SET base_url = 'nope' WHERE client_key = ?").run(makeInstallation('broken').clientKey);
    raw.close();
    const out: string[] = [];
    const err: string[] = [];
    const code = await runInstallationsCli([], { env: { DATA_DIR: dataDir }, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(makeInstallation('a').clientKey);
    expect(out.join('\n')).not.toContain(makeInstallation('broken').clientKey);
    expect(err.join('\n')).toContain(`Invalid row ${makeInstallation('broken').clientKey}: baseUrl`);
    expect(err.join('\n')).toContain(`npm run installations -- delete ${makeInstallation('broken').clientKey}`);
  });

  it('deletes one installation by clientKey, and only that one, from the store on disk', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'installations-cli-'));
    const seed = openSqliteStore({ dataDir });
    await seed.save(makeInstallation('a'));
    await seed.save(makeInstallation('b'));
    await seed.close();
    const code = await runInstallationsCli(['delete', makeInstallation('a').clientKey], { env: { DATA_DIR: dataDir }, out: () => {}, err: () => {} });
    expect(code).toBe(0);
    const reopened = openSqliteStore({ dataDir });
    expect((await reopened.list()).map((i) => i.clientKey)).toEqual([makeInstallation('b').clientKey]);
    await reopened.close();
  });

  it('purges a tombstone by clientKey, and refuses (exit 1) to purge one that is not uninstalled', async () => {
    const store = createMemoryStore([makeInstallation('a'), tombstoneOf(makeInstallation('t'))]);
    const refused = await run(['purge', makeInstallation('a').clientKey], store);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is active, not uninstalled');
    expect(refused.err).toContain('-- delete');
    const purged = await run(['purge', makeInstallation('t').clientKey], store);
    expect(purged.code).toBe(0);
    expect(purged.out).toContain('Purged the tombstone');
    expect((await store.list()).map((i) => i.clientKey)).toEqual([makeInstallation('a').clientKey]);
  });

  it('purges every tombstone with --tombstones, and nothing else', async () => {
    const store = createMemoryStore([makeInstallation('a'), tombstoneOf(makeInstallation('t1')), tombstoneOf(makeInstallation('t2')), makeInstallation('p', { state: 'pending' })]);
    const { code, out } = await run(['purge', '--tombstones'], store);
    expect(code).toBe(0);
    expect(out).toContain('Purged 2 tombstones');
    expect((await store.list()).map((i) => i.state).sort()).toEqual(['active', 'pending']);
  });

  it('exits 1 naming the clientKey when there is nothing to delete or purge', async () => {
    for (const command of ['delete', 'purge']) {
      const { code, err } = await run([command, 'ari:nope']);
      expect(code).toBe(1);
      expect(err).toContain('ari:nope');
    }
  });

  it.each([[['frob']], [['delete']], [['list', 'extra']], [['purge']], [['purge', '--all']], [['purge', 'x', 'y']]])('exits 2 with the usage for %j', async (args) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain('Usage');
    expect(err).toContain('purge --tombstones');
  });
});
