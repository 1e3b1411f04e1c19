import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { SafeLogger } from './logger.ts';

/**
 * The path of a request URL without its query string: the query of a page request holds the
 * `jwt=` token, so only the path is ever logged.
 *
 * @example pathOnly('/oauth-callback?repoUuid=%7B1%7D&jwt=eyJ...') // '/oauth-callback'
 */
export function pathOnly(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * Middleware: gives each request an id (`res.locals.requestId`, echoed as `X-Request-Id`) and
 * logs one line when the response is done: method, path without query, status, duration, id.
 * A client that hangs up early is logged with `status=aborted`.
 *
 * @example app.use(requestLog({ log, now: Date.now }))
 */
export function requestLog(deps: { log: SafeLogger; now: () => number }): RequestHandler {
  return (req, res, next) => {
    const started = deps.now();
    // Our own id, never the client's: a log line must not carry text the caller chose.
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    let logged = false;
    const done = (status: string) => {
      if (logged) return;
      logged = true;
      const ms = Math.max(0, Math.round(deps.now() - started));
      deps.log.info(`request method=${req.method} path=${pathOnly(req.originalUrl)} status=${status} ms=${ms} ip=${req.ip ?? '-'} id=${requestId}`);
    };
    res.on('finish', () => done(String(res.statusCode)));
    res.on('close', () => done(res.writableFinished ? String(res.statusCode) : 'aborted'));
    next();
  };
}
