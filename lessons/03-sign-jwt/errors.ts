import { LabError } from '../../src/errors.ts';

/** Lesson 3 explains signing; lesson 6 verifying. */
const SIGN_LESSON = 3;

/**
 * A step needs the token an earlier step of the same run signed, and that step has not run.
 *
 * @example
 * if (typeof ctx.state.jwt !== 'string') throw new StepStateError(5, 4)
 */
export class StepStateError extends LabError {
  constructor(step: number, earlier: number) {
    super(
      'ERR_STEP_STATE',
      `Step ${step} of lesson 3 uses the token step ${earlier} signs, and step ${earlier} has not run in this run. ` +
        'Run the whole lesson: npm run lesson 3',
      { lesson: SIGN_LESSON },
    );
  }
}

/**
 * A JWT whose claims were changed after signing passed verification: the signature check is
 * broken, and any token could be forged.
 *
 * @example
 * throw new TamperAcceptedError()
 */
export class TamperAcceptedError extends LabError {
  constructor() {
    super(
      'ERR_TAMPERED_JWT_ACCEPTED',
      'A JWT whose claims were changed after signing passed verification, so anyone could forge tokens. verifyJwt ' +
        '(src/jwt/verify.ts) must check the HS256 signature over header.claims with the sharedSecret. Lesson 6 explains verification.',
      { lesson: 6 },
    );
  }
}
