import type { TokenProvider } from '../oauth/token-cache.ts';

/**
 * What the REST client does when Bitbucket answers 401 (docs/protocol.md §8; lesson 5's notes,
 * "When a call fails"): an access token can die before its `expires_in` (an uninstall, a re-install,
 * Bitbucket's own reasons), and the JWT grant has no refresh token, so the client asks its token
 * provider for a **fresh** one (a new exchange) and repeats the call, once. A second 401 means a
 * new token does not help: the client reports `ERR_API_UNAUTHORIZED`.
 *
 * Lesson 5's exercise `refresh-once` is this file with the `#region exercise` part left for the
 * learner to write (lessons/05-api-call/exercises/refresh-once/); a test keeps the two equal outside
 * that region.
 */

/**
 * An answer of the API, as far as {@link refreshOnce} looks at it.
 *
 * @example const answer: Answer = { status: 401 }
 */
export interface Answer {
  status: number;
}

/**
 * Makes one API call with the token `token()` gives and, when Bitbucket answers 401, asks for a
 * fresh token (`token({ refresh: true })`: a cache must not hand back the token just refused) and
 * makes the call again with it, once. Returns the last answer, whatever its status: the caller
 * turns a second 401 into `ERR_API_UNAUTHORIZED`. Any other answer (403, 404, 429...) is returned
 * at once: a new token would not change it.
 *
 * @example
 * const answer = await refreshOnce(cache.provider(installation), (accessToken) =>
 *   fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } }))
 */
export async function refreshOnce<A extends Answer>(token: TokenProvider, send: (accessToken: string) => Promise<A>): Promise<A> {
  // #region exercise: a fresh token, once
  const answer = await send(await token());
  if (answer.status !== 401) return answer;
  return send(await token({ refresh: true }));
  // #endregion
}
