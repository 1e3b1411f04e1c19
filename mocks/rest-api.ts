import { http, HttpResponse, type HttpHandler } from 'msw';
import { authenticateApiCall, hasScope, missingScope, type ApiCaller } from './api-auth.ts';
import { recorded, type MockContext } from './context.ts';
import { fixtureAccountId, fixtureUuid } from './fixtures/ids.ts';
import type { BitbucketRepository } from './fixtures/types.ts';
import { paginate } from './pagination.ts';
import { apiError } from './responses.ts';

/**
 * The REST API 2.0 endpoints the project uses (docs/protocol.md, section 8), under the mock's API
 * origin. Every call is authenticated (see authenticateApiCall), then the scenario may answer
 * instead, then the endpoint answers from the fixtures.
 */

/** The endpoints, named as in Bitbucket's docs, which is also how the mock counts and logs them. */
export const API_ENDPOINTS = Object.freeze({
  user: 'GET /2.0/user',
  workspace: 'GET /2.0/workspaces/{workspace}',
  repositories: 'GET /2.0/repositories/{workspace}',
  repository: 'GET /2.0/repositories/{workspace}/{repo_slug}',
  other: 'other /2.0/*',
});

/** Workspaces and repositories are named by slug (any case) or by `{uuid}`. */
function matches(identifier: string, object: { slug: string; uuid: string }): boolean {
  return identifier.toLowerCase() === object.slug.toLowerCase() || identifier === object.uuid;
}

/**
 * The user a Connect app acts as: Bitbucket answers `/2.0/user` for an app's token with the app's
 * own account (`type: "app_user"`), one per installation, not with a person.
 *
 * @example
 * appUser(ctx, caller).type // 'app_user'
 */
function appUser(ctx: MockContext, caller: ApiCaller) {
  const { installation } = caller;
  const uuid = fixtureUuid(`app-user:${installation.clientKey}`);
  const encoded = encodeURIComponent(uuid);
  return {
    type: 'app_user',
    uuid,
    account_id: fixtureAccountId(`app-user:${installation.clientKey}`),
    account_status: 'active',
    display_name: installation.key,
    nickname: installation.key,
    created_on: installation.installedAt,
    is_staff: false,
    links: {
      self: { href: `${ctx.apiUrl}/2.0/users/${encoded}` },
      html: { href: `${ctx.bitbucketUrl}/${encoded}/` },
      avatar: { href: `${ctx.bitbucketUrl}/account/${encoded}/avatar/` },
    },
  };
}

/** Authenticates, applies the scenario, then answers: the steps every endpoint shares. */
function endpoint<Params extends Record<string, string>>(
  ctx: MockContext,
  name: string,
  answer: (caller: ApiCaller, request: Request, params: Params) => Response,
) {
  return recorded<Params>(ctx, 'api', name, async ({ request, params }) => {
    const auth = await authenticateApiCall(ctx, request);
    if (!auth.ok) return auth.response;
    const fault = await ctx.player.intercept({ request, token: auth.caller.token });
    return fault ?? answer(auth.caller, request, params);
  });
}

function workspaceNotFound(identifier: string): Response {
  return apiError(404, `No workspace with identifier ${JSON.stringify(identifier.slice(0, 100))}.`);
}

/** Bitbucket's answer to a repository-restricted token used beyond its repository. */
function restricted(caller: ApiCaller, what: string): Response {
  return apiError(403, `This access token is restricted to the repository ${caller.repository} and cannot access ${what}.`);
}

/**
 * The msw handlers of the REST API: `/2.0/user`, `/2.0/workspaces/{workspace}`,
 * `/2.0/repositories/{workspace}` (paged) and `/2.0/repositories/{workspace}/{repo_slug}`, plus a
 * 404 for every other `/2.0/` path so an unsupported call says what the mock serves.
 *
 * @example
 * setupServer(...restApiHandlers(ctx)).listen()
 */
export function restApiHandlers(ctx: MockContext): HttpHandler[] {
  const api = ctx.apiUrl;
  const { workspace } = ctx;

  const visibleRepositories = (caller: ApiCaller): readonly BitbucketRepository[] =>
    caller.repository === undefined ? ctx.repositories : ctx.repositories.filter((repo) => repo.uuid === caller.repository);

  return [
    http.get(
      `${api}/2.0/user`,
      endpoint(ctx, API_ENDPOINTS.user, (caller) => {
        if (!hasScope(caller.scopes, 'account')) return missingScope('account', caller.scopes);
        return HttpResponse.json(appUser(ctx, caller));
      }),
    ),

    http.get(
      `${api}/2.0/workspaces/:workspace`,
      endpoint<{ workspace: string }>(ctx, API_ENDPOINTS.workspace, (caller, _request, params) => {
        if (!matches(params.workspace, workspace)) return workspaceNotFound(params.workspace);
        // A repository-restricted token has no workspace-level permissions (docs/protocol.md, section 2).
        if (caller.repository !== undefined) return restricted(caller, `the workspace ${workspace.slug}`);
        if (!hasScope(caller.scopes, 'account')) return missingScope('account', caller.scopes);
        return HttpResponse.json(workspace);
      }),
    ),

    http.get(
      `${api}/2.0/repositories/:workspace`,
      endpoint<{ workspace: string }>(ctx, API_ENDPOINTS.repositories, (caller, request, params) => {
        if (!matches(params.workspace, workspace)) return workspaceNotFound(params.workspace);
        if (!hasScope(caller.scopes, 'repository')) return missingScope('repository', caller.scopes);
        return paginate(request, visibleRepositories(caller));
      }),
    ),

    http.get(
      `${api}/2.0/repositories/:workspace/:repo_slug`,
      endpoint<{ workspace: string; repo_slug: string }>(ctx, API_ENDPOINTS.repository, (caller, _request, params) => {
        if (!matches(params.workspace, workspace)) return workspaceNotFound(params.workspace);
        if (!hasScope(caller.scopes, 'repository')) return missingScope('repository', caller.scopes);
        const repository = ctx.repositories.find((repo) => matches(params.repo_slug, repo));
        if (!repository) {
          return apiError(404, `Repository ${workspace.slug}/${params.repo_slug.slice(0, 100)} not found`);
        }
        if (caller.repository !== undefined && repository.uuid !== caller.repository) {
          return restricted(caller, repository.full_name);
        }
        return HttpResponse.json(repository);
      }),
    ),

    http.all(
      `${api}/2.0/*`,
      recorded(ctx, 'api', API_ENDPOINTS.other, async ({ request }) =>
        apiError(
          404,
          `The offline Bitbucket does not serve ${request.method} ${new URL(request.url).pathname}. ` +
            `It serves: ${[API_ENDPOINTS.user, API_ENDPOINTS.workspace, API_ENDPOINTS.repositories, API_ENDPOINTS.repository].join(', ')}.`,
        ),
      ),
    ),
  ];
}
