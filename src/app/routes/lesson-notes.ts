import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { lessonDir, loadManifest } from '../../../lessons/runner/manifest.ts';
import { LESSON_ARROWS } from '../../notes/diagram.ts';
import { renderNotesPage } from '../../notes/html.ts';
import type { ErrorContext } from '../error-handler.ts';
import { InvalidParameterError, NotFoundError } from '../errors.ts';

/** Lesson numbers are 1 to 99 (two-digit directories), written without leading zeros. */
const LESSON_NUMBER = /^[1-9][0-9]?$/;

/**
 * `GET /lessons/:n`: a lesson's notes (`lessons/NN-slug/notes.md`) as a web page, with links to
 * the previous and next lessons of the manifest. A malformed `n` is 400, a lesson that is not in
 * the manifest (or has no notes yet) 404.
 *
 * @example app.get('/lessons/:n', lessonNotes({ lessonsDir, basePath: '' }))
 */
export function lessonNotes(deps: { lessonsDir: string; basePath: string }): RequestHandler {
  return async (req, res) => {
    Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext);
    const raw = String(req.params.n);
    if (!LESSON_NUMBER.test(raw)) throw new InvalidParameterError('n', 'a lesson number from 1 to 99, like /lessons/3');
    const number = Number(raw);
    const manifest = loadManifest(deps.lessonsDir);
    const index = manifest.findIndex((entry) => entry.number === number);
    const entry = manifest[index];
    if (!entry) throw new NotFoundError(`lesson ${number} (the lessons are 1 to ${manifest.length})`);
    let markdown: string;
    try {
      markdown = await readFile(join(lessonDir(entry, deps.lessonsDir), 'notes.md'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`lesson ${number} has no notes yet`);
      throw error;
    }
    const prev = manifest[index - 1];
    const next = manifest[index + 1];
    res.setHeader('Cache-Control', 'no-cache');
    res
      .status(200)
      .type('html')
      .send(
        renderNotesPage({
          title: `Lesson ${entry.number}: ${entry.title}`,
          markdown,
          nav: {
            index: { href: `${deps.basePath}/`, title: 'All lessons' },
            ...(prev && { prev: { href: `${deps.basePath}/lessons/${prev.number}`, title: prev.title } }),
            ...(next && { next: { href: `${deps.basePath}/lessons/${next.number}`, title: next.title } }),
          },
          flow: LESSON_ARROWS[entry.number],
        }),
      );
  };
}
