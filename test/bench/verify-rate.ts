import { randomBytes } from 'node:crypto';
import { queryStringHash } from '../../src/jwt/qsh.ts';
import { signInstallationJwt } from '../../src/jwt/sign.ts';
import { verifyJwt } from '../../src/jwt/verify.ts';
import type { VerifyJwtOptions } from '../../src/jwt/verify.ts';
import { BenchSanityError } from './errors.ts';
import { verifyHs256Floor } from './hmac-floor.ts';
import type { FloorOptions } from './hmac-floor.ts';
import { measureRate } from './rate.ts';
import type { Rate, RateOptions } from './rate.ts';

/**
 * JWT verification throughput: `verifyJwt` (lesson 6's verifier: jose plus the Connect checks)
 * against the raw `node:crypto` floor, on one HS256 token with a qsh.
 */

/** The request the token is bound to: the repository listing of lesson 5. */
const API_URL = 'https://api.bitbucket.org';
const REQUEST_URL = `${API_URL}/2.0/repositories/teamsinspace?pagelen=10&role=member`;

/**
 * Both rates, measured one after the other on the same token.
 *
 * @example
 * const { verifyJwt, floor } = await measureVerifyRates()
 */
export interface VerifyRates {
  verifyJwt: Rate;
  floor: Rate;
}

/** A copy of the token with one signature character changed: both verifiers must refuse it. */
function tampered(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.slice(-1)}`;
}

/**
 * Signs one installation JWT (random secret, qsh of a GET), checks that both verifiers accept it
 * and refuse a tampered copy, then measures each with {@link measureRate}.
 *
 * @throws {BenchSanityError} `ERR_BENCH_SANITY` when a verifier accepts or refuses the wrong token.
 *
 * @example
 * const { verifyJwt, floor } = await measureVerifyRates({ warmupMs: 200, durationMs: 1000 })
 * console.log(`verifyJwt costs ${(floor.opsPerSecond / verifyJwt.opsPerSecond).toFixed(1)}x the floor`)
 */
export async function measureVerifyRates(o: Pick<RateOptions, 'warmupMs' | 'durationMs'> = {}): Promise<VerifyRates> {
  const secret = randomBytes(32).toString('base64url');
  const qsh = queryStringHash('GET', REQUEST_URL, API_URL);
  const token = await signInstallationJwt({
    appKey: 'jwt-grant-tutorial',
    clientKey: 'ari:cloud:bitbucket::app/{00000000-0000-4000-8000-000000000000}/jwt-grant-tutorial',
    sharedSecret: secret,
    method: 'GET',
    url: REQUEST_URL,
    baseUrl: API_URL,
    // Long enough to outlive the measurement on any machine.
    expiresIn: 3600,
  });
  const joseOptions: VerifyJwtOptions = { secret, qsh: { accept: [qsh] } };
  const floorOptions: FloorOptions = { secret, qsh };

  const accepted = await verifyJwt(token, joseOptions).then(
    () => true,
    () => false,
  );
  const refused = await verifyJwt(tampered(token), joseOptions).then(
    () => false,
    () => true,
  );
  if (!accepted || !refused) throw new BenchSanityError('verifyJwt did not accept the valid token and refuse the tampered one', { lesson: 6 });
  if (!verifyHs256Floor(token, floorOptions) || verifyHs256Floor(tampered(token), floorOptions)) {
    throw new BenchSanityError('the node:crypto floor did not accept the valid token and refuse the tampered one', { lesson: 6 });
  }

  return {
    verifyJwt: await measureRate(() => verifyJwt(token, joseOptions), o),
    floor: await measureRate(() => verifyHs256Floor(token, floorOptions), o),
  };
}
