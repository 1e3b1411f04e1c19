import express, { type Express } from 'express';
import { requestLog } from '../../src/log/request-log.ts';
import { fakeErrorHandler, fakeNotFound } from './error-handler.ts';
import { loopbackHostOnly } from './guard.ts';
import { mswMiddleware } from './msw-adapter.ts';
import { paths } from './paths.ts';
import { appsRoutes } from './routes/apps.ts';
import type { FakeDeps } from './routes/deps.ts';
import { installRoutes } from './routes/install.ts';
import { repositoryRoutes } from './routes/repository.ts';
import { workspaceRoutes } from './routes/workspace.ts';
import { fakeSecurityHeaders } from './security-headers.ts';

/** The paths the msw mock answers: the token endpoint, and the REST API 2.0. */
const MOCK_MOUNTS = ['/site/oauth2', '/2.0'];
/** The fake's forms hold a URL and a hash. */
const FORM_LIMIT = '16kb';

/**
 * Builds the fake Bitbucket's Express app, without listening: the mock's token endpoint and REST
 * API (the msw handlers, over HTTP), the web pages, one log line per request, and an error page
 * for every failure.
 *
 * @param deps.port The port listened on: only `Host: 127.0.0.1:<port>` (or localhost, [::1]) is answered.
 *
 * @example
 * const app = createFakeApp({ ...deps, port: 4000 })
 * server.on('request', app)
 */
export function createFakeApp(deps: FakeDeps & { port: number }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use(requestLog({ log: deps.log, now: deps.now }));
  app.use(loopbackHostOnly({ port: deps.port }));
  app.use(MOCK_MOUNTS, mswMiddleware({ handlers: deps.mock.handlers, origin: deps.origin }));

  app.use(fakeSecurityHeaders());
  app.use(express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 20 }));
  // Browsers ask for it on every page: no icon, and no 404 line in the log.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.get(paths.healthcheck, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain').send('OK');
  });
  // The /site/... pages first: as bitbucket.org, a workspace cannot be called "site".
  app.use(installRoutes(deps));
  app.use(workspaceRoutes(deps));
  app.use(appsRoutes(deps));
  app.use(repositoryRoutes(deps));

  app.use(fakeNotFound());
  app.use(fakeErrorHandler({ log: deps.log, scenario: () => deps.mock.state.scenario }));
  return app;
}
