import { LabError } from '../../src/errors.ts';

/**
 * The verifier accepted a request it must refuse: a check of src/jwt/verify.ts is missing or
 * weakened (the lesson forged the request on purpose, so the app must say no).
 *
 * @example
 * throw new CheckNotEnforcedError('Signed with another secret', 'ERR_JWT_SIGNATURE')
 */
export class CheckNotEnforcedError extends LabError {
  /** The code the verifier should have refused the request with. */
  readonly expected: string;

  constructor(what: string, expected: string) {
    super(
      'ERR_CHECK_NOT_ENFORCED',
      `The app accepted a request it must refuse (${what}); it should have answered ${expected}. A check of verifyRequest ` +
        '(src/jwt/verify.ts) is missing or weakened: restore it, then run the lesson again. Lesson 6 explains each check.',
      { lesson: 6 },
    );
    this.expected = expected;
  }
}
