import type { RequestHandler } from 'express';
import { createBitbucketClient, encodePathSegment } from '../../bitbucket/client.ts';
import { isLabError } from '../../errors.ts';
import { verifyRequest } from '../../jwt/verify.ts';
import type { TokenCache } from '../../oauth/token-cache.ts';
import type { InstallationStore } from '../../store/installation.ts';
import type { ErrorContext } from '../error-handler.ts';
import { InstallationWithoutPrincipalError, InvalidParameterError } from '../errors.ts';
import type { RecordedRequest, RequestRecorder } from '../request-recorder.ts';
import { requestUrlAsAddressed } from '../request-url.ts';
import { renderRepoPage, type RepositoryView, type TokenStep } from '../views/repo-page.ts';

/**
 * What the repository page needs.
 *
 * @example repoPage({ store, tokenCache, recorder, appBaseUrl, apiUrl, now: Date.now, scripts: [] } satisfies RepoPageDeps)
 */
export interface RepoPageDeps {
  store: InstallationStore;
  tokenCache: TokenCache;
  recorder: RequestRecorder;
  /** The app's public base URL: the iframe JWT's qsh is over this page's URL relative to it. */
  appBaseUrl: string;
  /** The REST API origin the app calls (configured, never taken from the installation payload). */
  apiUrl: string;
  /** Live mode: an installation the simulated Bitbucket made is refused (`ERR_INSTALLATION_SIMULATED`). */
  live?: boolean;
  now: () => number;
  /** Scripts the page loads, e.g. Bitbucket's `all.js` in live mode. */
  scripts: string[];
}

/** A repository UUID as Bitbucket's `{repository.uuid}` context parameter gives it: in braces. */
const REPOSITORY_UUID = /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i;

/**
 * The `repoUuid` query parameter, validated.
 *
 * @example parseRepoUuid('{5a1b2c3d-0000-4000-8000-00000000abcd}') // the same string
 */
export function parseRepoUuid(value: unknown): string {
  if (typeof value !== 'string' || !REPOSITORY_UUID.test(value)) {
    throw new InvalidParameterError('repoUuid', 'a repository UUID in braces, like {5a1b2c3d-0000-4000-8000-00000000abcd} (the descriptor passes {repository.uuid})');
  }
  return value;
}

/** A page must answer in seconds: fewer retries and no minute-long Retry-After waits. */
const PAGE_RETRY = { maxRetries: 2, maxRetryAfterMs: 5_000 };

/**
 * `GET /oauth-callback?repoUuid={...}&jwt=...`: the "JWT Authorization Grant" repository page.
 * Verifies Bitbucket's iframe JWT, gets the installation's access token (and one restricted to
 * this repository) through the token cache, calls `GET /2.0/repositories/{workspace}/{repoUuid}`
 * and renders every step. Failures render as an HTML error page (401 for JWT problems, 400 for a
 * bad repoUuid, 5xx naming Bitbucket's failure).
 *
 * @example app.get('/oauth-callback', repoPage({ store, tokenCache, recorder, appBaseUrl, apiUrl, now, scripts: [] }))
 */
export function repoPage(deps: RepoPageDeps): RequestHandler {
  return async (req, res) => {
    Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext);
    // The page shows token metadata and repository data: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');

    const { token, claims, installation } = await verifyRequest(
      { method: req.method, url: requestUrlAsAddressed(req, deps.appBaseUrl), headers: req.headers },
      { store: deps.store, appBaseUrl: deps.appBaseUrl, now: deps.now, live: deps.live },
    );
    const repoUuid = parseRepoUuid(req.query.repoUuid);
    const workspace = installation.principal?.uuid;
    if (typeof workspace !== 'string' || workspace === '') throw new InstallationWithoutPrincipalError();

    // Required: without it there is no API call, so its errors answer the whole page.
    const installationRequests: RecordedRequest[] = [];
    const installationToken = await deps.recorder.record(() => deps.tokenCache.getToken(installation), installationRequests);

    // Optional: a token for this repository only (form field bitbucket_repository), shown beside.
    const repositoryRequests: RecordedRequest[] = [];
    const repositoryResult: TokenStep['result'] = await deps.recorder
      .record(() => deps.tokenCache.getToken(installation, { repository: repoUuid }), repositoryRequests)
      .then(
        (token) => ({ token }),
        (error: unknown) => {
          if (!isLabError(error)) throw error;
          return { error: { code: error.code, message: error.message } };
        },
      );
    const tokens: TokenStep[] = [
      { label: 'The installation token', restriction: "none (all the app's scopes)", requests: installationRequests, result: { token: installationToken } },
      { label: 'A token for this repository only', restriction: `bitbucket_repository=${repoUuid}`, requests: repositoryRequests, result: repositoryResult },
    ];

    const client = createBitbucketClient({
      apiUrl: deps.apiUrl,
      token: deps.tokenCache.provider(installation),
      fetch: deps.recorder.fetch,
      now: deps.now,
      retry: PAGE_RETRY,
    });
    const apiRequests: RecordedRequest[] = [];
    const path = `/2.0/repositories/${encodePathSegment(workspace)}/${encodePathSegment(repoUuid)}`;
    const repository = await deps.recorder.record(() => client.get<RepositoryView>(path), apiRequests);

    res
      .status(200)
      .type('html')
      .send(
        renderRepoPage({
          token,
          claims,
          clientKey: installation.clientKey,
          repoUuid,
          workspace,
          tokens,
          apiRequests,
          repository: typeof repository === 'object' && repository !== null ? repository : {},
          now: deps.now(),
          scripts: deps.scripts,
        }),
      );
  };
}
