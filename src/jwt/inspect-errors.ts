import { LabError, lessonName } from '../errors.ts';

/**
 * The error of `inspectJwt` (src/jwt/inspect.ts): what it was asked to inspect is unusable. A
 * malformed token is not an error (the inspection reports it); a request URL that cannot be
 * parsed is, because nothing can be computed for it. The CLI exits 2 on it, `/inspect` answers 400.
 */

/**
 * An input of the inspection (the request's method, URL or base URL) is unusable.
 *
 * @example
 * try { await inspectJwt(token, { ...options, request: { method: 'GET', url: 'http://[' } }) }
 * catch (e) { if (e instanceof InspectInputError) console.error(e.field, e.message) }
 */
export class InspectInputError extends LabError {
  declare readonly code: 'ERR_INSPECT_INPUT';
  /** The input at fault: `method`, `url`, `baseUrl` or `token`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super('ERR_INSPECT_INPUT', `Cannot inspect: ${field} ${problem}. See ${lessonName(3)} for how a request becomes its canonical form.`, { lesson: 3 });
    this.field = field;
  }
}
