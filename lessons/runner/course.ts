import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Course } from '../../src/app/course.ts';
import { lessonDir, LESSONS_DIR, loadManifest } from './manifest.ts';
import { readProgress } from './progress.ts';

/**
 * The lab's course as the app shows it (src/app/course.ts): the lessons of `manifest.json`, the
 * progress in `DATA_DIR/progress.json` and each lesson's `notes.md`. Every call reads the files
 * again (all tiny), so a lesson completed while the app runs shows on its next page load. The
 * entry points that start the app (`npm start`, `npm run rehearse`, lesson 7) pass it in.
 *
 * @example
 * startServer({ config, store, course: labCourse({ dataDir: config.dataDir }) })
 */
export function labCourse(o: { dataDir: string; lessonsDir?: string }): Course {
  const lessonsDir = o.lessonsDir ?? LESSONS_DIR;
  return {
    lessons: () => loadManifest(lessonsDir).map(({ number, title }) => ({ number, title })),
    progress: () => readProgress(o.dataDir),
    async notes(lesson) {
      const entry = loadManifest(lessonsDir).find((e) => e.number === lesson);
      if (!entry) return undefined;
      try {
        return await readFile(join(lessonDir(entry, lessonsDir), 'notes.md'), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
