/**
 * The base of every error this library throws on purpose.
 *
 * Like jose's errors, each subclass carries a stable `code` (`ERR_QSH_MISMATCH`, ...) that tests,
 * lessons and HTTP handlers can match on, and a message written for the person who has to fix it.
 * `lesson` names the lesson that explains the concept, so a CLI can say where to read more.
 *
 * @example
 * try { await verifyJwt(token, options) }
 * catch (error) { if (isLabError(error, 'ERR_JWT_EXPIRED')) console.error(error.message) }
 */
export class LabError extends Error {
  /** A stable, machine-readable error code. */
  readonly code: string;
  /** The lesson whose notes explain this failure, when there is one. */
  readonly lesson: number | undefined;

  constructor(code: string, message: string, options: { lesson?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.lesson = options.lesson;
  }
}

/** True when `error` is a {@link LabError}, optionally with the given code. */
export function isLabError(error: unknown, code?: string): error is LabError {
  return error instanceof LabError && (code === undefined || error.code === code);
}

/**
 * The lessons' slugs, for error messages that say where to read more. lessons/manifest.json is the
 * source of lesson order; src/ does not read it (it is copied into apps without the lessons), and a
 * test keeps the two equal.
 */
export const LESSON_SLUGS: Readonly<Record<number, string>> = Object.freeze({
  1: 'descriptor',
  2: 'lifecycle',
  3: 'sign-jwt',
  4: 'exchange',
  5: 'api-call',
  6: 'incoming-jwt',
  7: 'the-app',
});

/**
 * How a message names a lesson.
 *
 * @example lessonName(4) // 'lesson 4 (exchange)'
 */
export function lessonName(lesson: number): string {
  const slug = LESSON_SLUGS[lesson];
  return slug ? `lesson ${lesson} (${slug})` : `lesson ${lesson}`;
}
