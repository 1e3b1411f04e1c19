import { describe, expect, it } from 'vitest';
import { GrantInvalidError, GrantUnauthorizedClientError } from './errors.ts';

const target = 'POST https://bitbucket.org/site/oauth2/access_token';

describe('grant error advice', () => {
  it('points a missing grant_type at the form body, not at the JWT', () => {
    const error = new GrantInvalidError({ target, status: 400, oauthError: 'invalid_grant', serverText: 'Unsupported grant type: None' });
    expect(error.code).toBe('ERR_GRANT_INVALID');
    expect(error.message).toContain('grant_type=urn:bitbucket:oauth2:jwt');
    expect(error.message).not.toContain('expired');
  });

  it('points any other invalid_grant at the JWT: clock or stale secret', () => {
    const error = new GrantInvalidError({ target, status: 400, oauthError: 'invalid_grant', serverText: 'JWT expired' });
    expect(error.message).toContain('expired');
    expect(error.message).toContain('sharedSecret');
  });

  it('names a wrong secret as a cause of unauthorized_client', () => {
    const error = new GrantUnauthorizedClientError({ target, status: 400, oauthError: 'unauthorized_client', serverText: 'Requests must be authenticated using OAuth client credentials' });
    expect(error.message).toContain('Authorization: JWT');
    expect(error.message).toContain('sharedSecret');
  });
});
