import { Router, type Request, type RequestHandler } from 'express';
import type { InstallVerifier } from '../../connect/install-verifier.ts';
import { handleInstalled, handleUninstalled, type LifecycleDeps } from '../../connect/lifecycle.ts';
import type { SafeLogger } from '../../log/logger.ts';
import type { TokenCache } from '../../oauth/token-cache.ts';
import type { ErrorContext } from '../error-handler.ts';
import type { RouteKind } from '../error-status.ts';
import { jsonBody } from '../json-body.ts';
import { requestUrlAsAddressed } from '../request-url.ts';

/**
 * What the lifecycle routes need.
 *
 * @example lifecycleRoutes({ lifecycle: { store, appBaseUrl, appKey, bitbucketUrl, origin: 'bitbucket' }, log, tokenCache, verifier } satisfies LifecycleRouteDeps)
 */
export interface LifecycleRouteDeps {
  /** What `handleInstalled` and `handleUninstalled` take: the store, the app's URLs and key, the rules' options. */
  lifecycle: LifecycleDeps;
  log: SafeLogger;
  /** Tokens of an uninstalled installation are dropped from it. */
  tokenCache: TokenCache;
  /** Proves each pending first install, after the 204. */
  verifier: InstallVerifier;
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
 * `POST /installed` and `POST /uninstalled`: Bitbucket's lifecycle calls, checked by the lifecycle
 * functions (src/connect/lifecycle.ts). 204 on success, and a first install's proof exchange starts
 * right after (the verifier). Failures answer JSON `{ error, message }` through the status table:
 * 400 bad payload or another Bitbucket, 401 bad or missing JWT and forged re-installs, 404
 * uninstall of a client the app does not know (or no longer has), 409 uninstall of an unproven
 * install, 413/415 bad bodies, 503 too many unproven installs (Bitbucket retries).
 *
 * @example app.use(lifecycleRoutes({ lifecycle, log, tokenCache, verifier }))
 */
export function lifecycleRoutes(deps: LifecycleRouteDeps): Router {
  const router = Router();
  const { appBaseUrl } = deps.lifecycle;

  const installed: RequestHandler = async (req, res) => {
    const { installation, outcome } = await handleInstalled(lifecycleRequest(req, appBaseUrl), deps.lifecycle);
    deps.log.info(
      `installed clientKey=${installation.clientKey} outcome=${String(outcome)} id=${String(res.locals.requestId)}`,
      [installation.sharedSecret, ...payloadSecret(req.body)],
    );
    res.status(204).end();
    // After the answer: Bitbucket may not confirm the installation before it has its 204.
    if (outcome === 'pending') deps.verifier.verify(installation);
  };

  const uninstalled: RequestHandler = async (req, res) => {
    const { installation } = await handleUninstalled(lifecycleRequest(req, appBaseUrl), deps.lifecycle);
    // Bitbucket revokes the app's tokens on uninstall; the cache must not hand them out.
    deps.tokenCache.invalidate(installation.clientKey);
    deps.log.info(`uninstalled clientKey=${installation.clientKey} kept=tombstone id=${String(res.locals.requestId)}`);
    res.status(204).end();
  };

  router.post('/installed', answerAs('installed'), ...jsonBody(), installed);
  router.post('/uninstalled', answerAs('uninstalled'), ...jsonBody(), uninstalled);
  return router;
}
