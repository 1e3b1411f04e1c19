/**
 * `npm run installations`: what the app has stored, and ways to forget what it should not keep.
 *
 *   npm run installations                           list them: state, origin, workspace, secret as a
 *                                                   prefix and a length; rows that fail validation named
 *   npm run installations -- delete <clientKey>     forget one, whatever its state: e.g. a stored secret
 *                                                   that is no longer the one Bitbucket last sent, which
 *                                                   now refuses every re-install
 *   npm run installations -- purge <clientKey>      forget one tombstone (an uninstalled installation's
 *                                                   last secret); Bitbucket's next install is then taken
 *                                                   for a first install, and proven
 *   npm run installations -- purge --tombstones     forget every tombstone
 *
 * Reads `DATA_DIR` like the app. Exit codes: 0 done, 1 no such installation (or not a tombstone)
 * or the store failed, 2 usage or configuration error.
 */
import { ConfigError, loadConfig } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';
import { redactSecret } from '../src/redact.ts';
import type { Installation, InstallationStore } from '../src/store/installation.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';

const USAGE = 'Usage: npm run installations [-- delete <clientKey> | purge <clientKey> | purge --tombstones]';

const STATE: Record<Installation['state'], string> = {
  active: 'active',
  pending: 'pending (a first install not proven yet: it serves nothing)',
  uninstalled: 'uninstalled (a tombstone: only its last secret is kept, to check the next install)',
};

const ORIGIN: Record<Installation['origin'], string> = {
  bitbucket: 'from real Bitbucket',
  simulated: "from the lab's simulated Bitbucket (offline only)",
};

/** The command line, checked: `undefined` when it is not one this script knows. */
function parse(args: readonly string[]): { command: 'list' } | { command: 'delete' | 'purge'; clientKey: string } | { command: 'purge-all' } | undefined {
  const [command = 'list', target, ...rest] = args;
  if (rest.length > 0) return undefined;
  if (command === 'list') return target === undefined ? { command } : undefined;
  if (command === 'purge' && target === '--tombstones') return { command: 'purge-all' };
  if ((command === 'delete' || command === 'purge') && target && !target.startsWith('--')) return { command, clientKey: target };
  return undefined;
}

function describe(i: Installation): string {
  const workspace = i.principal?.display_name ?? i.principal?.username ?? i.principal?.uuid ?? '(no principal)';
  const when = `installed ${i.installedAt}, updated ${i.updatedAt}${i.uninstalledAt ? `, uninstalled ${i.uninstalledAt}` : ''}`;
  return (
    `${i.clientKey}\n  ${STATE[i.state]}, ${ORIGIN[i.origin]}\n` +
    `  workspace ${workspace}, app ${i.key}, secret ${redactSecret(i.sharedSecret)}, ${when}`
  );
}

/** Writes where the lines go; returns the exit code. Separate from process I/O so tests call it directly. */
export async function runInstallationsCli(
  args: readonly string[],
  io: { env: NodeJS.ProcessEnv; out: (line: string) => void; err: (line: string) => void; openStore?: (dataDir: string) => InstallationStore },
): Promise<number> {
  const parsed = parse(args);
  if (!parsed) {
    io.err(USAGE);
    return 2;
  }
  let store: InstallationStore | undefined;
  try {
    const config = loadConfig(io.env);
    store = (io.openStore ?? ((dataDir) => openSqliteStore({ dataDir })))(config.dataDir);
    if (parsed.command === 'delete') {
      if (!(await store.delete(parsed.clientKey))) {
        io.err(`No installation with clientKey "${parsed.clientKey}" in ${config.dataDir}. "npm run installations" lists them.`);
        return 1;
      }
      io.out(`Deleted ${parsed.clientKey}. Install the app again from Bitbucket to store a fresh sharedSecret (lesson 2).`);
      return 0;
    }
    if (parsed.command === 'purge') {
      const found = await store.get(parsed.clientKey);
      if (found?.state !== 'uninstalled') {
        io.err(
          found
            ? `${parsed.clientKey} is ${found.state}, not uninstalled: purge forgets tombstones only. "npm run installations -- delete ${parsed.clientKey}" forgets it whatever its state.`
            : `No installation with clientKey "${parsed.clientKey}" in ${config.dataDir}. "npm run installations" lists them.`,
        );
        return 1;
      }
      // Compare-and-set: an install that arrived meanwhile is not purged.
      if (!(await store.replace({ clientKey: found.clientKey, sharedSecret: found.sharedSecret, state: 'uninstalled' }, undefined))) {
        io.err(`${parsed.clientKey} changed meanwhile (installed again?): nothing purged. Run the command again to see it.`);
        return 1;
      }
      io.out(`Purged the tombstone of ${parsed.clientKey}: Bitbucket's next install there will be taken for a first install, and proven (lesson 2).`);
      return 0;
    }
    if (parsed.command === 'purge-all') {
      let purged = 0;
      for (const t of await store.list({ state: 'uninstalled' })) {
        if (await store.replace({ clientKey: t.clientKey, sharedSecret: t.sharedSecret, state: 'uninstalled' }, undefined)) purged += 1;
      }
      io.out(`Purged ${purged} tombstone${purged === 1 ? '' : 's'} in ${config.dataDir}.`);
      return 0;
    }
    const installations = await store.list();
    const invalid = await store.listInvalid();
    if (installations.length === 0 && invalid.length === 0) io.out(`No installations in ${config.dataDir}. Lesson 2 (npm run lesson 2) explains how one arrives.`);
    for (const installation of installations) io.out(describe(installation));
    for (const row of invalid) {
      io.err(
        `Invalid row ${row.clientKey}: ${row.problems.join('; ')}. The app refuses to use it; ` +
          `"npm run installations -- delete ${row.clientKey}" removes it, then install the app again (lesson 2).`,
      );
    }
    return 0;
  } catch (error) {
    io.err(isLabError(error) ? `${error.code}: ${error.message}` : String(error));
    return error instanceof ConfigError ? 2 : 1;
  } finally {
    await store?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runInstallationsCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
