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
  correct: { status: 200, error: '' },
  bearer: { status: 400, error: 'unauthorized_client' },
  expired: { status: 400, error: 'invalid_grant' },
  wrongSecret: { status: 401, error: 'unauthorized_client' },
  noGrantType: { status: 400, error: 'invalid_grant' },
  // #endregion
};
