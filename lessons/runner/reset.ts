import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallationStore } from '../../src/store/installation.ts';
import type { BitbucketRegistry } from '../../mocks/registry.ts';
import { clearProgress } from './progress.ts';
import { isSimulatedInstallation } from './simulated.ts';
import { TRANSCRIPT_FILE } from './transcript.ts';

/** What `--reset` removed, and what it kept. */
export interface ResetResult {
  transcripts: number;
  /** Installations deleted: those the simulated Bitbucket made (tombstones and pending ones too). */
  installations: number;
  /** Installations kept: from real Bitbucket (see {@link isSimulatedInstallation}). */
  keptInstallations: number;
}

/**
 * Counts the stored installations `--reset` would delete (simulated) and keep (from real Bitbucket).
 *
 * @example
 * const { simulated, real } = await countInstallations(store)
 */
export async function countInstallations(store: Pick<InstallationStore, 'count'>): Promise<{ simulated: number; real: number }> {
  const [simulated, real] = await Promise.all([store.count({ origin: 'simulated' }), store.count({ origin: 'bitbucket' })]);
  return { simulated, real };
}

/**
 * Starts the lessons over: forgets progress, deletes the transcripts and the installations the
 * simulated Bitbucket made, on both sides (the app's store, and the simulated Bitbucket's
 * `registry`, when given). Installations from real Bitbucket are kept, whatever the mode: a
 * learner may use one DATA_DIR live and offline, and losing a real sharedSecret means installing
 * the app again.
 *
 * @example
 * const { transcripts, installations, keptInstallations } = await resetLessonData({ dataDir: config.dataDir, store, registry })
 */
export async function resetLessonData(o: { dataDir: string; store: InstallationStore; registry?: BitbucketRegistry }): Promise<ResetResult> {
  clearProgress(o.dataDir);
  let transcripts = 0;
  let names: string[] = [];
  try {
    names = readdirSync(o.dataDir);
  } catch {
    // No data directory: nothing to delete.
  }
  for (const name of names.filter((n) => TRANSCRIPT_FILE.test(n))) {
    rmSync(join(o.dataDir, name), { force: true });
    transcripts += 1;
  }
  let installations = 0;
  for (const installation of await o.store.list()) {
    if (isSimulatedInstallation(installation) && (await o.store.delete(installation.clientKey))) installations += 1;
  }
  await o.registry?.clear();
  return { transcripts, installations, keptInstallations: await o.store.count({ origin: 'bitbucket' }) };
}
