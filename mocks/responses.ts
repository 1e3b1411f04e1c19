import { HttpResponse } from 'msw';

/**
 * Bitbucket's error bodies, in its two dialects: OAuth errors on the token endpoint
 * (`{"error", "error_description"}`), and the REST API's `{"type": "error", "error": {...}}`
 * (docs/protocol.md, sections 2 and 8).
 */

/** The exact descriptions Bitbucket was seen to send from its token endpoint. */
export const OAUTH_MESSAGES = Object.freeze({
  unauthenticated: 'Requests must be authenticated using OAuth client credentials',
  unsupportedGrant: (grantType: string | null) => `Unsupported grant type: ${grantType ?? 'None'}`,
});

/** The exact messages Bitbucket was seen to send from its REST API (docs/protocol.md section 8). */
export const API_MESSAGES = Object.freeze({
  invalidToken: 'Token is invalid, expired, or not supported for this endpoint.',
  expiredToken: 'Access token expired.',
  missingScopes: 'Your credentials lack one or more required privilege scopes.',
  rateLimited: 'Rate limit for this resource has been exceeded',
  noWorkspace: (identifier: string) => `No workspace with identifier '${identifier}'.`,
  resourceNotFound: 'Resource not found',
  /** The string `detail` of "Resource not found", as public clients quote it. */
  noApiHere:
    "There is no API hosted at this URL.\n\nFor information about our API's, please refer to the documentation at: https://developer.atlassian.com/bitbucket/api/2/reference/",
});

/** The OAuth error codes the token endpoint answers with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'unauthorized_client' | 'invalid_scope';

/**
 * A token-endpoint error response; `headers` adds to it (an `X-Lab-Note`, mocks/lab-note.ts).
 *
 * @example
 * oauthError(400, 'invalid_grant', 'Unsupported grant type: None')
 * // 400 {"error":"invalid_grant","error_description":"Unsupported grant type: None"}
 */
export function oauthError(status: number, error: OAuthErrorCode, description: string, headers: Record<string, string> = {}): Response {
  return HttpResponse.json(
    { error, error_description: description },
    // RFC 6749 section 5.1: token responses must not be cached.
    { status, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...headers } },
  );
}

/**
 * A REST API error response.
 *
 * @example
 * apiError(401, 'Access token expired.')
 * // 401 {"type":"error","error":{"message":"Access token expired."}}
 */
export function apiError(
  status: number,
  message: string,
  extra: { detail?: unknown; id?: string; headers?: Record<string, string> } = {},
): Response {
  const error: Record<string, unknown> = { message };
  if (extra.detail !== undefined) error.detail = extra.detail;
  if (extra.id !== undefined) error.id = extra.id;
  return HttpResponse.json({ type: 'error', error }, { status, headers: extra.headers });
}

/**
 * `response` with `headers` set (replacing any of the same name). A network-error response (an
 * aborted slow call) has none to set and comes back as it is.
 *
 * @example
 * withHeaders(HttpResponse.json(user), { 'X-Accepted-OAuth-Scopes': 'account' })
 */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  if (response.type === 'error' || Object.keys(headers).length === 0) return response;
  const merged = new Headers(response.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: merged });
}
