import { http, HttpResponse, type HttpHandler } from 'msw';
import { authenticateApiCall, hasScope, missingScope, type ApiCaller, type AppCaller } from './api-auth.ts';
import { recorded, type MockContext } from './context.ts';
import { fixtureAccountId, fixtureUuid } from './fixtures/ids.ts';
import type { BitbucketRepository } from './fixtures/types.ts';
import { LAB_NOTES, labNote, withLabNote } from './lab-note.ts';
import { paginate } from './pagination.ts';
import { API_MESSAGES, apiError, withHeaders } from './responses.ts';

/**
 * The REST API 2.0 endpoints the project uses (docs/protocol.md, section 8), under the mock's API
 * origin. Every call is authenticated (see authenticateApiCall: no credentials is an anonymous
 * caller, who sees public data only), then the scenario may answer instead, then the endpoint
 * answers from the fixtures. Answers carry `X-Accepted-OAuth-Scopes` and, for an app's call,
 * `X-OAuth-Scopes` and `X-Credential-Type` [J]; what the record does not give is marked with
 * `X-Lab-Note` (mocks/lab-note.ts).
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
 * The user a Connect app acts as: the mock answers `/2.0/user` for an app's credential with the
 * app's own account (`type: "app_user"`), one per installation, not with a person. Its own
 * invention (`LAB_NOTES.appUser`).
 *
 * @example
 * appUser(ctx, caller).type // 'app_user'
 */
function appUser(ctx: MockContext, caller: AppCaller) {
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

/**
 * The scope headers of [J] (support.atlassian.com/bitbucket-cloud/kb/how-to-fetch-the-scope-of-a-token-via-command-line):
 * what the endpoint accepts on every answer; what the credential has, and what kind it is, for an
 * app's call (an anonymous one has neither, one way to notice it). Several scopes are listed
 * comma-separated, as clients that read the header split it.
 */
function scopeHeaders(response: Response, caller: ApiCaller, accepted: string): Response {
  if (caller.kind === 'anonymous') return withHeaders(response, { 'X-Accepted-OAuth-Scopes': accepted });
  const withScopes = withHeaders(response, {
    'X-Accepted-OAuth-Scopes': accepted,
    'X-OAuth-Scopes': caller.scopes.join(', '),
    'X-Credential-Type': caller.credentialType,
  });
  return withLabNote(withScopes, LAB_NOTES.credentialType);
}

/**
 * Authenticates, applies the scenario (to an app's calls: a fault is for the request under test),
 * then answers, adding the scope headers. `accepted` is the scope the endpoint needs, as Bitbucket's
 * REST API reference lists it for the endpoint.
 */
function endpoint<Params extends Record<string, string>>(
  ctx: MockContext,
  name: string,
  accepted: string,
  answer: (caller: ApiCaller, request: Request, params: Params) => Response,
) {
  return recorded<Params>(ctx, 'api', name, async ({ request, params }) => {
    const auth = await authenticateApiCall(ctx, request);
    if (!auth.ok) return auth.response;
    const { caller } = auth;
    const fault = caller.kind === 'app' ? await ctx.player.intercept({ request, token: caller.token }) : undefined;
    return scopeHeaders(fault ?? answer(caller, request, params), caller, accepted);
  });
}

/** Bitbucket's 404 for an unknown workspace, word for word (docs/protocol.md section 8). */
function workspaceNotFound(identifier: string, ...notes: string[]): Response {
  return apiError(404, API_MESSAGES.noWorkspace(identifier.slice(0, 100)), { headers: labNote(...notes) });
}

/** The mock's 404 for a repository it does not show this caller: its wording is not on record. */
function repositoryNotFound(workspace: string, slug: string): Response {
  return apiError(404, `Repository ${workspace}/${slug.slice(0, 100)} not found`, { headers: labNote(LAB_NOTES.apiRefusal) });
}

/** The mock's answer to a repository-restricted token used beyond its repository (unsettled: 403 or 404). */
function restricted(caller: AppCaller, what: string): Response {
  return apiError(403, `This access token is restricted to the repository ${caller.repository} and cannot access ${what}.`, {
    headers: labNote(LAB_NOTES.apiRefusal),
  });
}

/** A repository as this caller may see it: an app, every one (or its one, when restricted); anonymous, the public ones. */
function visibleTo(caller: ApiCaller, repository: BitbucketRepository): boolean {
  if (caller.kind === 'anonymous') return !repository.is_private;
  return caller.repository === undefined || repository.uuid === caller.repository;
}

/**
 * The msw handlers of the REST API: `/2.0/user`, `/2.0/workspaces/{workspace}`,
 * `/2.0/repositories/{workspace}` (paged) and `/2.0/repositories/{workspace}/{repo_slug}`, plus
 * Bitbucket's "Resource not found" for every other `/2.0/` path, with an `X-Lab-Note` naming what
 * the mock serves.
 *
 * @example
 * setupServer(...restApiHandlers(ctx)).listen()
 */
export function restApiHandlers(ctx: MockContext): HttpHandler[] {
  const api = ctx.apiUrl;
  const { workspace } = ctx;

  return [
    http.get(
      `${api}/2.0/user`,
      endpoint(ctx, API_ENDPOINTS.user, 'account', (caller) => {
        if (caller.kind === 'anonymous') {
          return apiError(401, 'Authentication required: /2.0/user is about the caller, and this call has no credentials.', {
            headers: labNote(LAB_NOTES.anonymousUser),
          });
        }
        if (!hasScope(caller.scopes, 'account')) return missingScope('account', caller.scopes);
        return HttpResponse.json(appUser(ctx, caller), { headers: labNote(LAB_NOTES.appUser) });
      }),
    ),

    http.get(
      `${api}/2.0/workspaces/:workspace`,
      endpoint<{ workspace: string }>(ctx, API_ENDPOINTS.workspace, 'account', (caller, _request, params) => {
        if (!matches(params.workspace, workspace)) return workspaceNotFound(params.workspace);
        // The fixture workspace is private: the mock hides it from anonymous callers, as it would an unknown one.
        if (caller.kind === 'anonymous') return workspaceNotFound(params.workspace, LAB_NOTES.anonymousAnswer);
        // A repository-restricted token has no workspace-level permissions (docs/protocol.md, section 2).
        if (caller.repository !== undefined) return restricted(caller, `the workspace ${workspace.slug}`);
        if (!hasScope(caller.scopes, 'account')) return missingScope('account', caller.scopes);
        return HttpResponse.json(workspace);
      }),
    ),

    http.get(
      `${api}/2.0/repositories/:workspace`,
      endpoint<{ workspace: string }>(ctx, API_ENDPOINTS.repositories, 'repository', (caller, request, params) => {
        if (!matches(params.workspace, workspace)) return workspaceNotFound(params.workspace);
        // Anonymous: 200 with the public repositories only, not an error (docs/protocol.md section 8).
        if (caller.kind === 'app' && !hasScope(caller.scopes, 'repository')) return missingScope('repository', caller.scopes);
        return paginate(request, ctx.repositories.filter((repo) => visibleTo(caller, repo)));
      }),
    ),

    http.get(
      `${api}/2.0/repositories/:workspace/:repo_slug`,
      endpoint<{ workspace: string; repo_slug: string }>(ctx, API_ENDPOINTS.repository, 'repository', (caller, _request, params) => {
        if (!matches(params.workspace, workspace)) return workspaceNotFound(params.workspace);
        if (caller.kind === 'app' && !hasScope(caller.scopes, 'repository')) return missingScope('repository', caller.scopes);
        const repository = ctx.repositories.find((repo) => matches(params.repo_slug, repo));
        if (!repository) return repositoryNotFound(workspace.slug, params.repo_slug);
        if (!visibleTo(caller, repository)) {
          return caller.kind === 'app' ? restricted(caller, repository.full_name) : repositoryNotFound(workspace.slug, params.repo_slug);
        }
        return HttpResponse.json(repository);
      }),
    ),

    http.all(
      `${api}/2.0/*`,
      // Bitbucket's 404 for a path it has no API at; the mock serves only the four above, so it marks that.
      recorded(ctx, 'api', API_ENDPOINTS.other, async () =>
        apiError(404, API_MESSAGES.resourceNotFound, { detail: API_MESSAGES.noApiHere, headers: labNote(LAB_NOTES.unservedPath) }),
      ),
    ),
  ];
}
