import type { RequestHandler } from 'express';

/**
 * The fake's pages frame apps from any origin (`frame-src http: https:`: an app's baseUrl may be
 * a tunnel), but are framed by nobody (`frame-ancestors 'none'`), post forms only to themselves,
 * and send no `Referer` to the apps they frame.
 */
const CSP = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  'frame-src http: https:',
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Middleware setting the security headers of the fake's pages.
 *
 * @example app.use(fakeSecurityHeaders())
 */
export function fakeSecurityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  };
}
