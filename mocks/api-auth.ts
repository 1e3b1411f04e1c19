import type { Installation } from '../src/store/installation.ts';
import { queryStringHash } from '../src/jwt/qsh.ts';
import { verifyAppJwt } from './app-jwt.ts';
import { installationScopes, type MockContext } from './context.ts';
import { API_MESSAGES, apiError } from './responses.ts';
import type { IssuedToken } from './state.ts';

/**
 * Who a REST call acts for: an installation, through an access token from the JWT grant
 * (`Authorization: Bearer`) or an app JWT sent directly (`Authorization: JWT`, docs/protocol.md
 * section 3).
 */
export interface ApiCaller {
  installation: Installation;
  scopes: string[];
  /** The repository UUID a restricted token is limited to. */
  repository: string | undefined;
  /** The token's record, for Bearer calls. */
  token: IssuedToken | undefined;
}

/** The outcome of {@link authenticateApiCall}: the caller, or the error response to send. */
export type ApiAuthResult = { ok: true; caller: ApiCaller } | { ok: false; response: Response };

const refuse = (status: number, message: string): ApiAuthResult => ({ ok: false, response: apiError(status, message) });

/**
 * Authenticates a REST call. Every endpoint of the mock needs it: unlike bitbucket.org, the mock
 * shows no public data to anonymous calls, so a client that forgets its token fails loudly
 * instead of silently seeing less.
 *
 * @example
 * const auth = await authenticateApiCall(ctx, request)
 * if (!auth.ok) return auth.response
 */
export async function authenticateApiCall(ctx: MockContext, request: Request): Promise<ApiAuthResult> {
  if (new URL(request.url).searchParams.has('jwt')) {
    return refuse(
      401,
      'A JWT in the query string is not accepted by the API: send it as "Authorization: JWT <token>", or better, exchange it for an access token.',
    );
  }
  const authorization = request.headers.get('authorization');
  if (!authorization) {
    return refuse(401, 'Authentication required: send "Authorization: Bearer <access token>" (lesson 5).');
  }
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  const credentials = space === -1 ? '' : authorization.slice(space + 1).trim();

  if (scheme.toLowerCase() === 'bearer') {
    const token = ctx.state.tokens.get(credentials);
    if (!token) return refuse(401, API_MESSAGES.invalidToken);
    if (token.expiresAt <= ctx.now()) return refuse(401, API_MESSAGES.expiredToken);
    // Uninstalling the app revokes its tokens.
    const installation = await ctx.installations.get(token.clientKey);
    if (!installation) return refuse(401, API_MESSAGES.invalidToken);
    return { ok: true, caller: { installation, scopes: [...token.scopes], repository: token.repository, token } };
  }

  if (scheme === 'JWT' && credentials) {
    const hash = queryStringHash(request.method, request.url, ctx.apiUrl);
    const verified = await verifyAppJwt(credentials, { installations: ctx.installations, qsh: { accept: [hash] }, now: ctx.now });
    if (!verified.ok) return refuse(401, verified.failure.description);
    const { installation } = verified;
    return { ok: true, caller: { installation, scopes: installationScopes(installation), repository: undefined, token: undefined } };
  }

  return refuse(401, API_MESSAGES.invalidToken);
}

/**
 * True when the granted scopes cover `required`: the scope itself, or its `:write` form, which
 * Bitbucket documents as implying the read scope.
 *
 * @example
 * hasScope(['repository:write'], 'repository') // true
 */
export function hasScope(granted: readonly string[], required: string): boolean {
  return granted.includes(required) || granted.includes(`${required}:write`);
}

/**
 * Bitbucket's 403 for a token without the scope an endpoint needs.
 *
 * @example
 * if (!hasScope(caller.scopes, 'account')) return missingScope('account', caller.scopes)
 */
export function missingScope(required: string, granted: readonly string[]): Response {
  return apiError(403, API_MESSAGES.missingScopes, { detail: { required: [required], granted: [...granted] } });
}
