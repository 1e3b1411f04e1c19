import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { makeInstallation } from '../src/store/test-fixtures/installations.ts';
import { runInstallationsCli } from './installations.ts';

async function run(args: string[], store = createMemoryStore([makeInstallation('a')])) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInstallationsCli(args, { env: {}, out: (l) => out.push(l), err: (l) => err.push(l), openStore: () => store });
  return { code, out: out.join('\n'), err: err.join('\n'), store };
}

describe('npm run installations', () => {
  it('lists each installation with its secret redacted', async () => {
    const installation = makeInstallation('a');
    const { code, out } = await run([], createMemoryStore([installation]));
    expect(code).toBe(0);
    expect(out).toContain(installation.clientKey);
    expect(out, 'the secret is shown as a prefix and a length, never whole').not.toContain(installation.sharedSecret);
    expect(out).toContain(`(${installation.sharedSecret.length} chars)`);
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

  it('exits 1 naming the clientKey when there is nothing to delete', async () => {
    const { code, err } = await run(['delete', 'ari:nope']);
    expect(code).toBe(1);
    expect(err).toContain('ari:nope');
  });

  it.each([[['frob']], [['delete']], [['list', 'extra']]])('exits 2 with the usage for %j', async (args) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain('Usage');
  });
});
