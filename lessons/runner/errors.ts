import { LabError } from '../../src/errors.ts';

/**
 * The command line was not understood: an unknown lesson, flag or value. The CLI prints the
 * message (which lists what is valid) and exits 2.
 *
 * @example
 * throw new UsageError('Unknown flag --colour. Valid flags: --yes, --no-color, --help.')
 */
export class UsageError extends LabError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/**
 * `lessons/manifest.json` is missing, not JSON, or an entry is malformed. Only lesson authors see
 * this; the message names the entry and the field.
 *
 * @example
 * throw new ManifestError('entry 2: "slug" must be lower-case words joined by "-", like "sign-jwt".')
 */
export class ManifestError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_MANIFEST_INVALID', `lessons/manifest.json: ${message}`, options);
  }
}

/**
 * A lesson module does not follow the lesson contract (no steps, a duplicate step title, a flag
 * that shadows a runner flag...). Raised by `defineLesson`, so the author sees it on the first run.
 *
 * @example
 * defineLesson({ steps: [] }) // throws ERR_LESSON_DEFINITION: a lesson needs at least one step
 */
export class LessonDefinitionError extends LabError {
  constructor(message: string) {
    super('ERR_LESSON_DEFINITION', `Invalid lesson definition: ${message}`);
  }
}

/**
 * A lesson needs an installation (the `installed` payload with its sharedSecret) and the store
 * has none. Lesson 2 is where one is made.
 *
 * @example
 * if (!installation) throw new NoInstallationError('No installation yet: run `npm run lesson 2` first.')
 */
export class NoInstallationError extends LabError {
  constructor(message: string) {
    super('ERR_NO_INSTALLATION', message, { lesson: 2 });
  }
}

/**
 * The learner answered "no" to `Send this request?`. The step cannot go on without the response.
 *
 * @example
 * if (!(await confirm('Send this request?'))) throw new RequestDeclinedError('POST', url)
 */
export class RequestDeclinedError extends LabError {
  constructor(method: string, url: string) {
    super(
      'ERR_REQUEST_DECLINED',
      `You chose not to send ${method} ${url}, and this step needs its response. Run the lesson again and answer "y" (or pass --yes).`,
    );
  }
}

/**
 * The learner pressed Ctrl-C at an earlier prompt: the run is ending, so no question is asked any
 * more (a step that caught the first Ctrl-C and went on meets this one). The runner prints no
 * step failure for it, only `Interrupted.`, and exits 130.
 *
 * @example
 * if (interrupt.interrupted) throw new InterruptedError()
 */
export class InterruptedError extends LabError {
  constructor() {
    super('ERR_INTERRUPTED', 'Interrupted (Ctrl-C): the run is stopping, so nothing more is asked or sent. Run the lesson again to start over.');
  }
}

/**
 * A lesson's notes file is missing.
 *
 * @example
 * throw new NotesMissingError('lessons/03-sign-jwt/notes.md')
 */
export class NotesMissingError extends LabError {
  constructor(path: string) {
    super('ERR_NOTES_MISSING', `The notes file ${path} does not exist. Every lesson directory needs a notes.md.`);
  }
}

/** Where a request stops offline: `method origin/path`, without query or credentials (they may hold a token). */
function requestTarget(method: string, url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return `${method.toUpperCase()} ${origin}${pathname}`;
  } catch {
    return `${method.toUpperCase()} (an invalid URL)`;
  }
}

/**
 * Offline, a request would have left the machine: nothing but the simulated Bitbucket and loopback
 * (the lab's own app) is reachable. `via: 'global'`: the process's `fetch` was called directly, which
 * offline only reaches loopback; Bitbucket answers `ctx.fetch`.
 *
 * @example
 * throw new OfflineRequestError('GET', 'https://example.com/', 'ctx.fetch')
 */
export class OfflineRequestError extends LabError {
  constructor(method: string, url: string, via: 'ctx.fetch' | 'global') {
    const target = requestTarget(method, url);
    super(
      'ERR_OFFLINE_REQUEST',
      via === 'global'
        ? `Offline, ${target} was not sent: the global fetch reaches only this machine (localhost), and the simulated Bitbucket answers ctx.fetch. ` +
            "Pass ctx.fetch to src/ (fetch: ctx.fetch); code that cannot take one runs in a lesson that declares mock: 'intercept'. LIVE=1 talks to the real Bitbucket."
        : `Offline, ${target} was not sent: a lesson reaches only the simulated Bitbucket and this machine (localhost), nothing on the internet. ` +
            'Check the URL (BITBUCKET_URL and BITBUCKET_API_URL name Bitbucket), or run with LIVE=1 to talk to the real Bitbucket.',
    );
  }
}

/**
 * Offline, a request to Bitbucket that the simulated Bitbucket does not know: it plays the JWT
 * grant's token endpoint and the REST calls the lessons make, not the whole API.
 *
 * @example
 * throw new MockNoAnswerError('GET', 'https://api.bitbucket.org/2.0/snippets')
 */
export class MockNoAnswerError extends LabError {
  constructor(method: string, url: string) {
    super(
      'ERR_MOCK_NO_ANSWER',
      `The simulated Bitbucket has no answer for ${requestTarget(method, url)}: it plays the token endpoint (POST /site/oauth2/access_token) ` +
        'and the REST calls of the lessons (API_ENDPOINTS in mocks/rest-api.ts). Check the method and the path, or run with LIVE=1 against the real Bitbucket.',
      { lesson: 5 },
    );
  }
}

/**
 * A step ran without what an earlier step of the same run leaves in `ctx.state` (only when a test
 * or a future runner runs steps out of order: the CLI always runs them all, in order).
 *
 * @example
 * if (!token) throw new StepStateError({ lesson: 3, step: 5, earlier: 4, needs: 'the token' })
 */
export class StepStateError extends LabError {
  constructor(o: { lesson: number; step: number; earlier: number; needs: string }) {
    super(
      'ERR_STEP_STATE',
      `Step ${o.step} of lesson ${o.lesson} uses ${o.needs} from step ${o.earlier}, and step ${o.earlier} has not run ` +
        `in this run. Run the whole lesson: npm run lesson ${o.lesson}`,
      { lesson: o.lesson },
    );
  }
}
