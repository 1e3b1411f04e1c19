import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DescriptorError } from '../../src/connect/errors.ts';
import { isLabError, type LabError } from '../../src/errors.ts';
import type { SafeLogger } from '../../src/log/logger.ts';
import { redactText } from '../../src/redact.ts';
import { FakeInternalError, FormFieldError, InstallRefusedError, PageNotFoundError } from './errors.ts';
import { renderErrorPage } from './views/error-page.ts';

/** The status of each error the fake's pages expect; any other error is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  ERR_FAKE_FORM: 400,
  ERR_FAKE_APP_URL: 400,
  ERR_FAKE_REDIRECT_URI: 400,
  ERR_FAKE_HOST: 403,
  ERR_FAKE_CROSS_ORIGIN: 403,
  ERR_FAKE_NOT_FOUND: 404,
  ERR_FAKE_DESCRIPTOR_CHANGED: 409,
  ERR_DESCRIPTOR_INVALID: 422,
  ERR_INSTALL_DESCRIPTOR: 422,
  ERR_FAKE_OPTIONS: 422,
  ERR_FAKE_DESCRIPTOR_UNREACHABLE: 502,
  ERR_FAKE_DESCRIPTOR_RESPONSE: 502,
  ERR_FAKE_INSTALL_REFUSED: 502,
  ERR_INSTALL_UNREACHABLE: 502,
});

/** Express's own client errors (a malformed or oversized form) carry `status` and `expose`. */
function clientHttpError(error: unknown): { status: number; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose, message } = error as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || expose !== true) return undefined;
  return { status, message: typeof message === 'string' ? message : 'bad request' };
}

function classify(error: unknown, requestId: string): { status: number; error: LabError; internal: boolean } {
  if (isLabError(error)) {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) return { status, error, internal: false };
  }
  const http = clientHttpError(error);
  if (http) return { status: http.status, error: new FormFieldError('body', `a small form (${http.message})`), internal: false };
  return { status: 500, error: new FakeInternalError(requestId), internal: true };
}

/**
 * The fake's last middleware: every error becomes a readable page (status, code, what to do,
 * the descriptor's problems one by one, the app's answer), never a stack trace. Unexpected errors
 * are logged with the request id, redacted.
 *
 * @param deps.scenario Reads the scenario the mock plays, for the page's top bar.
 *
 * @example app.use(fakeErrorHandler({ log, scenario: () => mock.state.scenario }))
 */
export function fakeErrorHandler(deps: { log: SafeLogger; scenario: () => string }): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const requestId = String(res.locals.requestId ?? '-');
    const { status, error: shown, internal } = classify(error, requestId);
    if (internal) {
      const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
      deps.log.error(`internal error id=${requestId} ${detail}`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const refused = shown instanceof InstallRefusedError ? shown : undefined;
    res
      .status(status)
      .type('html')
      .send(
        renderErrorPage({
          status,
          code: shown.code,
          message: redactText(shown.message),
          problems: shown instanceof DescriptorError ? shown.problems : undefined,
          detail: refused ? { label: `The app's answer (HTTP ${refused.status})`, text: refused.body } : undefined,
          lesson: shown.lesson,
          requestId,
          scenario: deps.scenario(),
        }),
      );
  };
}

/**
 * The fallback route: a 404 page.
 *
 * @example app.use(fakeNotFound())
 */
export function fakeNotFound(): RequestHandler {
  return (req, _res, next) => {
    next(new PageNotFoundError(`The page ${req.path.slice(0, 200)}`));
  };
}
