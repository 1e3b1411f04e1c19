import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LessonDefinitionError } from './errors.ts';
import type { Lesson } from './lesson.ts';
import { LESSONS_DIR, lessonDir, type ManifestEntry } from './manifest.ts';

/**
 * Imports a lesson module (`lessons/NN-slug/lesson.ts`) only when it is about to run, so the
 * runner starts fast whatever the lessons import.
 *
 * @example
 * const lesson = await importLesson(manifest[0]!)
 */
export async function importLesson(entry: ManifestEntry, lessonsDir: string = LESSONS_DIR): Promise<Lesson> {
  const file = join(lessonDir(entry, lessonsDir), 'lesson.ts');
  const shown = relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    throw new LessonDefinitionError(`lesson ${entry.number} is in lessons/manifest.json, but ${shown} does not exist yet.`);
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: Partial<Lesson> };
  if (!Array.isArray(module.default?.steps)) {
    throw new LessonDefinitionError(`${shown} must \`export default defineLesson({ steps: [...] })\`.`);
  }
  return module.default as Lesson;
}
