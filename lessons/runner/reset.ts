import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallationStore } from '../../src/store/installation.ts';
import { clearProgress } from './progress.ts';
import { isSimulatedInstallation } from './simulated.ts';
import { TRANSCRIPT_FILE } from './transcript.ts';

/** What `--reset` removed, and what it kept. */
export interface ResetResult {
  transcripts: number;
  /** Installations deleted: those the simulated Bitbucket made. */
  installations: number;
  /** Installations kept: captured from real Bitbucket (see {@link isSimulatedInstallation}). */
  keptInstallations: number;
}

/**
 * Counts the stored installations `--reset` would delete (simulated) and keep (from real Bitbucket).
 *
 * @example
 * const { simulated, real } = await countInstallations(store)
 */
export async function countInstallations(store: Pick<InstallationStore, 'list'>): Promise<{ simulated: number; real: number }> {
  const all = await store.list();
  const simulated = all.filter((installation) => isSimulatedInstallation(installation)).length;
  return { simulated, real: all.length - simulated };
}

/**
 * Starts the lessons over: forgets progress, deletes the transcripts and the installations the
 * simulated Bitbucket made. Installations captured from real Bitbucket are kept, whatever the
 * mode: a learner may use one DATA_DIR live and offline, and losing a real sharedSecret means
 * installing the app again.
 *
 * @example
 * const { transcripts, installations, keptInstallations } = await resetLessonData({ dataDir: config.dataDir, store })
 */
export async function resetLessonData(o: { dataDir: string; store: InstallationStore }): Promise<ResetResult> {
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
  let keptInstallations = 0;
  for (const installation of await o.store.list()) {
    if (!isSimulatedInstallation(installation)) keptInstallations += 1;
    else if (await o.store.delete(installation.clientKey)) installations += 1;
  }
  return { transcripts, installations, keptInstallations };
}
