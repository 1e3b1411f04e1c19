import express, { Router, type Express } from 'express';
import { rateLimitPolicy } from '../bitbucket/rate-limit.ts';
import type { Config } from '../config.ts';
import { buildDescriptor, validateDescriptor } from '../connect/descriptor.ts';
import { INSTALL_COMPLETE_PATH } from '../connect/install-link.ts';
import { createInstallVerifier, type InstallVerifier } from '../connect/install-verifier.ts';
import type { LifecycleDeps } from '../connect/lifecycle.ts';
import { consoleLogger, safeLogger, type Logger } from '../log/logger.ts';
import { requestLog } from '../log/request-log.ts';
import { createTokenCache, type TokenCache } from '../oauth/token-cache.ts';
import type { InstallationStore } from '../store/installation.ts';
import type { Course } from './course.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { createRequestRecorder } from './request-recorder.ts';
import { descriptorRoute } from './routes/descriptor.ts';
import { healthcheck } from './routes/healthcheck.ts';
import { homePage } from './routes/home.ts';
import { inspectRoutes } from './routes/inspect.ts';
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
  /**
   * The lessons the home page lists and `/lessons/:n` serves (see `Course`). Default: none, as in
   * a real app; the lab's entry points pass the lab's course (`lessons/runner/course.ts`).
   */
  course?: Course;
  /** Express's `trust proxy` (see `parseTrustProxy`). Default: trust no proxy. */
  trustProxy?: TrustProxy;
  /**
   * Proves first installs with a token exchange (`config.verifyInstalls`). Default: one built on
   * `fetch`, `store` and the log, fire-and-forget. Pass your own to await it (`idle()`) or stop
   * it (`close()`, as `startServer` does at shutdown).
   */
  installVerifier?: InstallVerifier;
  /** How many unproven first installs are kept at once; default 50 (`DEFAULT_MAX_PENDING`). */
  maxPendingInstalls?: number;
  /** Decides each `installed` call; default `decideInstall` (src/connect/install-decision.ts). `--mine` passes the learner's. */
  decideInstall?: LifecycleDeps['decideInstall'];
}

/**
 * Builds the Connect app (Express 5) without listening: descriptor, lifecycle (first installs
 * proven by a token exchange, see `installVerifier`), the repository page, the landing page,
 * the lesson notes of a `course` when one is given, and the health check, with one error table and
 * one redacted log line per request. The descriptor is built and validated here, so a bad
 * `BASE_URL` or `APP_KEY` fails at start (`ERR_DESCRIPTOR_INVALID`), not at install time.
 * Bitbucket is whatever answers `fetch` at `config.bitbucketUrl`: the app never starts a mock.
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
    deps.tokenCache ??
    createTokenCache({ exchangeOptions: { fetch: recorder.fetch, bitbucketUrl: config.bitbucketUrl }, now, live: config.live });
  const verifier = deps.installVerifier ?? createInstallVerifier({ store, bitbucketUrl: config.bitbucketUrl, fetch: deps.fetch, now, log });
  const descriptor = validateDescriptor(buildDescriptor({ appKey: config.appKey, baseUrl: config.baseUrl }), { live: config.live });
  const basePath = new URL(config.baseUrl).pathname.replace(/\/+$/, '');

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use(requestLog({ log, now }));
  app.use(securityHeaders({ bitbucketUrl: config.bitbucketUrl }));

  const routes = Router();
  routes.get('/', homePage({ config, store, course: deps.course, basePath }));
  routes.get('/healthcheck', healthcheck({ store, log }));
  routes.get('/atlassian-connect.json', descriptorRoute(descriptor));
  routes.get(INSTALL_COMPLETE_PATH, installComplete({ store, basePath }));
  routes.use(
    lifecycleRoutes({
      lifecycle: {
        store,
        appBaseUrl: config.baseUrl,
        appKey: config.appKey,
        bitbucketUrl: config.bitbucketUrl,
        // Which Bitbucket sent what the app accepts: live, the real one; offline, the mock or the fake.
        origin: config.live ? 'bitbucket' : 'simulated',
        verifyFirstInstalls: config.verifyInstalls,
        maxPending: deps.maxPendingInstalls,
        decideInstall: deps.decideInstall,
        now,
      },
      log,
      tokenCache,
      verifier,
    }),
  );
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
      live: config.live,
      now,
      // Inside real Bitbucket the iframe needs its host script; offline there is no host to talk to.
      scripts: config.live ? [new URL('/atlassian-connect/all.js', config.bitbucketUrl).href] : [],
    }),
  );
  if (deps.course) routes.get('/lessons/:n', lessonNotes({ course: deps.course, basePath }));
  routes.use(inspectRoutes({ store, appBaseUrl: config.baseUrl, bitbucketUrl: config.bitbucketUrl, basePath, now }));

  // BASE_URL may have a path (https://host/app). A proxy that keeps it sends /app/installed, one
  // that strips it sends /installed: both reach the routes, and qsh ignores the context path.
  if (basePath) app.use(basePath, routes);
  app.use(routes);

  app.use(notFound());
  app.use(errorHandler({ log, basePath }));
  return app;
}
