import type { RequestHandler } from 'express';
import { createBitbucketClient, encodePathSegment } from '../../bitbucket/client.ts';
import type { RateLimitPolicy } from '../../bitbucket/rate-limit.ts';
import { isLabError } from '../../errors.ts';
import { verifyRequest } from '../../jwt/verify.ts';
import type { AccessToken } from '../../oauth/exchange.ts';
import type { Restriction, TokenCache } from '../../oauth/token-cache.ts';
import type { InstallationStore } from '../../store/installation.ts';
import { reportFailure, type ErrorContext } from '../error-handler.ts';
import { httpStatusFor } from '../error-status.ts';
import { InstallationWithoutPrincipalError, InvalidParameterError } from '../errors.ts';
import type { RecordedRequest, RequestRecorder } from '../request-recorder.ts';
import { requestUrlAsAddressed } from '../request-url.ts';
import type { SafeLogger } from '../logger.ts';
import { renderRepoPage, type RepositoryView } from '../views/repo-page.ts';

/**
 * What the repository page needs.
 *
 * @example repoPage({ store, tokenCache, recorder, log, appBaseUrl, apiUrl, rateLimit: rateLimitPolicy(false), now: Date.now, scripts: [] } satisfies RepoPageDeps)
 */
export interface RepoPageDeps {
  store: InstallationStore;
  tokenCache: TokenCache;
  recorder: RequestRecorder;
  /** Where a refused grant is logged (the error handler logs every other failure). */
  log: SafeLogger;
  /** The app's public base URL: the iframe JWT's qsh is over this page's URL relative to it. */
  appBaseUrl: string;
  /** The REST API origin the app calls (configured, never taken from the installation payload). */
  apiUrl: string;
  /** The mode's 429 policy (`rateLimitPolicy(config.live)`); the page caps its waits to seconds. */
  rateLimit: RateLimitPolicy;
  now: () => number;
  /** Scripts the page loads, e.g. Bitbucket's `all.js` in live mode. */
  scripts: string[];
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath?: string;
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

/** A page must answer in seconds: fewer retries, and no wait for a 429 beyond this. */
const PAGE_RETRY = { maxRetries: 2 };
const PAGE_MAX_RATE_LIMIT_WAIT_MS = 5_000;

/**
 * The mode's 429 policy, capped for a page: offline its sub-second waits fit; live, the first wait
 * alone is longer than the cap, so a rate-limited page answers at once (503, ERR_RATE_LIMITED)
 * rather than hold the browser for minutes.
 */
function pageRateLimit(policy: RateLimitPolicy): RateLimitPolicy {
  return {
    ...policy,
    maxTotalMs: Math.min(policy.maxTotalMs, PAGE_MAX_RATE_LIMIT_WAIT_MS),
    maxRetryAfterMs: Math.min(policy.maxRetryAfterMs, PAGE_MAX_RATE_LIMIT_WAIT_MS),
  };
}

/**
 * `GET /oauth-callback?repoUuid={...}&jwt=...`: the "JWT Authorization Grant" repository page.
 * Verifies Bitbucket's iframe JWT, gets an access token restricted to this repository
 * (`bitbucket_repository`) through the token cache, calls `GET /2.0/repositories/{workspace}/{repoUuid}`
 * with that token, and renders every step. Failures before the grant render as an HTML error page
 * (401 for JWT problems, 400 for a bad repoUuid); a refused grant renders the page up to the grant,
 * with Bitbucket's answer and the status of the error table (502/503/504).
 *
 * @example app.get('/oauth-callback', repoPage({ store, tokenCache, recorder, log, appBaseUrl, apiUrl, rateLimit, now, scripts: [] }))
 */
export function repoPage(deps: RepoPageDeps): RequestHandler {
  return async (req, res) => {
    Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext);
    // The page shows token metadata and repository data: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');

    const { token, claims, installation } = await verifyRequest(
      { method: req.method, url: requestUrlAsAddressed(req, deps.appBaseUrl), headers: req.headers },
      { store: deps.store, appBaseUrl: deps.appBaseUrl, now: deps.now },
    );
    const repoUuid = parseRepoUuid(req.query.repoUuid);
    const workspace = installation.principal?.uuid;
    if (typeof workspace !== 'string' || workspace === '') throw new InstallationWithoutPrincipalError();
    const page = { token, claims, clientKey: installation.clientKey, repoUuid, workspace, scripts: deps.scripts, basePath: deps.basePath };

    // Least privilege (lesson 5): the page acts on one repository, so the one token it asks for is
    // restricted to that repository, and the API call carries that token.
    const restriction: Restriction = { repository: repoUuid };
    const grantRequests: RecordedRequest[] = [];
    const grant = { label: 'A token for this repository only', restriction: `bitbucket_repository=${repoUuid}`, requests: grantRequests };
    let accessToken: AccessToken;
    try {
      accessToken = await deps.recorder.record(() => deps.tokenCache.getToken(installation, restriction), grantRequests);
    } catch (error) {
      // No fallback to the installation's unrestricted token: a page that widened its own access
      // whenever the narrow token failed would hide the failure and hold more than it needs. It
      // says what Bitbucket answered, makes no API call, and answers with the error's status.
      const status = isLabError(error) ? httpStatusFor(error.code, 'page') : undefined;
      if (!isLabError(error) || status === undefined) throw error;
      reportFailure({ res, log: deps.log, status, error, requestId: String(res.locals.requestId ?? '-') });
      res
        .status(status)
        .type('html')
        .send(renderRepoPage({ ...page, grant: { ...grant, result: { error: { code: error.code, message: error.message, lesson: error.lesson } } }, now: deps.now() }));
      return;
    }

    const client = createBitbucketClient({
      apiUrl: deps.apiUrl,
      // The same restriction: after a 401 the client gets a fresh token restricted the same way.
      token: deps.tokenCache.provider(installation, restriction),
      fetch: deps.recorder.fetch,
      now: deps.now,
      retry: PAGE_RETRY,
      rateLimit: pageRateLimit(deps.rateLimit),
    });
    const apiRequests: RecordedRequest[] = [];
    const path = `/2.0/repositories/${encodePathSegment(workspace)}/${encodePathSegment(repoUuid)}`;
    const repository = await deps.recorder.record(() => client.get<RepositoryView>(path), apiRequests);

    res
      .status(200)
      .type('html')
      .send(
        renderRepoPage({
          ...page,
          grant: { ...grant, result: { token: accessToken } },
          api: { requests: apiRequests, repository: typeof repository === 'object' && repository !== null ? repository : {} },
          now: deps.now(),
        }),
      );
  };
}
