import { describe, expect, it } from 'vitest';
import { JWT_ERROR_CODES } from '../jwt/errors.ts';
import { httpStatusFor } from './error-status.ts';

describe('httpStatusFor: the one table from error codes to statuses', () => {
  it('answers every JWT and qsh failure 401', () => {
    for (const code of JWT_ERROR_CODES.filter((c) => c.startsWith('ERR_JWT_') || c.startsWith('ERR_QSH_'))) {
      expect(httpStatusFor(code), code).toBe(401);
    }
    // The lifetime bound on every route that verifies a JWT.
    for (const route of ['installed', 'uninstalled', 'page'] as const) expect(httpStatusFor('ERR_JWT_LIFETIME', route)).toBe(401);
  });

  it('maps the lifecycle payload errors to 400 and the authentication ones to 401', () => {
    expect(httpStatusFor('ERR_PAYLOAD_INVALID')).toBe(400);
    expect(httpStatusFor('ERR_NO_SHARED_SECRET')).toBe(400);
    expect(httpStatusFor('ERR_APP_KEY_MISMATCH')).toBe(400);
    expect(httpStatusFor('ERR_REINSTALL_UNAUTHENTICATED')).toBe(401);
    expect(httpStatusFor('ERR_CLIENT_KEY_MISMATCH')).toBe(401);
  });

  it('answers an unknown installation 401, except on uninstall where it is 404', () => {
    expect(httpStatusFor('ERR_INSTALLATION_UNKNOWN')).toBe(401);
    expect(httpStatusFor('ERR_INSTALLATION_UNKNOWN', 'installed')).toBe(401);
    expect(httpStatusFor('ERR_INSTALLATION_UNKNOWN', 'page')).toBe(401);
    expect(httpStatusFor('ERR_INSTALLATION_UNKNOWN', 'uninstalled')).toBe(404);
  });

  it('maps the body errors to 400, 413 and 415', () => {
    expect(httpStatusFor('ERR_BODY_MALFORMED')).toBe(400);
    expect(httpStatusFor('ERR_BODY_TOO_LARGE')).toBe(413);
    expect(httpStatusFor('ERR_UNSUPPORTED_MEDIA_TYPE')).toBe(415);
  });

  it('answers Bitbucket failures as a gateway would', () => {
    expect(httpStatusFor('ERR_GRANT_INVALID')).toBe(502);
    expect(httpStatusFor('ERR_SERVER')).toBe(502);
    expect(httpStatusFor('ERR_RATE_LIMITED')).toBe(503);
    expect(httpStatusFor('ERR_TIMEOUT')).toBe(504);
  });

  it('leaves codes it does not know undefined (the caller answers 500), even inherited names', () => {
    expect(httpStatusFor('ERR_SOMETHING_NEW')).toBeUndefined();
    expect(httpStatusFor('constructor')).toBeUndefined();
    expect(httpStatusFor('toString')).toBeUndefined();
  });
});
