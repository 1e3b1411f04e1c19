import type { RequestHandler } from 'express';
import { LESSON_ARROWS } from '../../notes/diagram.ts';
import { renderNotesPage } from '../../notes/html.ts';
import type { Course } from '../course.ts';
import type { ErrorContext } from '../error-handler.ts';
import { InvalidParameterError, NotFoundError } from '../errors.ts';

/** Lesson numbers are 1 to 99 (as the lab's manifest allows), written without leading zeros. */
const LESSON_NUMBER = /^[1-9][0-9]?$/;

/**
 * `GET /lessons/:n`: a lesson's notes (markdown from the course) as a web page, with links to the
 * previous and next lessons. A malformed `n` is 400, a lesson that is not in the course (or has
 * no notes yet) 404.
 *
 * @example app.get('/lessons/:n', lessonNotes({ course, basePath: '' }))
 */
export function lessonNotes(deps: { course: Course; basePath: string }): RequestHandler {
  return async (req, res) => {
    Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext);
    const raw = String(req.params.n);
    if (!LESSON_NUMBER.test(raw)) throw new InvalidParameterError('n', 'a lesson number from 1 to 99, like /lessons/3');
    const number = Number(raw);
    const lessons = deps.course.lessons();
    const index = lessons.findIndex((entry) => entry.number === number);
    const entry = lessons[index];
    if (!entry) throw new NotFoundError(`lesson ${number} (the lessons are 1 to ${lessons.length})`);
    const markdown = await deps.course.notes(number);
    if (markdown === undefined) throw new NotFoundError(`lesson ${number} has no notes yet`);
    const prev = lessons[index - 1];
    const next = lessons[index + 1];
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
