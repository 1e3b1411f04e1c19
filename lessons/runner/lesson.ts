/**
 * The lesson contract: what a lesson module exports and what the runner hands each step.
 *
 * A lesson is data: a list of steps, each an async function of a {@link LessonContext}. The runner
 * owns everything around the steps (terminal or not, colour, prompts, the mock, the transcript,
 * redaction, progress), so a lesson only calls `src/` and narrates. See lessons/runner/README.md.
 */
import type { Config } from '../../src/config.ts';
import type { Installation, InstallationStore } from '../../src/store/installation.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import type { BitbucketRegistry } from '../../mocks/registry.ts';
import { FLAG_NAME, RUNNER_FLAGS, type FlagSpec } from './args.ts';
import { LessonDefinitionError } from './errors.ts';
import { PIECE_NAMES, type PieceName, type Pieces } from './practice/pieces.ts';

/** What a step gets: configuration, state, the network (recorded) and ways to talk to the learner. */
export interface LessonContext {
  config: Config;
  /** `LIVE=1`: real Bitbucket, the installation it posted to the app. Otherwise the in-process mock. */
  live: boolean;
  /** The lesson's own flags (`Lesson.flags`), as given: `--base-url=https://x` gives `{ 'base-url': 'https://x' }`. */
  flags: Record<string, string | boolean>;
  /** The installation store in DATA_DIR, shared by all lessons and the app (a memory store in tests). */
  store: InstallationStore;
  /**
   * A recording fetch: each exchange is printed (redacted), confirmed on a terminal, and appended to
   * the transcript. The confirmation is its gate (`beforeSend`, src/http/gated-fetch.ts): a wrapper
   * keeps it with `keepGate(wrapper, ctx.fetch)`.
   */
  fetch: typeof fetch;
  /**
   * `ctx.fetch` in brief, for requests the lesson has shown whole once already: the terminal gets
   * one line each way (`→ POST url  authorization: JWT …`, `← 204 No Content`), the
   * transcript the whole exchange. Same gate, same redaction.
   */
  briefFetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
  /**
   * Offline only: the mock's state (issued tokens, counts, request log) and `setScenario`, for lessons
   * that declare `mock` (reading it otherwise throws ERR_LESSON_DEFINITION). Undefined live.
   */
  mock?: BitbucketMock;
  /**
   * Offline only: the simulated Bitbucket's registry of the installations it made (mocks/registry.ts),
   * kept in DATA_DIR. A lesson that plays Bitbucket passes it to `installApp`, which then signs with
   * the preceding secret and records what it issues. Undefined live.
   */
  registry?: BitbucketRegistry;
  /** Values steps pass along within one run (a step reads what an earlier one stored); check before use. */
  state: Record<string, unknown>;
  /**
   * With `--mine`, the learner's own code for the pieces the lesson declares in `mine` (each shaped
   * like the `src/` function it replaces); empty otherwise. Use `ctx.mine.x ?? x`.
   */
  mine: Partial<Pieces>;
  /**
   * The installation the lessons act for: the most recently updated active one (live: from real
   * Bitbucket only). Throws ERR_NO_INSTALLATION when there is none.
   */
  installation(): Promise<Installation>;
  /** Registers a secret: every later output and transcript line shows it redacted (`abcd…(44 chars)`). */
  secret(value: string): void;
  /** Narration, in markdown, rendered for the terminal. */
  say(markdown: string): void;
  /** A labelled value: strings as they are, anything else as pretty JSON; redacted. */
  show(label: string, value: unknown): void;
  /** Asks on a terminal; otherwise answers `default` (true unless given), or true with `--yes`. */
  confirm(question: string, options?: { default?: boolean }): Promise<boolean>;
}

/** One step: passes when `run` resolves, fails when it throws (a `LabError` message is shown as is). */
export interface Step {
  title: string;
  run(ctx: LessonContext): Promise<void>;
}

/** A lesson module's default export, made with {@link defineLesson}. */
export interface Lesson {
  /** `'installation'`: the runner makes sure one is stored before step 1 (or says how to get one). */
  requires?: 'installation';
  /** Lesson-specific flags, e.g. `{ 'base-url': { type: 'string', description: '...' } }`. */
  flags?: Record<string, FlagSpec>;
  /**
   * Offline, what the lesson needs of the simulated Bitbucket besides `ctx.fetch` (which always
   * reaches it; the mock is loaded on the first request, so a lesson without one starts faster):
   * - `'state'`: `ctx.mock`, from step 1 on (scenario switch, counts, request log);
   * - `'intercept'`: `ctx.mock`, and the process's own `fetch` answered by the mock too (msw/node),
   *   for code the lesson runs that cannot take `ctx.fetch`. Otherwise the global `fetch` reaches
   *   loopback only.
   */
  mock?: 'state' | 'intercept';
  /**
   * The pieces this lesson takes from the learner's exercises with `--mine` (lessons/runner/practice/pieces.ts),
   * read from `ctx.mine`. Without it, `--mine` is a usage error for this lesson.
   */
  mine?: PieceName[];
  steps: Step[];
}

const MAX_TITLE_LENGTH = 80;

/**
 * Declares a lesson, checking it against the contract so that a mistake shows on the first run,
 * not halfway through: at least one step, titled (unique, one line, at most 80 characters), flags
 * named like `base-url` that do not shadow the runner's own, `requires` and `mock` spelled right.
 *
 * @example
 * export default defineLesson({
 *   flags: { 'base-url': { type: 'string', description: 'The app URL to build the descriptor for.' } },
 *   steps: [{ title: 'Build the descriptor', async run(ctx) { ctx.show('Descriptor', buildDescriptor(...)) } }],
 * })
 */
export function defineLesson(lesson: Lesson): Lesson {
  const problems: string[] = [];
  if (lesson.requires !== undefined && lesson.requires !== 'installation') {
    problems.push(`requires must be 'installation' or absent, not ${JSON.stringify(lesson.requires)}`);
  }
  if (lesson.mock !== undefined && lesson.mock !== 'state' && lesson.mock !== 'intercept') {
    problems.push(`mock must be 'state', 'intercept' or absent, not ${JSON.stringify(lesson.mock)}`);
  }
  for (const piece of lesson.mine ?? []) {
    if (!PIECE_NAMES.includes(piece)) problems.push(`mine: ${JSON.stringify(piece)} is not a piece; pieces are ${PIECE_NAMES.join(', ')}`);
  }
  if (!Array.isArray(lesson.steps) || lesson.steps.length === 0) problems.push('a lesson needs at least one step');
  const seen = new Set<string>();
  (Array.isArray(lesson.steps) ? lesson.steps : []).forEach((step, index) => {
    const where = `step ${index + 1}`;
    if (typeof step?.title !== 'string' || !step.title.trim()) problems.push(`${where} needs a title`);
    else if (step.title.length > MAX_TITLE_LENGTH || /[\r\n]/.test(step.title)) {
      problems.push(`${where}: a title is one line of at most ${MAX_TITLE_LENGTH} characters`);
    } else if (seen.has(step.title)) problems.push(`${where}: the title "${step.title}" is used twice`);
    else seen.add(step.title);
    if (typeof step?.run !== 'function') problems.push(`${where} needs a run(ctx) function`);
  });
  for (const [name, spec] of Object.entries(lesson.flags ?? {})) {
    if (!FLAG_NAME.test(name)) problems.push(`flag "${name}": use lower-case words joined by "-", like base-url`);
    if (Object.hasOwn(RUNNER_FLAGS, name)) problems.push(`flag "${name}" is a runner flag; choose another name`);
    if (spec.type !== 'string' && spec.type !== 'boolean') problems.push(`flag "${name}": type is 'string' or 'boolean'`);
    if (!spec.description?.trim()) problems.push(`flag "${name}" needs a description (--help shows it)`);
  }
  if (problems.length > 0) throw new LessonDefinitionError(problems.join('; '));
  return lesson;
}
