import { Router } from 'express';
import { SCENARIOS, type ScenarioName } from '../../../src/config.ts';
import { FormFieldError, PageNotFoundError } from '../errors.ts';
import { sameOriginOnly } from '../guard.ts';
import { paths, routes } from '../paths.ts';
import { renderOverview } from '../views/workspace.ts';
import type { FakeDeps } from './deps.ts';
import { textField } from './form.ts';

/** How many of the mock's latest calls the overview lists. */
const ACTIVITY_ROWS = 12;

function isScenario(value: string | undefined): value is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(value ?? '');
}

/**
 * The workspace overview (`/` and `/:workspace`) and the scenario switch (`POST /site/scenario`),
 * which makes the token endpoint and the API play a failure (rate limit, server error, slow,
 * expired token) for the app to cope with.
 *
 * @example app.use(workspaceRoutes(deps))
 */
export function workspaceRoutes(deps: FakeDeps): Router {
  const router = Router();
  const overview = () =>
    renderOverview({
      site: deps.site,
      apps: deps.registry.list(),
      scenario: deps.mock.state.scenario,
      activity: deps.mock.state.log.slice(-ACTIVITY_ROWS).reverse(),
    });

  router.get(paths.overview, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(overview());
  });

  router.post(paths.scenario, sameOriginOnly(), (req, res) => {
    const scenario = textField(req.body, 'scenario', 40);
    if (!isScenario(scenario)) throw new FormFieldError('scenario', `one of ${SCENARIOS.join(', ')}`);
    deps.mock.setScenario(scenario);
    deps.log.info(`scenario=${scenario}`);
    res.redirect(303, paths.overview);
  });

  router.get(routes.workspace, (req, res) => {
    const workspace = String(req.params.workspace);
    if (!deps.site.isWorkspace(workspace)) {
      throw new PageNotFoundError(`The workspace "${workspace.slice(0, 80)}"`, `This fake Bitbucket hosts one workspace, ${deps.site.workspace.slug}.`);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(overview());
  });
  return router;
}
