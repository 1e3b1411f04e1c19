import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { isLabError, type LabError } from '../errors.ts';
import { redactText } from '../redact.ts';
import { BadRequestError, InternalError, NotFoundError } from './errors.ts';
import { httpStatusFor, type RouteKind } from './error-status.ts';
import type { SafeLogger } from './logger.ts';
import { renderErrorPage } from './views/error-page.ts';

/**
 * How a route wants its errors answered, set in `res.locals` by the route: lifecycle routes answer
 * JSON for Bitbucket, pages answer HTML for people. Unset: content negotiation.
 *
 * @example Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext)
 */
export interface ErrorContext {
  routeKind?: RouteKind;
  errorFormat?: 'json' | 'html';
}

/**
 * Express's own client errors (router, body parser) carry a 4xx `status`: a malformed
 * percent-encoding in the path, for one. Their messages describe the request, not the server.
 */
function clientHttpError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, message } = error as { status?: unknown; message?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return typeof message === 'string' ? message : 'bad request';
  }
  return undefined;
}

/** The client-facing error and its status: a known code keeps its message, anything else is a 500. */
function classify(error: unknown, routeKind: RouteKind | undefined, requestId: string): { status: number; error: LabError; internal: boolean } {
  if (isLabError(error)) {
    const status = httpStatusFor(error.code, routeKind);
    if (status !== undefined) return { status, error, internal: false };
  } else {
    const detail = clientHttpError(error);
    if (detail !== undefined) return { status: 400, error: new BadRequestError(detail), internal: false };
  }
  return { status: 500, error: new InternalError(requestId), internal: true };
}

function wantsJson(req: Request, res: Response): boolean {
  const format = (res.locals as ErrorContext).errorFormat;
  if (format) return format === 'json';
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * The last middleware: answers every error through the status table (`error-status.ts`), as JSON
 * `{ error, message }` or as an HTML page, and logs unexpected ones (redacted, with the request
 * id). A client never sees a stack trace, and bad input never becomes a 500.
 *
 * @param deps.basePath The path of BASE_URL, for the page's links (`/app` in `https://host/app`).
 *
 * @example app.use(errorHandler({ log, basePath: '' }))
 */
export function errorHandler(deps: { log: SafeLogger; basePath?: string }): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = String(res.locals.requestId ?? '-');
    const { routeKind } = res.locals as ErrorContext;
    const { status, error: answer, internal } = classify(error, routeKind, requestId);
    // A payload's sharedSecret must not reach the log through an error message.
    const secrets = [(req.body as { sharedSecret?: unknown } | undefined)?.sharedSecret].filter((s): s is string => typeof s === 'string');
    if (internal) {
      const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
      deps.log.error(`internal error id=${requestId} code=${isLabError(error) ? error.code : '-'} ${detail}`, secrets);
    } else {
      reportFailure({ res, log: deps.log, status, error: answer, requestId, secrets });
    }
    if (res.headersSent) {
      // Too late for an answer: cut the connection so the client sees a failure, not a short body.
      res.destroy();
      return;
    }
    const message = redactText(answer.message, secrets);
    if (wantsJson(req, res)) {
      res.status(status).json({ error: answer.code, message });
    } else {
      res
        .status(status)
        .type('html')
        .send(renderErrorPage({ status, code: answer.code, message, lesson: answer.lesson, requestId, basePath: deps.basePath ?? '' }));
    }
  };
}

/**
 * What answering a known failure involves besides its body: a 5xx is Bitbucket failing behind the
 * app, so it is logged (redacted, with the request id); a 503 passes on Bitbucket's rate limit as
 * `Retry-After`, so a client (or a person reloading) learns when to come back. The error handler
 * uses it, and so does a page that renders its own failure beside what it did before.
 *
 * @example reportFailure({ res, log, status: httpStatusFor(error.code, 'page') ?? 500, error, requestId })
 */
export function reportFailure(o: {
  res: Response;
  log: SafeLogger;
  status: number;
  error: LabError;
  requestId: string;
  secrets?: string[];
}): void {
  if (o.status >= 500) o.log.error(`upstream error id=${o.requestId} code=${o.error.code} ${o.error.message}`, o.secrets);
  const retryAfterMs = (o.error as { retryAfterMs?: unknown }).retryAfterMs;
  if (o.status === 503 && typeof retryAfterMs === 'number' && retryAfterMs > 0 && !o.res.headersSent) {
    o.res.setHeader('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
  }
}

/**
 * The fallback route: nothing is served here (404, JSON or HTML by content negotiation).
 *
 * @example app.use(notFound())
 */
export function notFound(): RequestHandler {
  return (req, _res, next) => {
    next(new NotFoundError(`${req.method} ${req.path}`));
  };
}
