import { withHeaders } from './responses.ts';

/**
 * Where the public record says nothing, the simulated Bitbucket still has to answer something: a
 * status, a body, a header value. Every such answer carries an `X-Lab-Note` header saying what in
 * it is the mock's own, so that nobody takes it for Bitbucket's behaviour. The lesson runner shows
 * the note prominently (lessons/runner/exchange.ts), and it stays in the transcripts. Answers that
 * repeat what Bitbucket was seen or documented to send carry none (docs/protocol.md).
 */

/** The response header that marks the mock's inventions. */
export const LAB_NOTE_HEADER = 'X-Lab-Note';

/**
 * Every note the mock sends, one sentence each: ASCII (they travel in a header) and without `"; "`,
 * which joins several notes in one answer.
 */
export const LAB_NOTES = Object.freeze({
  /** Token endpoint, success: `state` is in Bitbucket's token answers, its value for this grant is not. */
  tokenState: 'the value of "state" (Bitbucket\'s for the JWT grant is not documented)',
  /** Token endpoint: a bad signature, an unknown client, an expired JWT, a wrong qsh (docs/protocol.md section 2: unsettled). */
  tokenJwtRefused: 'status and error code for this JWT are the mock\'s own (unsettled: neither documented nor captured)',
  /** Token endpoint: an Authorization header that is not `JWT <token>`. */
  tokenNotJwtScheme:
    'the mock answers an Authorization header that is not "JWT <token>" as one without client credentials (400, captured), but Bitbucket\'s answer to this header is not on record',
  /** Token endpoint: a body that is not `application/x-www-form-urlencoded`. */
  tokenNotAForm: 'the mock does not read a body that is not a form (whether Bitbucket does is not on record)',
  /** Token endpoint: a grant type other than the JWT grant. */
  tokenOtherGrant: 'the mock serves only the JWT grant, and Bitbucket\'s answer to this grant type is not on record here',
  /** Token endpoint: `scope` beyond the app's, or an unknown `bitbucket_repository`. */
  tokenFieldRefused: 'status, error code and wording of this refusal are the mock\'s own',
  /** REST: the value of `X-Credential-Type` for an app's credential. */
  credentialType: 'the X-Credential-Type value (none is on record for a Connect app\'s credential)',
  /** REST: a refusal whose status or wording is not on record. */
  apiRefusal: 'status and wording of this refusal are the mock\'s own (not on record)',
  /** REST: `/2.0/user` without credentials. */
  anonymousUser: 'the mock answers /2.0/user without credentials with 401 (Bitbucket\'s answer is not on record)',
  /** REST: an anonymous call whose answer is not on record. */
  anonymousAnswer: 'the mock\'s answer to this call without credentials is its own (not on record)',
  /** REST: the user object of an app. */
  appUser: 'the user object for an app\'s credential is the mock\'s own (not on record)',
  /** REST: a path the mock does not serve, which Bitbucket may. */
  unservedPath:
    'the body is Bitbucket\'s 404 for an unknown path, but the mock serves only GET /2.0/user, /2.0/workspaces/{workspace}, /2.0/repositories/{workspace} and /2.0/repositories/{workspace}/{repo_slug}: Bitbucket may serve this one',
  /** REST: the `server-error` scenario's body. */
  serverError: 'the body of this 500 is the mock\'s own',
  /** REST: revoking tokens on uninstall. */
  revokedOnUninstall: 'that uninstalling the app revokes its tokens at once is the mock\'s assumption',
} satisfies Record<string, string>);

/**
 * The header that marks `notes` as the mock's own, to spread into a response's headers; empty when
 * there is none.
 *
 * @example
 * oauthError(401, 'unauthorized_client', description, labNote(LAB_NOTES.tokenJwtRefused))
 */
export function labNote(...notes: string[]): Record<string, string> {
  return notes.length === 0 ? {} : { [LAB_NOTE_HEADER]: notes.join('; ') };
}

/**
 * `response` with `notes` added to its `X-Lab-Note` (after any it has). A network-error response
 * (an aborted slow call) has no headers to add to and comes back as it is.
 *
 * @example
 * return withLabNote(HttpResponse.json(user), LAB_NOTES.appUser)
 */
export function withLabNote(response: Response, ...notes: string[]): Response {
  if (notes.length === 0) return response;
  const existing = response.headers.get(LAB_NOTE_HEADER);
  return withHeaders(response, { [LAB_NOTE_HEADER]: [existing, ...notes].filter(Boolean).join('; ') });
}
