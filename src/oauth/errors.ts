import { LabError } from '../errors.ts';
import { seeLesson } from '../http/errors.ts';

/**
 * Errors of the JWT grant (lesson 4). Transport failures (`ERR_NETWORK`, `ERR_TIMEOUT`,
 * `ERR_ABORTED`, `ERR_RATE_LIMITED`, `ERR_SERVER`) are the shared ones of `src/http/errors.ts`.
 * Every message quotes the token endpoint's own words and never holds the JWT or the secret.
 */

/**
 * What the token endpoint said about a refused grant.
 *
 * @example
 * new GrantInvalidError({ target: 'POST https://bitbucket.org/site/oauth2/access_token', status: 400,
 *   oauthError: 'invalid_grant', serverText: 'Unsupported grant type: None' })
 */
export interface GrantErrorDetails {
  /** `POST <token endpoint>`. */
  target: string;
  status: number;
  /** The OAuth `error` field (`invalid_grant`, ...), when the body had one. */
  oauthError: string | undefined;
  /** The OAuth `error_description`, or the start of a body that was not OAuth JSON. Redacted. */
  serverText: string;
}

/**
 * The token endpoint refused the grant. Subclasses narrow the cause; match on `code`.
 *
 * @example
 * if (error instanceof GrantError) console.error(error.status, error.oauthError)
 */
export class GrantError extends LabError {
  readonly target: string;
  readonly status: number;
  readonly oauthError: string | undefined;
  readonly serverText: string;

  constructor(code: string, details: GrantErrorDetails, advice: string) {
    super(code, `Bitbucket refused the JWT grant (${describeAnswer(details)}). ${advice} ${seeLesson(4)}`, { lesson: 4 });
    this.target = details.target;
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.serverText = details.serverText;
  }
}

/**
 * `invalid_grant`: the JWT itself was not accepted.
 *
 * @example
 * if (isLabError(error, 'ERR_GRANT_INVALID')) console.error('re-install the app, then try again')
 */
export class GrantInvalidError extends GrantError {
  constructor(details: GrantErrorDetails) {
    super('ERR_GRANT_INVALID', details, invalidGrantAdvice(details.serverText));
  }
}

/** `invalid_grant` covers two different mistakes: the form body, and the JWT. Its description tells which. */
function invalidGrantAdvice(serverText: string): string {
  if (/unsupported grant type/i.test(serverText)) {
    return (
      'The form body must carry grant_type=urn:bitbucket:oauth2:jwt, sent as ' +
      'Content-Type: application/x-www-form-urlencoded (not JSON, not a query parameter).'
    );
  }
  return (
    'Usually the JWT has expired or is not yet valid (check this machine\'s clock: iat and exp are Unix ' +
    'seconds), or it was signed with a stale sharedSecret (the app was re-installed and the store kept the ' +
    'old one): re-install the app so the store holds the current secret (lesson 2), then exchange again.'
  );
}

/**
 * `unauthorized_client`: Bitbucket did not recognise the request as coming from an installed app.
 *
 * @example
 * if (isLabError(error, 'ERR_GRANT_UNAUTHORIZED_CLIENT')) console.error(error.message)
 */
export class GrantUnauthorizedClientError extends GrantError {
  constructor(details: GrantErrorDetails) {
    super(
      'ERR_GRANT_UNAUTHORIZED_CLIENT',
      details,
      'The header must read "Authorization: JWT <token>": the scheme is JWT, case-sensitive, not Bearer or ' +
        'Basic. Then check the signature: it must be HMAC-SHA256 with the installation\'s current sharedSecret ' +
        '(a wrong or stale secret is refused here too); iss must be the app key and sub the installation\'s ' +
        'clientKey; and the app must still be installed.',
    );
  }
}

/**
 * Any other 400, 401 or 403 from the token endpoint.
 *
 * @example
 * if (isLabError(error, 'ERR_GRANT_REJECTED')) console.error(error.status, error.serverText)
 */
export class GrantRejectedError extends GrantError {
  constructor(details: GrantErrorDetails) {
    super(
      'ERR_GRANT_REJECTED',
      details,
      'Check the app key (iss), the clientKey (sub), a requested scope (it can only narrow the scopes the app ' +
        'was installed with) and bitbucket_repository (the UUID of a repository in this workspace).',
    );
  }
}

/**
 * The token endpoint answered something that is not a usable token response: not JSON, a
 * missing `access_token`, a non-numeric `expires_in`, or an unexpected status such as a redirect
 * or a 404 (usually a wrong Bitbucket URL).
 *
 * @example
 * if (isLabError(error, 'ERR_TOKEN_RESPONSE_INVALID')) console.error(error.message)
 */
export class TokenResponseInvalidError extends LabError {
  readonly target: string;
  readonly status: number;
  readonly serverText: string;

  constructor(o: { target: string; status: number; problem: string; serverText: string }) {
    super(
      'ERR_TOKEN_RESPONSE_INVALID',
      `${o.target} answered HTTP ${o.status}, but ${o.problem}${o.serverText ? ` (it said: "${o.serverText}")` : ''}. ` +
        'Check that the Bitbucket URL is Bitbucket\'s web origin (https://bitbucket.org, or the mock), not the ' +
        `API origin or a proxy. ${seeLesson(4)}`,
      { lesson: 4 },
    );
    this.target = o.target;
    this.status = o.status;
    this.serverText = o.serverText;
  }
}

/**
 * The installation record cannot sign a JWT: no clientKey, app key or sharedSecret. Installs into
 * personal accounts have been seen arriving without a sharedSecret.
 *
 * @example
 * if (isLabError(error, 'ERR_INSTALLATION_INCOMPLETE')) console.error(error.message)
 */
export class InstallationIncompleteError extends LabError {
  readonly clientKey: string | undefined;

  constructor(clientKey: string | undefined, missing: string[]) {
    super(
      'ERR_INSTALLATION_INCOMPLETE',
      `The installation ${clientKey ? `"${clientKey}" ` : ''}has no ${missing.join(', ')}, so no JWT can be signed ` +
        'for it. Install the app again (into a workspace, not a personal account) so that the installed payload ' +
        `brings them. ${seeLesson(2)}`,
      { lesson: 2 },
    );
    this.clientKey = clientKey;
  }
}

function describeAnswer(d: GrantErrorDetails): string {
  const head = d.oauthError ? `HTTP ${d.status} ${d.oauthError}` : `HTTP ${d.status}`;
  return d.serverText ? `${head}: "${d.serverText}"` : head;
}
