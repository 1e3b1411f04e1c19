import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The least work any HS256 JWT verification must do, written with `node:crypto` alone: the floor
 * that `verifyJwt` is compared against in `npm run bench`.
 *
 * Not a verifier to ship: it checks no header, no `iss`/`sub`/`iat`, no size bound, and gives no
 * reason for a refusal. `src/jwt/verify.ts` does all that; the bench shows what it costs.
 */

/**
 * Options of {@link verifyHs256Floor}.
 *
 * @example
 * const options: FloorOptions = { secret: installation.sharedSecret, qsh: queryStringHash('GET', url, apiUrl) }
 */
export interface FloorOptions {
  /** The HMAC key, as UTF-8 text (the installation's sharedSecret). */
  secret: string;
  /** The only `qsh` accepted. */
  qsh: string;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

/**
 * Splits the token, recomputes HMAC-SHA256 over `header.claims`, compares it with the signature
 * in constant time, parses the claims, and checks `qsh` and `exp`. Returns the claims, or
 * `undefined` for any token that fails.
 *
 * @example
 * const claims = verifyHs256Floor(token, { secret, qsh }) // { iss, sub, iat, exp, qsh } or undefined
 */
export function verifyHs256Floor(token: string, o: FloorOptions): Record<string, unknown> | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first === -1 || second === -1 || token.includes('.', second + 1)) return undefined;
  const expected = createHmac('sha256', o.secret).update(token.slice(0, second)).digest();
  const given = Buffer.from(token.slice(second + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { qsh, exp } = claims as Record<string, unknown>;
  const nowSeconds = (o.now ?? Date.now)() / 1000;
  if (qsh !== o.qsh || typeof exp !== 'number' || exp <= nowSeconds) return undefined;
  return claims as Record<string, unknown>;
}
