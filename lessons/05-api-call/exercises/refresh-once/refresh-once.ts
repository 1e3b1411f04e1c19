import type { TokenProvider } from '../../../../src/oauth/token-cache.ts';

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
  // The JWT grant has no refresh token: "refreshing" is a new exchange (lesson 5's notes, "When a call fails").
  // TODO (rule 3, a fresh token): when the answer's status is 401, ask the provider for a fresh
  //   token, token({ refresh: true }): a plain token() from a cache hands back the refused one.
  // TODO (rule 4, again): make the call again with that token, and return its answer.
  // TODO (rule 5, once): whatever that second answer is, a second 401 too, return it: a third try
  //   would not help (the client then reports ERR_API_UNAUTHORIZED).
  // Rules 1 and 2 (one call with the provider's token, its answer returned) work already:
  return send(await token());
  // #endregion
}
