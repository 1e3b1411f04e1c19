/**
 * The fake Bitbucket's page URLs, shaped like bitbucket.org's, in one place: the routes are
 * declared with these patterns and every link is built with these functions.
 *
 * @example
 * paths.repository('teamsinspace', 'launch-control') // '/teamsinspace/launch-control'
 */
export const paths = Object.freeze({
  overview: '/',
  /** Bitbucket's install link for private apps takes `descriptor_uri` (and `addon_key`, the listing's). */
  authorize: '/site/addons/authorize',
  installForm: '/site/addons/install',
  scenario: '/site/scenario',
  healthcheck: '/healthcheck',
  repository: (workspace: string, repo: string) => `/${encodeURIComponent(workspace)}/${encodeURIComponent(repo)}`,
  addon: (workspace: string, repo: string, appKey: string, moduleKey: string) =>
    `/${encodeURIComponent(workspace)}/${encodeURIComponent(repo)}/addon/${encodeURIComponent(appKey)}/${encodeURIComponent(moduleKey)}`,
  apps: (workspace: string) => `/${encodeURIComponent(workspace)}/workspace/settings/addon-management`,
  uninstall: (workspace: string) => `/${encodeURIComponent(workspace)}/workspace/settings/addon-management/uninstall`,
});

/**
 * The Express route patterns behind {@link paths}.
 *
 * @example app.get(routes.repository, handler)
 */
export const routes = Object.freeze({
  workspace: '/:workspace',
  repository: '/:workspace/:repo',
  addon: '/:workspace/:repo/addon/:appKey/:moduleKey',
  apps: '/:workspace/workspace/settings/addon-management',
  uninstall: '/:workspace/workspace/settings/addon-management/uninstall',
});
