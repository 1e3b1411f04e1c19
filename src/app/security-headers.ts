import type { RequestHandler } from 'express';

/**
 * The security headers of every response. Pages must load inside Bitbucket's iframe, so framing
 * is restricted with CSP `frame-ancestors` (Bitbucket and this app) instead of
 * `X-Frame-Options: DENY`. `Referrer-Policy: no-referrer` matters here: page URLs carry `?jwt=`,
 * which a link to another site would otherwise leak in the `Referer` header.
 *
 * @param options.bitbucketUrl The configured Bitbucket origin (a mock in offline mode), allowed
 *   to frame pages and to serve scripts beside https://bitbucket.org.
 *
 * @example app.use(securityHeaders({ bitbucketUrl: config.bitbucketUrl }))
 */
export function securityHeaders(options: { bitbucketUrl: string }): RequestHandler {
  const bitbucketOrigins = [...new Set(['https://bitbucket.org', new URL(options.bitbucketUrl).origin])].join(' ');
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${bitbucketOrigins}`,
    // Inline <style> only: pages ship their CSS inline so the iframe needs no further request.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors 'self' ${bitbucketOrigins}`,
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}
