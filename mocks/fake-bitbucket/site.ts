import { TEAMS_IN_SPACE, WORKSPACE_ADMIN, userAccount, workspaceObject } from '../fixtures/accounts.ts';
import { repositoryFixtures } from '../fixtures/repositories.ts';
import type { BitbucketAccountRef, BitbucketRepository, BitbucketWorkspace } from '../fixtures/types.ts';

/**
 * What the fake Bitbucket's pages show: the mock's own workspace, repositories and admin (the
 * same fixtures its REST API serves, with links to this server), so a page and the API never
 * disagree about a repository.
 */
export interface Site {
  workspace: BitbucketWorkspace;
  repositories: readonly BitbucketRepository[];
  /** The workspace admin who is "signed in": installs apps, opens pages. */
  admin: BitbucketAccountRef;
  /** A repository of the workspace by slug (any case), or `undefined`. */
  findRepository(workspace: string, slug: string): BitbucketRepository | undefined;
  /** True when `slug` names the workspace (any case). */
  isWorkspace(slug: string): boolean;
}

/**
 * The site of a fake Bitbucket served at `origin` (its web pages and its API share the origin).
 *
 * @example
 * const site = createSite('http://127.0.0.1:4000')
 * site.findRepository('teamsinspace', 'launch-control')?.full_name // 'teamsinspace/launch-control'
 */
export function createSite(origin: string): Site {
  const origins = { bitbucketUrl: origin, apiUrl: origin };
  const workspace = workspaceObject(TEAMS_IN_SPACE, origins);
  const repositories = repositoryFixtures({ ...origins, workspace: TEAMS_IN_SPACE });
  const isWorkspace = (slug: string) => slug.toLowerCase() === workspace.slug.toLowerCase();
  return {
    workspace,
    repositories,
    admin: userAccount(WORKSPACE_ADMIN, origins),
    isWorkspace,
    findRepository(workspaceSlug, slug) {
      if (!isWorkspace(workspaceSlug)) return undefined;
      return repositories.find((repo) => repo.slug.toLowerCase() === slug.toLowerCase());
    },
  };
}
