import type { HttpResponseResolver, PathParams } from 'msw';
import { DEFAULT_SCOPES } from '../src/connect/descriptor.ts';
import type { Installation, InstallationStore } from '../src/store/installation.ts';
import type { BitbucketRepository, BitbucketWorkspace } from './fixtures/types.ts';
import type { ScenarioPlayer } from './scenarios.ts';
import { recordRequest, type MockState } from './state.ts';

/** What every handler of one mock shares: its options, its data and its memory. */
export interface MockContext {
  /** Web origin (token endpoint), no trailing slash. */
  bitbucketUrl: string;
  /** API origin, no trailing slash. */
  apiUrl: string;
  /** Bitbucket's side: which installations exist, with their secret, app key and scopes. */
  installations: Pick<InstallationStore, 'get'>;
  now: () => number;
  randomToken: () => string;
  state: MockState;
  player: ScenarioPlayer;
  /** The one workspace the mock hosts, and its repositories. */
  workspace: BitbucketWorkspace;
  repositories: readonly BitbucketRepository[];
}

/**
 * The scopes Bitbucket granted an installation. Bitbucket's own records (`installationFromPayload`,
 * mocks/fixtures/lifecycle.ts) always hold them, every scope for a descriptor that named none
 * (`grantedScopes`, src/connect/scopes.ts). A record from the app's own store does not: the app
 * never learns its grant. For it the mock assumes the lab's descriptor, which names
 * `DEFAULT_SCOPES` (src/connect/descriptor.ts).
 *
 * @example
 * installationScopes({ ...installation, scopes: undefined }) // ['account', 'repository']
 */
export function installationScopes(installation: Installation): string[] {
  return [...(installation.scopes ?? DEFAULT_SCOPES)];
}

/**
 * Wraps a resolver so every request it answers is counted and logged with its status.
 *
 * @example
 * http.get(url, recorded(ctx, 'api', 'GET /2.0/user', async ({ request }) => HttpResponse.json(user)))
 */
export function recorded<Params extends PathParams>(
  ctx: MockContext,
  kind: 'token' | 'api',
  endpoint: string,
  resolver: (info: { request: Request; params: Params }) => Promise<Response>,
): HttpResponseResolver<Params> {
  return async ({ request, params }) => {
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.clone().text();
    const entry = recordRequest(ctx.state, { kind, endpoint, request, body, at: ctx.now() });
    const response = await resolver({ request, params });
    entry.status = request.signal.aborted ? null : response.status;
    return response;
  };
}
