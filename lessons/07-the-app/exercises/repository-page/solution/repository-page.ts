import { InstallationWithoutPrincipalError } from '../../../../../src/app/errors.ts';
import { parseRepoUuid } from '../../../../../src/app/routes/repo-page.ts';
import { createBitbucketClient, encodePathSegment, type BitbucketClientOptions } from '../../../../../src/bitbucket/client.ts';
import { rateLimitPolicy } from '../../../../../src/bitbucket/rate-limit.ts';
import { verifyRequest, type RequestLike } from '../../../../../src/jwt/verify.ts';
import type { ExchangeOptions } from '../../../../../src/oauth/exchange.ts';
import { createTokenCache } from '../../../../../src/oauth/token-cache.ts';
import type { InstallationStore } from '../../../../../src/store/installation.ts';

/**
 * The app's repository page (lesson 7) as one function: what happens between Bitbucket's iframe
 * request and the repository the page shows, assembled from the pieces of lessons 3 to 6. The
 * lab's app does the same in `src/app/routes/repo-page.ts`, and renders every step as HTML; a test
 * (lessons/07-the-app/exercises/repository-page-mirror.test.ts) keeps the two sending Bitbucket
 * the same requests.
 */

/**
 * The pieces the page is made of, when they are not the lab's: `npm run lesson 7 -- --mine` passes
 * the learner's own, from the exercises of lessons 3 to 6.
 *
 * @example const pieces: PagePieces = { verifyRequest: myVerifyRequest }
 */
export interface PagePieces {
  verifyRequest?: typeof verifyRequest;
  /** Signs the app's JWT for each token exchange (lesson 3). */
  sign?: ExchangeOptions['sign'];
  /** Builds each token request (lesson 4). */
  tokenRequest?: ExchangeOptions['tokenRequest'];
  /** The REST client's 401 and 429 rules (lesson 5). */
  refreshOnce?: BitbucketClientOptions['refreshOnce'];
  rateLimitWait?: BitbucketClientOptions['rateLimitWait'];
}

/**
 * What the page needs; `fetch`, `now`, `live` and `pieces` are optional.
 *
 * @example
 * createRepositoryPage({ store, appBaseUrl: config.baseUrl, bitbucketUrl: config.bitbucketUrl, apiUrl: config.bitbucketApiUrl })
 */
export interface RepositoryPageOptions {
  /** The installations, as lesson 2 stored them. */
  store: InstallationStore;
  /** The app's base URL, as in its descriptor: the iframe JWT's qsh is relative to it. */
  appBaseUrl: string;
  /** Bitbucket's web origin: the token endpoint. */
  bitbucketUrl: string;
  /** Bitbucket's API origin. */
  apiUrl: string;
  /** For the token endpoint and the API; default the global `fetch`. */
  fetch?: typeof fetch;
  now?: () => number;
  /** Live mode: the rate-limit policy of real Bitbucket, and no simulated installation. */
  live?: boolean;
  pieces?: PagePieces;
}

/**
 * One page load, as the app receives it: `url` is the path and query as addressed (`jwt` included).
 *
 * @example { method: 'GET', url: '/oauth-callback?repoUuid=%7B…%7D&jwt=eyJ…', headers: {} }
 */
export type PageLoad = RequestLike;

/**
 * What the page shows: the installation it acted for, and the repository the API answered.
 *
 * @example { clientKey: 'ari:cloud:bitbucket::app/{…}/jwt-grant-tutorial', repoUuid: '{…}', repository: { full_name: 'teamsinspace/…', … } }
 */
export interface RepositoryPageView {
  clientKey: string;
  repoUuid: string;
  repository: { full_name?: string; uuid?: string; name?: string } & Record<string, unknown>;
}

/**
 * The page of an app: call it once, when the app starts, and call what it returns for every page
 * load. It verifies Bitbucket's iframe JWT, gets an access token restricted to the page's repository
 * (through one token cache, so that the next load of that repository exchanges nothing), and GETs
 * the repository with that token.
 *
 * @example
 * const page = createRepositoryPage({ store, appBaseUrl, bitbucketUrl, apiUrl })
 * const view = await page({ method: req.method, url: req.originalUrl, headers: req.headers })
 * view.repository.full_name // 'teamsinspace/launch-control'
 */
export function createRepositoryPage(o: RepositoryPageOptions): (load: PageLoad) => Promise<RepositoryPageView> {
  const now = o.now ?? Date.now;
  const pieces = o.pieces ?? {};
  const verify = pieces.verifyRequest ?? verifyRequest;
  /** Every token exchange of the page is made with these (with --mine: your signer and token request). */
  const exchangeOptions: Partial<ExchangeOptions> = { fetch: o.fetch, bitbucketUrl: o.bitbucketUrl, sign: pieces.sign, tokenRequest: pieces.tokenRequest };
  /** Every API client of the page is made with these, plus its `token` (with --mine: your 401 and 429 rules). */
  const clientOptions: Omit<BitbucketClientOptions, 'token'> = {
    apiUrl: o.apiUrl,
    fetch: o.fetch,
    now,
    rateLimit: rateLimitPolicy(o.live ?? false),
    refreshOnce: pieces.refreshOnce,
    rateLimitWait: pieces.rateLimitWait,
  };
  // #region exercise: the page, assembled
  // One cache for the app's life: the second load of a repository exchanges nothing.
  const cache = createTokenCache({ exchangeOptions, now, live: o.live });
  return async (load) => {
    // Nothing in the request is believed, and nothing is sent, before the JWT verifies.
    const { installation } = await verify(load, { store: o.store, appBaseUrl: o.appBaseUrl, now, live: o.live });
    const repoUuid = parseRepoUuid(new URL(load.url, o.appBaseUrl).searchParams.get('repoUuid') ?? undefined);
    const workspace = installation.principal?.uuid;
    if (!workspace) throw new InstallationWithoutPrincipalError();
    // The page acts on one repository: its token works on that repository only, refreshed the same way.
    const client = createBitbucketClient({ ...clientOptions, token: cache.provider(installation, { repository: repoUuid }) });
    const repository = await client.get<RepositoryPageView['repository']>(`/2.0/repositories/${encodePathSegment(workspace)}/${encodePathSegment(repoUuid)}`);
    return { clientKey: installation.clientKey, repoUuid, repository };
  };
  // #endregion
}
