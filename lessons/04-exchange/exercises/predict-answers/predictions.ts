/**
 * Before you run lesson 4: what will the token endpoint answer? Five requests, one correct and four
 * with one mistake each. Write down, for each, the HTTP status and, for a refusal, the OAuth
 * `error` code. Then `npm run practice -- check predict-answers` sends them to the offline
 * Bitbucket and compares; `npm run lesson 4` shows the same exchanges on the wire.
 *
 * The OAuth error codes (RFC 6749, section 5.2): invalid_request, invalid_client, invalid_grant,
 * unauthorized_client, unsupported_grant_type, invalid_scope.
 */

/**
 * One answer of the token endpoint.
 *
 * @example { status: 400, error: 'invalid_scope' }
 */
export interface Answer {
  /** The HTTP status. */
  status: number;
  /** The `error` field of a refusal; '' when the answer is a token. */
  error: string;
}

/** The five requests of lesson 4, by name. */
export type Case = 'correct' | 'bearer' | 'expired' | 'wrongSecret' | 'noGrantType';

export const predictions: Record<Case, Answer> = {
  // #region exercise: your predictions
  // TODO (rule 1): a JWT signed with the installation's sharedSecret, sent as `Authorization: JWT
  // <jwt>` with the form body grant_type=urn:bitbucket:oauth2:jwt.
  correct: { status: 0, error: '' },
  // TODO (rule 2): the same, with `Authorization: Bearer <jwt>`.
  bearer: { status: 0, error: '' },
  // TODO (rule 3): a JWT whose `exp` passed ten minutes ago.
  expired: { status: 0, error: '' },
  // TODO (rule 4): a JWT with the right claims, signed with a secret that is not the installation's.
  wrongSecret: { status: 0, error: '' },
  // TODO (rule 5): a correct JWT and an empty body: no grant_type.
  noGrantType: { status: 0, error: '' },
  // #endregion
};
