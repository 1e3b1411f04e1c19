import { describe, expect, it } from 'vitest';
import { LabError } from '../errors.ts';
import * as errors from './errors.ts';

/** One instance of every error class, built as the verifier builds them. */
const samples: LabError[] = [
  new errors.JwtMissingError(),
  new errors.JwtAmbiguousError(['the Authorization header', 'the jwt query parameter']),
  new errors.JwtSchemeError('Bearer'),
  new errors.JwtMalformedError('it has 2 dot-separated parts, not 3'),
  new errors.JwtTooLargeError(9000, 8192),
  new errors.JwtAlgorithmError('none'),
  new errors.JwtSignatureError('client-key'),
  new errors.JwtExpiredError({ exp: 1_700_000_000, now: 1_700_000_100, leewaySeconds: 30 }),
  new errors.JwtNotYetValidError({ claim: 'iat', validFrom: 1_700_000_100, now: 1_700_000_000, leewaySeconds: 30 }),
  new errors.JwtLifetimeError({ iat: 1_700_000_000, exp: 1_700_086_400, maxSeconds: 3630 }),
  new errors.JwtClaimError('exp', 'is missing'),
  new errors.JwtAudienceError('client-key', 'other'),
  new errors.JwtIssuerError('app-key', 'other'),
  new errors.QshMissingError('POST&/installed&'),
  new errors.QshMismatchError({ expected: ['a'.repeat(64)], received: 'b'.repeat(64), canonical: 'POST&/installed&' }),
  new errors.InstallationUnknownError('client-key'),
  new errors.SignInputError('sharedSecret', 'is empty'),
];

describe('JWT errors', () => {
  it('cover every listed code exactly once, and nothing else', () => {
    const exported = Object.values(errors).filter(
      (value: unknown) => typeof value === 'function' && value.prototype instanceof LabError,
    );
    expect(exported).toHaveLength(samples.length);
    expect(samples.map((e) => e.code).sort()).toEqual([...errors.JWT_ERROR_CODES].sort());
    expect(new Set(errors.JWT_ERROR_CODES).size).toBe(errors.JWT_ERROR_CODES.length);
  });

  it.each(samples.map((e) => [e.code, e] as const))('%s is a LabError named after its class, pointing to a lesson', (_, error) => {
    expect(error).toBeInstanceOf(LabError);
    expect(error.name).toBe(error.constructor.name);
    expect(error.lesson).toBeGreaterThanOrEqual(1);
    expect(error.message).toContain(`See lesson ${error.lesson} (`);
  });

  it('lets a caller point to another lesson and keep the cause', () => {
    const cause = new Error('underlying');
    const error = new errors.JwtSignatureError('client-key', { lesson: 4, cause });
    expect(error.lesson).toBe(4);
    expect(error.message).toContain('See lesson 4 (exchange).');
    expect(error.cause).toBe(cause);
  });

  it('shows network-supplied values short and printable', () => {
    const error = new errors.JwtSchemeError(`Bearer\u0000${'x'.repeat(100)}`);
    expect(error.message).not.toContain('\u0000');
    expect(error.scheme.length).toBeLessThanOrEqual(20);
    expect(error.message).not.toContain('x'.repeat(30));
  });

  it('gives times as dates a reader can compare', () => {
    const error = new errors.JwtExpiredError({ exp: 1_700_000_000, now: 1_700_000_100, leewaySeconds: 30 });
    expect(error.expiredAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(error.message).toContain('2023-11-14T22:13:20.000Z');
    expect(error.message).toContain('100 s later');
  });
});
