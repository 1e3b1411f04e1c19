import type { Request } from 'express';

/**
 * The URL of a request as Bitbucket addressed it, for verifying its JWT's qsh: `BASE_URL`'s path
 * (the context path), then the route's path and raw query.
 *
 * The app serves its routes both under the context path (a proxy that keeps it) and at the root (a
 * proxy that strips it). The qsh functions strip the context path as a plain prefix, as Atlassian's
 * reference does, so a stripped URL must get it back first: with `BASE_URL=https://host/o`, the
 * stripped `/oauth-callback` would otherwise lose its `/o` and hash as `/auth-callback`.
 *
 * @example
 * // BASE_URL=https://host/app, a proxy that strips /app: req.originalUrl is '/installed'
 * requestUrlAsAddressed(req, config.baseUrl) // '/app/installed'
 */
export function requestUrlAsAddressed(req: Pick<Request, 'baseUrl' | 'originalUrl'>, appBaseUrl: string): string {
  const contextPath = new URL(appBaseUrl).pathname.replace(/\/+$/, '');
  // Reached through the context-path mount (req.baseUrl is set), or no context path: as received.
  if (contextPath === '' || req.baseUrl !== '' || !req.originalUrl.startsWith('/')) return req.originalUrl;
  return `${contextPath}${req.originalUrl}`;
}
