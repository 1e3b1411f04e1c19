import { LabError } from '../errors.ts';
import { seeLesson } from '../http/errors.ts';

/**
 * Errors of the REST API client (lesson 5). Transport failures (`ERR_NETWORK`, `ERR_TIMEOUT`,
 * `ERR_ABORTED`, `ERR_RATE_LIMITED`, `ERR_SERVER`) are the shared ones of `src/http/errors.ts`.
 */

/**
 * What Bitbucket said about a failed call, from `{"type": "error", "error": {"message", "id"}}`.
 *
 * @example
 * new ApiNotFoundError({ target: 'GET https://api.bitbucket.org/2.0/repositories/acme/x', status: 404,
 *   serverText: 'Repository acme/x not found', errorId: undefined })
 */
export interface ApiErrorDetails {
  /** `GET <url>`. */
  target: string;
  status: number;
  /** The server's message (or the start of a body that was not Bitbucket's error JSON). Redacted. */
  serverText: string;
  /** Bitbucket's error id, when it gave one: quote it to Atlassian support. */
  errorId: string | undefined;
}

const ADVICE: Readonly<Record<number, string>> = {
  400: 'Bitbucket found the request malformed: check the path and the query parameters.',
  403:
    'The token is valid but not allowed here: the app\'s scopes (descriptor, lesson 1) or the restriction it ' +
    'was exchanged with (scope, bitbucket_repository, lesson 4) do not cover this endpoint, or the ' +
    'installation cannot see this resource.',
  410: 'The resource is gone for good.',
};

/**
 * Bitbucket answered the REST call with an error status (`ERR_API`); subclasses narrow it.
 *
 * @example
 * if (error instanceof ApiError) console.error(error.status, error.serverText, error.errorId)
 */
export class ApiError extends LabError {
  readonly target: string;
  readonly status: number;
  readonly serverText: string;
  readonly errorId: string | undefined;

  constructor(details: ApiErrorDetails, advice?: string, code = 'ERR_API') {
    const said = details.serverText ? `: "${details.serverText}"` : '';
    const id = details.errorId ? ` (error id ${details.errorId})` : '';
    const hint = advice ?? ADVICE[details.status] ?? 'Check the path and parameters against the API reference.';
    super(code, `${details.target} failed with HTTP ${details.status}${said}${id}. ${hint} ${seeLesson(5)}`, { lesson: 5 });
    this.target = details.target;
    this.status = details.status;
    this.serverText = details.serverText;
    this.errorId = details.errorId;
  }
}

/**
 * A 401 that a freshly exchanged token did not cure (the client refreshes and retries once).
 *
 * @example
 * if (isLabError(error, 'ERR_API_UNAUTHORIZED')) console.error(error.message)
 */
export class ApiUnauthorizedError extends ApiError {
  constructor(details: ApiErrorDetails) {
    super(
      details,
      'Bitbucket refused the access token even after a fresh JWT grant. The app may have been uninstalled, ' +
        'the endpoint may not take app tokens (some user-only endpoints do not), or the request may carry ' +
        'the token the wrong way: REST calls use "Authorization: Bearer <access token>".',
      'ERR_API_UNAUTHORIZED',
    );
  }
}

/**
 * HTTP 404.
 *
 * @example
 * if (isLabError(error, 'ERR_API_NOT_FOUND')) return undefined
 */
export class ApiNotFoundError extends ApiError {
  constructor(details: ApiErrorDetails) {
    super(
      details,
      'The workspace or repository does not exist, or this installation cannot see it (Bitbucket answers 404 ' +
        'rather than 403 for private resources; a token restricted to one repository sees no other). Check ' +
        'the slugs, and write a {uuid} as one path segment: encodePathSegment("{...}") gives %7B...%7D.',
      'ERR_API_NOT_FOUND',
    );
  }
}

/**
 * A success status whose body is not the JSON expected (not JSON, or a page without `values`).
 *
 * @example
 * if (isLabError(error, 'ERR_API_RESPONSE_INVALID')) console.error(error.message)
 */
export class ApiResponseInvalidError extends LabError {
  readonly target: string;
  readonly status: number;
  readonly serverText: string;

  constructor(o: { target: string; status: number; problem: string; serverText: string }) {
    super(
      'ERR_API_RESPONSE_INVALID',
      `${o.target} answered HTTP ${o.status}, but ${o.problem}${o.serverText ? ` (it said: "${o.serverText}")` : ''}. ` +
        "Check that apiUrl is Bitbucket's API origin (https://api.bitbucket.org, or the mock), not the web " +
        `origin or a proxy. ${seeLesson(5)}`,
      { lesson: 5 },
    );
    this.target = o.target;
    this.status = o.status;
    this.serverText = o.serverText;
  }
}

/**
 * A page's `next` link cannot be followed: it leads to another origin (the token would go with
 * it), repeats a page already read, or is not a URL.
 *
 * @example
 * if (isLabError(error, 'ERR_API_PAGINATION')) console.error(error.message)
 */
export class PaginationError extends LabError {
  readonly target: string;

  constructor(target: string, problem: string) {
    super(
      'ERR_API_PAGINATION',
      `The page ${target} has a "next" link that is not followed: ${problem}. Pagination stops here rather than ` +
        `send the access token elsewhere or loop. ${seeLesson(5)}`,
      { lesson: 5 },
    );
    this.target = target;
  }
}

/**
 * `pagelen` outside 1 to 100, the range Bitbucket accepts.
 *
 * @example
 * client.paginate('/2.0/repositories/acme', { pagelen: 500 }) // throws ERR_PAGELEN
 */
export class PagelenError extends LabError {
  readonly pagelen: unknown;

  constructor(pagelen: unknown) {
    super(
      'ERR_PAGELEN',
      `pagelen=${String(pagelen)} is out of range: Bitbucket pages hold 1 to 100 values (10 by default). ` +
        `Use pagelen: 100 and let paginate() follow "next". ${seeLesson(5)}`,
      { lesson: 5 },
    );
    this.pagelen = pagelen;
  }
}
