import type { RequestHandler } from 'express';
import { CrossOriginError, HostNotAllowedError } from './errors.ts';
import { LOOPBACK_NAMES } from './ports.ts';

/**
 * The fake installs and uninstalls apps at the press of a button, and signs JWTs with their
 * secrets: only this machine's own browser tabs may use it. Two checks, as local dev servers do.
 */

/**
 * Refuses a request whose `Host` is not a loopback name with this server's port. Listening on
 * 127.0.0.1 keeps other machines out; this keeps out web pages that rebind a domain of theirs to
 * 127.0.0.1 (DNS rebinding).
 *
 * @throws {HostNotAllowedError} `ERR_FAKE_HOST` (403), through `next`.
 *
 * @example app.use(loopbackHostOnly({ port: 4000 }))
 */
export function loopbackHostOnly(o: { port: number }): RequestHandler {
  const allowed = new Set(LOOPBACK_NAMES.map((name) => `${name}:${o.port}`));
  return (req, _res, next) => {
    const host = (req.headers.host ?? '').toLowerCase();
    next(allowed.has(host) ? undefined : new HostNotAllowedError(host));
  };
}

/**
 * Refuses a form posted from another origin. Browsers send `Origin` with every POST; a request
 * without one comes from a program (curl, a test), which has no ambient access to abuse.
 *
 * @throws {CrossOriginError} `ERR_FAKE_CROSS_ORIGIN` (403), through `next`.
 *
 * @example app.post('/site/addons/authorize', sameOriginOnly(), handler)
 */
export function sameOriginOnly(): RequestHandler {
  return (req, _res, next) => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      next(new CrossOriginError(origin ?? `a ${String(site)} page`));
      return;
    }
    if (origin !== undefined && origin.toLowerCase() !== `http://${(req.headers.host ?? '').toLowerCase()}`) {
      next(new CrossOriginError(origin));
      return;
    }
    next();
  };
}
