import { Router } from 'express';
import { PageNotFoundError } from '../errors.ts';
import { signedModuleUrl } from '../module-url.ts';
import { paths, routes } from '../paths.ts';
import { renderAddon, renderRepository, repoPageLinks } from '../views/repository.ts';
import type { FakeDeps } from './deps.ts';

/**
 * A repository's page (`/:workspace/:repo`), and the pages installed apps add to it
 * (`/:workspace/:repo/addon/:appKey/:moduleKey`): the app's module URL in an iframe, signed with
 * a JWT as Bitbucket signs it.
 *
 * @example app.use(repositoryRoutes(deps))
 */
export function repositoryRoutes(deps: FakeDeps): Router {
  const router = Router();
  const { site } = deps;

  const repository = (workspace: string, slug: string) => {
    const repo = site.findRepository(workspace, slug);
    if (!repo) {
      throw new PageNotFoundError(
        `The repository ${workspace.slice(0, 80)}/${slug.slice(0, 80)}`,
        `The workspace overview (/) lists the ${site.repositories.length} repositories of ${site.workspace.slug}.`,
      );
    }
    return repo;
  };

  router.get(routes.repository, (req, res) => {
    const repo = repository(String(req.params.workspace), String(req.params.repo));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderRepository({ site, repo, apps: deps.registry.list(), scenario: deps.mock.state.scenario }));
  });

  router.get(routes.addon, async (req, res) => {
    const repo = repository(String(req.params.workspace), String(req.params.repo));
    const apps = deps.registry.list();
    const appKey = String(req.params.appKey);
    const moduleKey = String(req.params.moduleKey);
    const link = repoPageLinks(apps).find((candidate) => candidate.app.appKey === appKey && candidate.module.key === moduleKey);
    const installation = link && (await deps.registry.installations.get(link.app.clientKey));
    if (!link || !installation) {
      throw new PageNotFoundError(
        `The page "${moduleKey.slice(0, 80)}" of the app "${appKey.slice(0, 80)}"`,
        `Is the app installed? See ${paths.apps(site.workspace.slug)}.`,
      );
    }
    const iframeUrl = await signedModuleUrl({
      appBaseUrl: link.app.descriptor.baseUrl,
      moduleUrl: link.module.url,
      context: { repository: repo, workspace: site.workspace, user: site.admin, principal: link.app.payload.principal },
      scopes: installation.scopes ?? link.app.descriptor.scopes,
      clientKey: installation.clientKey,
      sharedSecret: installation.sharedSecret,
      now: deps.now,
    });
    // The page holds a signed URL: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderAddon({ site, repo, apps, link, iframeUrl, scenario: deps.mock.state.scenario }));
  });
  return router;
}
