/**
 * Which way a Connect JWT travels, read from its claims (docs/protocol.md, sections 3 and 4): the
 * app signs for Bitbucket with `iss` = its app key and `sub` = the clientKey; Bitbucket signs for
 * the app with `iss` = `aud` = the clientKey and no `sub`. Both use the same shared secret, so
 * only the claims tell them apart.
 */

/**
 * `app-to-bitbucket`: the app's token for the token endpoint or a REST call. `bitbucket-to-app`:
 * a lifecycle call, webhook or page module. `unknown`: the claims fit neither.
 *
 * @example const direction: Direction = 'bitbucket-to-app'
 */
export type Direction = 'app-to-bitbucket' | 'bitbucket-to-app' | 'unknown';

/**
 * The direction, why, and the clientKey the token names (whose secret signs it).
 *
 * @example const { direction, clientKey }: DirectionGuess = detectDirection(claims)
 */
export interface DirectionGuess {
  direction: Direction;
  /** Which claims decided it, in words. */
  reason: string;
  /** `sub` of an app's token, `iss` of Bitbucket's; for an unknown direction, `sub` or else `iss`. */
  clientKey: string | undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/**
 * Detects the direction of a token from its (unverified) claims.
 *
 * @example
 * detectDirection({ iss: 'my-app', sub: 'ari:cloud:bitbucket::app/{…}/my-app' }).direction // 'app-to-bitbucket'
 * detectDirection({ iss: clientKey, aud: clientKey }).direction // 'bitbucket-to-app'
 */
export function detectDirection(claims: Record<string, unknown>): DirectionGuess {
  const iss = text(claims.iss);
  const sub = text(claims.sub);
  const aud = audiences(claims.aud);
  if (sub !== undefined && sub !== iss) {
    const audNote = aud.length > 0 ? ' (its aud is extra)' : ', and there is no aud';
    return { direction: 'app-to-bitbucket', reason: `sub names a clientKey other than iss${audNote}: the app's token for Bitbucket`, clientKey: sub };
  }
  if (aud.length > 0 && iss !== undefined && aud.includes(iss)) {
    const subNote = sub !== undefined ? ' (its sub is extra)' : ', and there is no sub';
    return { direction: 'bitbucket-to-app', reason: `aud equals iss (the clientKey)${subNote}: Bitbucket's token for the app`, clientKey: iss };
  }
  const seen = [sub && 'sub equals iss', aud.length > 0 && 'aud differs from iss', !sub && aud.length === 0 && 'neither sub nor aud'].filter(Boolean);
  return {
    direction: 'unknown',
    reason: `${seen.join(', ')}: an app's token has sub = the clientKey and no aud; Bitbucket's has aud = iss = the clientKey and no sub`,
    clientKey: sub ?? iss,
  };
}
