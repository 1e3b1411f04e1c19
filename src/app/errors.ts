import { LabError } from '../errors.ts';

/**
 * Errors the Connect app raises itself, about the HTTP request rather than the protocol. Protocol
 * errors (JWT, lifecycle, exchange) come from their own modules and keep their codes.
 */

/**
 * The request body is not valid JSON (or not a JSON object or array).
 *
 * @example throw new BodyMalformedError('Unexpected token } in JSON at position 12')
 */
export class BodyMalformedError extends LabError {
  constructor(detail: string) {
    super(
      'ERR_BODY_MALFORMED',
      `The request body is not valid JSON (${detail}). Lifecycle calls carry the installation payload as a JSON object; see lesson 2.`,
      { lesson: 2 },
    );
  }
}

/**
 * The request body is larger than the app accepts.
 *
 * @example throw new BodyTooLargeError(65536)
 */
export class BodyTooLargeError extends LabError {
  constructor(limitBytes: number) {
    super(
      'ERR_BODY_TOO_LARGE',
      `The request body is larger than ${limitBytes} bytes. A real installed payload is a few kilobytes; send only the lifecycle payload (lesson 2).`,
      { lesson: 2 },
    );
  }
}

/**
 * The request body is not `application/json` (or is compressed, or not UTF-8).
 *
 * @example throw new UnsupportedMediaTypeError('text/plain')
 */
export class UnsupportedMediaTypeError extends LabError {
  constructor(received: string | undefined) {
    super(
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      `Expected an uncompressed UTF-8 JSON body with Content-Type: application/json, got ${received ? `"${received}"` : 'no Content-Type'}. Bitbucket sends lifecycle calls as JSON (lesson 2).`,
      { lesson: 2 },
    );
  }
}

/**
 * A query or path parameter is missing or malformed.
 *
 * @example throw new InvalidParameterError('repoUuid', 'a repository UUID in braces, like {0f1e...}')
 */
export class InvalidParameterError extends LabError {
  /** @param options.lesson The lesson that explains the parameter, linked from the error page. */
  constructor(name: string, expected: string, options: { lesson?: number } = {}) {
    super('ERR_PARAM_INVALID', `The parameter "${name}" is missing or malformed: expected ${expected}.`, options);
  }
}

/**
 * Nothing is served at this path.
 *
 * @example throw new NotFoundError('/nope')
 */
export class NotFoundError extends LabError {
  constructor(what: string) {
    super('ERR_NOT_FOUND', `Nothing here: ${what}. Start from the home page, /.`);
  }
}

/**
 * The installation has no workspace (principal) UUID, so the app cannot address the repository.
 *
 * @example throw new InstallationWithoutPrincipalError()
 */
export class InstallationWithoutPrincipalError extends LabError {
  constructor() {
    super(
      'ERR_INSTALLATION_NO_PRINCIPAL',
      'The stored installation has no principal UUID, so the repository\'s workspace is unknown. Reinstall the app so Bitbucket sends a fresh installed payload (lesson 2).',
      { lesson: 2 },
    );
  }
}

/**
 * The store did not answer the health check.
 *
 * @example throw new StoreUnavailableError('timed out after 2000 ms')
 */
export class StoreUnavailableError extends LabError {
  constructor(detail: string) {
    super('ERR_STORE_UNAVAILABLE', `The installation store does not answer (${detail}). Check DATA_DIR is readable and writable, and the logs.`);
  }
}

/**
 * An unexpected failure: a bug or a broken dependency. The details go to the log, under the
 * request id, never to the client.
 *
 * @example throw new InternalError('3f2a...')
 */
export class InternalError extends LabError {
  constructor(requestId: string) {
    super('ERR_INTERNAL', `Something went wrong on the app's side. The log has the details under request id ${requestId}.`);
  }
}

/**
 * A request the HTTP layer could not make sense of (a malformed percent-encoding in the path...).
 *
 * @example throw new BadRequestError('Failed to decode param')
 */
export class BadRequestError extends LabError {
  constructor(detail: string) {
    super('ERR_BAD_REQUEST', `The request is malformed (${detail}). Check the URL and headers you send.`);
  }
}
