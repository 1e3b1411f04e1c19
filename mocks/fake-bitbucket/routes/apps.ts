import { Router } from 'express';
import { isLabError } from '../../../src/errors.ts';
import { uninstallApp } from '../../install.ts';
import { PageNotFoundError } from '../errors.ts';
import { sameOriginOnly } from '../guard.ts';
import { paths, routes } from '../paths.ts';
import { renderApps, type UninstallNotice } from '../views/apps.ts';
import type { FakeDeps } from './deps.ts';
import { textField } from './form.ts';

/** The notice an uninstall redirects with, read back from the query (escaped when shown). */
function noticeFrom(query: unknown): UninstallNotice | undefined {
  const appName = textField(query, 'uninstalled', 255);
  if (!appName) return undefined;
  const status = Number(textField(query, 'status', 3));
  if (Number.isInteger(status) && status >= 100 && status <= 599) return { appName, answer: { status } };
  return { appName, answer: { unreachable: textField(query, 'unreachable', 300) ?? 'no answer' } };
}

/**
 * The workspace's installed apps (`GET /:workspace/workspace/settings/addon-management`) and
 * their Uninstall button (`POST .../uninstall`). As on Bitbucket, an uninstall cannot be refused:
 * the app is removed and its tokens stop working, whatever the app answers to the signed
 * `uninstalled` callback. Bitbucket keeps the last secret: an install of the app again is signed
 * with it.
 *
 * @example app.use(appsRoutes(deps))
 */
export function appsRoutes(deps: FakeDeps): Router {
  const router = Router();
  const { site } = deps;

  const workspaceOf = (value: unknown) => {
    const workspace = String(value);
    if (!site.isWorkspace(workspace)) throw new PageNotFoundError(`The workspace "${workspace.slice(0, 80)}"`);
    return workspace;
  };

  router.get(routes.apps, (req, res) => {
    workspaceOf(req.params.workspace);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderApps({ site, scenario: deps.mock.state.scenario, apps: deps.registry.list(), notice: noticeFrom(req.query) }));
  });

  router.post(routes.uninstall, sameOriginOnly(), async (req, res) => {
    const workspace = workspaceOf(req.params.workspace);
    const clientKey = textField(req.body, 'clientKey', 500) ?? '';
    const app = deps.registry.get(clientKey);
    if (!app) throw new PageNotFoundError(`The installed app with clientKey "${clientKey.slice(0, 120)}"`, `See ${paths.apps(workspace)}.`);
    const query = new URLSearchParams({ uninstalled: app.descriptor.name });
    try {
      const { response } = await uninstallApp({
        appBaseUrl: app.appUrl,
        descriptor: app.descriptor,
        installed: app.payload,
        registry: deps.registry.bitbucket,
        fetch: deps.fetch,
        now: deps.now,
      });
      await response.body?.cancel();
      query.set('status', String(response.status));
    } catch (error) {
      if (!isLabError(error, 'ERR_INSTALL_UNREACHABLE')) throw error;
      query.set('unreachable', `${app.appUrl} did not answer`);
    } finally {
      // Bitbucket's record is marked uninstalled (its last secret kept for the next install); the pages forget the app.
      deps.registry.remove(clientKey);
    }
    deps.log.info(`uninstalled app=${app.appKey} clientKey=${clientKey} ${query.get('status') ? `status=${query.get('status')}` : 'unreachable'}`);
    res.redirect(303, `${paths.apps(workspace)}?${query}`);
  });
  return router;
}
