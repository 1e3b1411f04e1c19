import type { Installation } from '../src/store/installation.ts';
import { queryStringHash } from '../src/jwt/qsh.ts';
import { verifyAppJwt } from './app-jwt.ts';
import { installationScopes, type MockContext } from './context.ts';
import { LAB_NOTES, labNote } from './lab-note.ts';
import { API_MESSAGES, apiError } from './responses.ts';
import type { IssuedToken } from './state.ts';

/**
 * Who a REST call acts for. An app, for one installation: through an access token from the JWT
 * grant (`Authorization: Bearer`) or an app JWT sent directly (`Authorization: JWT`, docs/protocol.md
 * section 3). Or nobody: a call without an `Authorization` header (a JWT in the query string
 * included) is not refused, Bitbucket answers it as an anonymous caller, with public data only
 * (docs/protocol.md section 8).
 */
export type ApiCaller = AppCaller | AnonymousCaller;

/** A call authenticated as an app, for one installation. */
export interface AppCaller {
  kind: 'app';
  installation: Installation;
  scopes: string[];
  /** The repository UUID a restricted token is limited to. */
  repository: string | undefined;
  /** The token's record, for Bearer calls. */
  token: IssuedToken | undefined;
  /** The `X-Credential-Type` the mock sends for this credential (its own value: see {@link CREDENTIAL_TYPES}). */
  credentialType: string;
}

/** A call without credentials: public data only. */
export interface AnonymousCaller {
  kind: 'anonymous';
}

/**
 * The `X-Credential-Type` values the mock sends. Bitbucket sends the header [J]; its values on
 * record are for other credentials (`repo_access_token`, `apikey`), not a Connect app's, so these
 * are the mock's own and every answer carrying one says so (`LAB_NOTES.credentialType`).
 */
export const CREDENTIAL_TYPES = Object.freeze({ accessToken: 'connect_access_token', jwt: 'connect_jwt' });

/** The outcome of {@link authenticateApiCall}: the caller, or the error response to send. */
export type ApiAuthResult = { ok: true; caller: ApiCaller } | { ok: false; response: Response };

/** A 401 with Bitbucket's body; `notes` mark it as the mock's own where the record is silent. */
const refuse = (message: string, ...notes: string[]): ApiAuthResult => ({
  ok: false,
  response: apiError(401, message, { headers: labNote(...notes) }),
});

/**
 * Authenticates a REST call. No `Authorization` header is not an error: the caller is anonymous,
 * as on bitbucket.org, and sees public data only, the silent failure a client that forgets its
 * token (or puts a JWT in the query string) meets (lesson 5). A header that does not authenticate
 * is a 401.
 *
 * @example
 * const auth = await authenticateApiCall(ctx, request)
 * if (!auth.ok) return auth.response
 * if (auth.caller.kind === 'anonymous') // public data only
 */
export async function authenticateApiCall(ctx: MockContext, request: Request): Promise<ApiAuthResult> {
  const authorization = request.headers.get('authorization');
  // A JWT in the query string is not read at all: the call is anonymous (docs/protocol.md section 8).
  if (authorization === null) return { ok: true, caller: { kind: 'anonymous' } };
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  const credentials = space === -1 ? '' : authorization.slice(space + 1).trim();

  if (scheme.toLowerCase() === 'bearer') {
    const token = ctx.state.tokens.get(credentials);
    if (!token) return refuse(API_MESSAGES.invalidToken);
    if (token.expiresAt <= ctx.now()) return refuse(API_MESSAGES.expiredToken);
    const installation = await ctx.installations.get(token.clientKey);
    if (!installation) return refuse(API_MESSAGES.invalidToken, LAB_NOTES.revokedOnUninstall);
    return {
      ok: true,
      caller: {
        kind: 'app',
        installation,
        scopes: [...token.scopes],
        repository: token.repository,
        token,
        credentialType: CREDENTIAL_TYPES.accessToken,
      },
    };
  }

  if (scheme === 'JWT' && credentials) {
    const hash = queryStringHash(request.method, request.url, ctx.apiUrl);
    const verified = await verifyAppJwt(credentials, { installations: ctx.installations, qsh: { accept: [hash] }, now: ctx.now });
    if (!verified.ok) return refuse(verified.failure.description, LAB_NOTES.apiRefusal);
    const { installation } = verified;
    return {
      ok: true,
      caller: {
        kind: 'app',
        installation,
        scopes: installationScopes(installation),
        repository: undefined,
        token: undefined,
        credentialType: CREDENTIAL_TYPES.jwt,
      },
    };
  }

  // Basic (a user's app password or API token), an empty JWT, an unknown scheme: the mock knows no
  // users, and Bitbucket's exact answer to each is not on record.
  return refuse(API_MESSAGES.invalidToken, LAB_NOTES.apiRefusal);
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
 * Bitbucket's 403 for a token without the scope an endpoint needs (docs/protocol.md section 8).
 *
 * @example
 * if (!hasScope(caller.scopes, 'account')) return missingScope('account', caller.scopes)
 */
export function missingScope(required: string, granted: readonly string[]): Response {
  return apiError(403, API_MESSAGES.missingScopes, { detail: { required: [required], granted: [...granted] } });
}
