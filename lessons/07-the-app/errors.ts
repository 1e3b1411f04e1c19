import { LabError } from '../../src/errors.ts';

/** This lesson explains the app end to end. */
const APP_LESSON = 7;

/** What usually explains a status from the app, and where to read about it. */
function hintFor(status: number): string {
  if (status === 401) return 'A 401 means one of the JWT checks of lesson 6 failed: the message names which.';
  if (status === 400) return 'A 400 means the request itself was malformed: the message names the field.';
  if (status === 404) return 'A 404 from the repository page means Bitbucket does not know that repository, or the installation cannot see it.';
  if (status === 409) return 'A 409 means the stored installation cannot serve the page: install the app again (`npm run lesson 2`).';
  if (status >= 500) {
    return 'A 5xx means Bitbucket failed behind the app (with SCENARIO set, that is the simulated failure: lessons 4 and 5 explain each), or the app itself did: its log lines above say which.';
  }
  return 'The exchange and the app\'s log lines above show the whole answer.';
}

/**
 * The app answered one of Bitbucket's requests (descriptor, install, repository page) with an
 * error. `answer` is the app's own code and message, already made safe to print
 * (`quoteServerText`).
 *
 * @example
 * throw new AppAnswerError('GET /oauth-callback', 401, 'ERR_QSH_MISMATCH: The JWT\'s qsh ...')
 */
export class AppAnswerError extends LabError {
  /** The HTTP status the app answered. */
  readonly status: number;

  constructor(request: string, status: number, answer: string) {
    super(
      'ERR_APP_ANSWER',
      `The app answered HTTP ${status} to ${request}. It said: ${answer.replace(/\.+$/, '') || '(nothing the lesson could read)'}. ${hintFor(status)}`,
      { lesson: APP_LESSON },
    );
    this.status = status;
  }
}

/**
 * The page shows no repository, though the app answered 200: the view and the lesson disagree on
 * where the repository's name is.
 *
 * @example
 * if (!fullName) throw new PageWithoutRepositoryError('{7a3c5e2f-...}')
 */
export class PageWithoutRepositoryError extends LabError {
  constructor(repoUuid: string) {
    super(
      'ERR_PAGE_WITHOUT_REPOSITORY',
      `The repository page answered 200 but shows no repository full_name for ${repoUuid}. The page (src/app/views/repo-page.ts) ` +
        'lists the repository the REST API returned in a table row "full_name": check that the API call above answered 200 with a repository.',
      { lesson: APP_LESSON },
    );
  }
}

/**
 * `--repo-uuid` is malformed, or missing with LIVE=1 (the lesson cannot guess a repository of a
 * real workspace). Raised before the app starts.
 *
 * @example
 * throw new RepoUuidFlagError('launch-control') // malformed
 * throw new RepoUuidFlagError(undefined)        // missing, live
 */
export class RepoUuidFlagError extends LabError {
  constructor(value: string | undefined, options: { cause?: unknown } = {}) {
    const where =
      'Lesson 5 shows your repositories with their "uuid", and the REST API gives it for one: ' +
      'GET https://api.bitbucket.org/2.0/repositories/{workspace}/{repo_slug}.';
    super(
      'ERR_REPO_UUID_FLAG',
      value === undefined
        ? 'With LIVE=1 the lesson opens the repository page for one of your real repositories: name it with ' +
            `\`npm run lesson 7 -- --repo-uuid='{...}'\` (the UUID in braces, quoted for the shell). ${where}`
        : `--repo-uuid=${JSON.stringify(value.slice(0, 80))} is not a repository UUID: give it in braces, like ` +
            `--repo-uuid='{7a3c5e2f-9b1d-4c8e-a6f0-2d4b8e1c9f37}' (quoted for the shell). ${where}`,
      { lesson: APP_LESSON, cause: options.cause },
    );
  }
}

/**
 * The app answered 204 to the installed call but holds no active installation afterwards: it kept
 * nothing, or it could not prove a first install with its token exchange, so every later JWT of
 * that installation would be refused.
 *
 * @example
 * if ((await store.get(clientKey))?.state !== 'active') throw new InstallNotStoredError(clientKey)
 */
export class InstallNotStoredError extends LabError {
  constructor(clientKey: string) {
    super(
      'ERR_INSTALL_NOT_STORED',
      `The app answered 204 to the installed call but holds no active installation for ${clientKey}: it stored none, or ` +
        'its token exchange could not prove the first install (its log above says why). Bitbucket takes a 2xx as "installed": ' +
        'the route must save the installation before it answers (src/app/routes/lifecycle.ts, handleInstalled in ' +
        'src/connect/lifecycle.ts), and offline the simulated Bitbucket must know it (npm run lesson -- --reset, then ' +
        'lesson 2). Lesson 2 explains the installed call.',
      { lesson: 2 },
    );
  }
}
