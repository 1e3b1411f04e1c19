import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileAtomic } from '../../src/fs/private-files.ts';

/** What the learner has done: `DATA_DIR/progress.json`, `{ "completed": [1, 2] }` (the app's landing page reads it too). */
export interface Progress {
  completed: number[];
}

/**
 * `progress.json` in the data directory.
 *
 * @example
 * progressPath('.data') // '.data/progress.json'
 */
export function progressPath(dataDir: string): string {
  return join(dataDir, 'progress.json');
}

/**
 * Reads progress. A missing or unreadable file is no progress: it is a convenience, never worth
 * stopping a lesson for (the next completed lesson rewrites it).
 *
 * @example
 * readProgress('.data').completed // [1, 2]
 */
export function readProgress(dataDir: string): Progress {
  try {
    const data: unknown = JSON.parse(readFileSync(progressPath(dataDir), 'utf8'));
    const completed = (data as { completed?: unknown } | null)?.completed;
    if (!Array.isArray(completed)) return { completed: [] };
    const numbers = completed.filter((n): n is number => Number.isInteger(n) && n > 0);
    return { completed: [...new Set(numbers)].sort((a, b) => a - b) };
  } catch {
    return { completed: [] };
  }
}

/**
 * Marks a lesson completed (atomically and owner-only: `writePrivateFileAtomic`).
 *
 * @example
 * markCompleted('.data', 3) // { completed: [1, 2, 3] }
 */
export function markCompleted(dataDir: string, lesson: number): Progress {
  const progress = readProgress(dataDir);
  if (!progress.completed.includes(lesson)) progress.completed = [...progress.completed, lesson].sort((a, b) => a - b);
  writePrivateFileAtomic(progressPath(dataDir), `${JSON.stringify(progress, null, 2)}\n`);
  return progress;
}

/**
 * Forgets all progress.
 *
 * @example
 * clearProgress('.data')
 */
export function clearProgress(dataDir: string): void {
  rmSync(progressPath(dataDir), { force: true });
}

/**
 * The lesson to do next: the first one not completed, or undefined when all are.
 *
 * @example
 * nextLesson([1, 2, 3, 4, 5], { completed: [1, 2] }) // 3
 */
export function nextLesson(lessons: readonly number[], progress: Progress): number | undefined {
  return lessons.find((n) => !progress.completed.includes(n));
}
