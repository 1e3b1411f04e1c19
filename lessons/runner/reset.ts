import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallationStore } from '../../src/store/installation.ts';
import { clearProgress } from './progress.ts';
import { TRANSCRIPT_FILE } from './transcript.ts';

/** What `--reset` removed. */
export interface ResetResult {
  transcripts: number;
  installations: number;
  /** Installations kept because they came from real Bitbucket (live mode). */
  keptInstallations: number;
}

/**
 * Starts the lessons over: forgets progress, deletes the transcripts and, offline, the stored
 * installations (the lessons made them). Live, the installations are kept: they came from real
 * Bitbucket, and losing a sharedSecret means installing the app again.
 *
 * @example
 * const { transcripts, installations } = await resetLessonData({ dataDir: config.dataDir, store, live: config.live })
 */
export async function resetLessonData(o: { dataDir: string; store: InstallationStore; live: boolean }): Promise<ResetResult> {
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
  const stored = await o.store.list();
  if (o.live) return { transcripts, installations: 0, keptInstallations: stored.length };
  for (const installation of stored) await o.store.delete(installation.clientKey);
  return { transcripts, installations: stored.length, keptInstallations: 0 };
}
