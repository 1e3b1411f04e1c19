import { Router, type Request, type RequestHandler } from 'express';
import { handleInstalled, handleUninstalled } from '../../connect/lifecycle.ts';
import { InstallationUnknownError } from '../../jwt/errors.ts';
import type { TokenCache } from '../../oauth/token-cache.ts';
import type { InstallationStore } from '../../store/installation.ts';
import type { ErrorContext } from '../error-handler.ts';
import type { RouteKind } from '../error-status.ts';
import { jsonBody } from '../json-body.ts';
import type { SafeLogger } from '../logger.ts';
import { requestUrlAsAddressed } from '../request-url.ts';

/**
 * What the lifecycle routes need.
 *
 * @example lifecycleRoutes({ store, appBaseUrl, appKey, now: Date.now, log, tokenCache } satisfies LifecycleRouteDeps)
 */
export interface LifecycleRouteDeps {
  store: InstallationStore;
  /** The app's public base URL: lifecycle JWTs carry a qsh over the path relative to it. */
  appBaseUrl: string;
  appKey: string;
  now: () => number;
  log: SafeLogger;
  /** Tokens of an uninstalled installation are dropped from it. */
  tokenCache: TokenCache;
}

/** The framework-free request the lifecycle functions take: the URL as Bitbucket addressed (and signed) it. */
function lifecycleRequest(req: Request, appBaseUrl: string) {
  return { method: req.method, url: requestUrlAsAddressed(req, appBaseUrl), headers: req.headers, body: req.body as unknown };
}

/** Errors of lifecycle routes are JSON for Bitbucket, with statuses chosen for this route. */
function answerAs(routeKind: RouteKind): RequestHandler {
  return (_req, res, next) => {
    Object.assign(res.locals, { routeKind, errorFormat: 'json' } satisfies ErrorContext);
    next();
  };
}

/** The payload's secret, to redact from anything logged about this request. */
function payloadSecret(body: unknown): string[] {
  const secret = (body as { sharedSecret?: unknown } | undefined)?.sharedSecret;
  return typeof secret === 'string' ? [secret] : [];
}

/**
 * `POST /installed` and `POST /uninstalled`: Bitbucket's lifecycle calls, JWT-verified by the
 * lifecycle functions (src/connect/lifecycle.ts). 204 on success; failures answer JSON
 * `{ error, message }` through the status table: 400 bad payload, 401 bad or missing JWT and
 * forged re-installs, 404 uninstall of a client the app does not know, 413/415 bad bodies.
 *
 * @example app.use(lifecycleRoutes({ store, appBaseUrl: config.baseUrl, appKey: config.appKey, now, log, tokenCache }))
 */
export function lifecycleRoutes(deps: LifecycleRouteDeps): Router {
  const router = Router();
  const options = { store: deps.store, appBaseUrl: deps.appBaseUrl, appKey: deps.appKey, now: deps.now };

  const installed: RequestHandler = async (req, res) => {
    const { installation, outcome } = await handleInstalled(lifecycleRequest(req, deps.appBaseUrl), options);
    deps.log.info(
      `installed clientKey=${installation.clientKey} outcome=${String(outcome)} id=${String(res.locals.requestId)}`,
      [installation.sharedSecret, ...payloadSecret(req.body)],
    );
    res.status(204).end();
  };

  const uninstalled: RequestHandler = async (req, res) => {
    const { clientKey, removed } = await handleUninstalled(lifecycleRequest(req, deps.appBaseUrl), options);
    // Verified, but already gone (a concurrent uninstall): the same answer as an unknown client.
    if (!removed) throw new InstallationUnknownError(clientKey);
    // Bitbucket revokes the app's tokens on uninstall; the cache must not hand them out.
    deps.tokenCache.invalidate(clientKey);
    deps.log.info(`uninstalled clientKey=${clientKey} id=${String(res.locals.requestId)}`);
    res.status(204).end();
  };

  router.post('/installed', answerAs('installed'), ...jsonBody(), installed);
  router.post('/uninstalled', answerAs('uninstalled'), ...jsonBody(), uninstalled);
  return router;
}
