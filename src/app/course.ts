/**
 * What the app shows of a course served beside it: the lessons' titles, the learner's progress and
 * each lesson's notes. The app imports nothing of the lessons: whoever starts it passes a course
 * in (the lab builds one from `lessons/manifest.json` and `DATA_DIR/progress.json`,
 * `lessons/runner/course.ts`). An app started without one, as in a real app copied from `src/`,
 * lists no lessons on its home page and serves no `/lessons/:n`.
 */

/**
 * One lesson as the app links to it.
 *
 * @example const lesson: CourseLesson = { number: 3, title: 'Signing the JWT' }
 */
export interface CourseLesson {
  /** 1, 2, 3...: the page is `/lessons/<number>`. */
  number: number;
  title: string;
}

/**
 * The course, read on every request (so lessons completed meanwhile show without a restart).
 *
 * @example
 * const course: Course = {
 *   lessons: () => [{ number: 1, title: 'The app descriptor' }],
 *   progress: () => ({ completed: [] }),
 *   notes: async (n) => (n === 1 ? '# The descriptor' : undefined),
 * }
 * createApp({ config, store, course })
 */
export interface Course {
  /** The lessons in order. May throw (a broken manifest): the page then answers 500. */
  lessons(): readonly CourseLesson[];
  /** The lessons completed; none when nothing is recorded. */
  progress(): { completed: readonly number[] };
  /** A lesson's notes as markdown; undefined when it has none (404). */
  notes(lesson: number): Promise<string | undefined>;
}
