import express, { Router, type Express } from 'express';
import { LESSONS_DIR } from '../../lessons/runner/manifest.ts';
import { rateLimitPolicy } from '../bitbucket/rate-limit.ts';
import type { Config } from '../config.ts';
import { buildDescriptor, validateDescriptor } from '../connect/descriptor.ts';
import { INSTALL_COMPLETE_PATH } from '../connect/install-link.ts';
import { createTokenCache, type TokenCache } from '../oauth/token-cache.ts';
import type { InstallationStore } from '../store/installation.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { consoleLogger, safeLogger, type Logger } from './logger.ts';
import { createRequestRecorder } from './request-recorder.ts';
import { requestLog } from './request-log.ts';
import { descriptorRoute } from './routes/descriptor.ts';
import { healthcheck } from './routes/healthcheck.ts';
import { homePage } from './routes/home.ts';
import { installComplete } from './routes/install-complete.ts';
import { lessonNotes } from './routes/lesson-notes.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { repoPage } from './routes/repo-page.ts';
import { securityHeaders } from './security-headers.ts';
import type { TrustProxy } from './trust-proxy.ts';

/**
 * What the app is built from; everything but `config` and `store` has a default.
 *
 * @example createApp({ config, store: createMemoryStore(), logger: { info: log, error: log } })
 */
export interface AppDeps {
  config: Config;
  /** The installation store. `npm start` uses `openSqliteStore`; tests a memory store. */
  store: InstallationStore;
  /** For the token endpoint and the REST API. Default: `globalThis.fetch` at call time (msw sees it). */
  fetch?: typeof fetch;
  /** The clock, epoch milliseconds. */
  now?: () => number;
  /** Where log lines go (each already redacted). Default: stdout/stderr. */
  logger?: Logger;
  /**
   * The access-token cache. Default: one built on `fetch`, whose token requests the repository
   * page can show; an injected cache uses its own fetch, so its requests are not shown.
   */
  tokenCache?: TokenCache;
  /** Where `manifest.json` and the lesson folders are. Default: this checkout's `lessons/`. */
  lessonsDir?: string;
  /** Express's `trust proxy` (see `parseTrustProxy`). Default: trust no proxy. */
  trustProxy?: TrustProxy;
}

/**
 * Builds the Connect app (Express 5) without listening: descriptor, lifecycle, the repository
 * page, the landing page, lesson notes and the health check, with one error table and one
 * redacted log line per request. The descriptor is built and validated here, so a bad `BASE_URL`
 * or `APP_KEY` fails at start (`ERR_DESCRIPTOR_INVALID`), not at install time.
 *
 * @example
 * const app = createApp({ config: loadConfig(process.env), store: createMemoryStore() })
 * const server = app.listen(0, '127.0.0.1')
 */
export function createApp(deps: AppDeps): Express {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
  const log = safeLogger(deps.logger ?? consoleLogger({ now }));
  const recorder = createRequestRecorder(deps.fetch);
  const tokenCache =
    deps.tokenCache ?? createTokenCache({ exchangeOptions: { fetch: recorder.fetch, bitbucketUrl: config.bitbucketUrl }, now });
  const descriptor = validateDescriptor(buildDescriptor({ appKey: config.appKey, baseUrl: config.baseUrl }), { live: config.live });
  const lessonsDir = deps.lessonsDir ?? LESSONS_DIR;
  const basePath = new URL(config.baseUrl).pathname.replace(/\/+$/, '');

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use(requestLog({ log, now }));
  app.use(securityHeaders({ bitbucketUrl: config.bitbucketUrl }));

  const routes = Router();
  routes.get('/', homePage({ config, store, lessonsDir, basePath }));
  routes.get('/healthcheck', healthcheck({ store, log }));
  routes.get('/atlassian-connect.json', descriptorRoute(descriptor));
  routes.get(INSTALL_COMPLETE_PATH, installComplete({ store, basePath }));
  routes.use(lifecycleRoutes({ store, appBaseUrl: config.baseUrl, appKey: config.appKey, now, log, tokenCache }));
  routes.get(
    '/oauth-callback',
    repoPage({
      store,
      tokenCache,
      recorder,
      log,
      basePath,
      appBaseUrl: config.baseUrl,
      apiUrl: config.bitbucketApiUrl,
      rateLimit: rateLimitPolicy(config.live),
      now,
      // Inside real Bitbucket the iframe needs its host script; offline there is no host to talk to.
      scripts: config.live ? [new URL('/atlassian-connect/all.js', config.bitbucketUrl).href] : [],
    }),
  );
  routes.get('/lessons/:n', lessonNotes({ lessonsDir, basePath }));

  // BASE_URL may have a path (https://host/app). A proxy that keeps it sends /app/installed, one
  // that strips it sends /installed: both reach the routes, and qsh ignores the context path.
  if (basePath) app.use(basePath, routes);
  app.use(routes);

  app.use(notFound());
  app.use(errorHandler({ log, basePath }));
  return app;
}
