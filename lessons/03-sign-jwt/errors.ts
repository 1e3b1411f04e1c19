import { LabError } from '../../src/errors.ts';

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
