/**
 * `npm run installations`: what the app has stored, and a way to forget one installation.
 *
 *   npm run installations                      list them (secrets shown as a prefix and a length)
 *   npm run installations -- delete <clientKey>  forget one, e.g. after a missed uninstall left a
 *                                              stale secret that now refuses every re-install
 *
 * Reads `DATA_DIR` like the app. Exit codes: 0 done, 1 no such installation or the store failed,
 * 2 usage or configuration error.
 */
import { ConfigError, loadConfig } from '../src/config.ts';
import { isLabError } from '../src/errors.ts';
import { redactSecret } from '../src/redact.ts';
import type { InstallationStore } from '../src/store/installation.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';

const USAGE = 'Usage: npm run installations [-- delete <clientKey>]';

/** Writes where the lines go; returns the exit code. Separate from process I/O so tests call it directly. */
export async function runInstallationsCli(
  args: readonly string[],
  io: { env: NodeJS.ProcessEnv; out: (line: string) => void; err: (line: string) => void; openStore?: (dataDir: string) => InstallationStore },
): Promise<number> {
  const [command = 'list', clientKey, ...rest] = args;
  if (!['list', 'delete'].includes(command) || (command === 'delete' && (!clientKey || rest.length > 0)) || (command === 'list' && clientKey)) {
    io.err(USAGE);
    return 2;
  }
  let store: InstallationStore | undefined;
  try {
    const config = loadConfig(io.env);
    store = (io.openStore ?? ((dataDir) => openSqliteStore({ dataDir })))(config.dataDir);
    if (command === 'delete') {
      const removed = await store.delete(clientKey!);
      if (!removed) {
        io.err(`No installation with clientKey "${clientKey}" in ${config.dataDir}. "npm run installations" lists them.`);
        return 1;
      }
      io.out(`Deleted ${clientKey}. Install the app again from Bitbucket to store a fresh sharedSecret (lesson 2).`);
      return 0;
    }
    const installations = await store.list();
    if (installations.length === 0) io.out(`No installations in ${config.dataDir}. Lesson 2 (npm run lesson 2) explains how one arrives.`);
    for (const i of installations) {
      const workspace = i.principal?.display_name ?? i.principal?.username ?? i.principal?.uuid ?? '(no principal)';
      io.out(`${i.clientKey}\n  workspace ${workspace}, app ${i.key}, secret ${redactSecret(i.sharedSecret)}, installed ${i.installedAt}, updated ${i.updatedAt}`);
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
