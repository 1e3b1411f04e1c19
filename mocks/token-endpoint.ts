import { http, HttpResponse, type HttpHandler } from 'msw';
import { randomBytes } from 'node:crypto';
import { queryStringHash } from '../src/jwt/qsh.ts';
import { verifyAppJwt } from './app-jwt.ts';
import { installationScopes, recorded, type MockContext } from './context.ts';
import { LAB_NOTES, labNote } from './lab-note.ts';
import { OAUTH_MESSAGES, oauthError } from './responses.ts';
import { rememberToken } from './state.ts';

/**
 * Bitbucket's token endpoint, JWT grant only (docs/protocol.md, section 2): checks what Bitbucket
 * checks, answers with Bitbucket's bodies, and remembers each token it issues.
 *
 * What Bitbucket answers for a bad signature or an expired JWT is *unsettled* (docs/protocol.md). The
 * mock's choice, after RFC 6749 section 5.2 and RFC 7523: when the sender is not established
 * (unknown clientKey, bad signature, wrong `iss`, not a JWT) it is a failed client authentication,
 * 401 `unauthorized_client`; when the sender is known but this JWT is not valid now or not for this
 * request (`exp`, `iat`, `qsh`, claims) it is a bad grant, 400 `invalid_grant`. Both carry an
 * `X-Lab-Note` (mocks/lab-note.ts), as does every other answer the public record does not give.
 * A live run can capture the real answers.
 */

/** The token endpoint's path under Bitbucket's web origin. */
export const TOKEN_PATH = '/site/oauth2/access_token';
/** The grant type of the JWT grant. */
export const JWT_GRANT = 'urn:bitbucket:oauth2:jwt';
/** Token lifetime in seconds, as captured (`expires_in: 7200`); the docs' "one hour" is not what is sent. */
export const TOKEN_LIFETIME_SECONDS = 7200;

/**
 * A random opaque access token: 48 bytes from the system CSPRNG, base64url.
 *
 * @example
 * randomAccessToken() // 64 characters of [A-Za-z0-9_-]
 */
export function randomAccessToken(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * The qsh values the token endpoint accepts (besides none): published working clients hash
 * `POST&/site/oauth2/access_token&`, or fold the form body in as if it were the query
 * (docs/protocol.md, section 3, *unsettled*). Both relative to the web origin, so a mock under a path
 * expects what real Bitbucket would.
 *
 * @example
 * acceptedTokenQsh('https://bitbucket.org', 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt') // two hashes
 */
export function acceptedTokenQsh(bitbucketUrl: string, rawBody: string): string[] {
  const url = `${bitbucketUrl}${TOKEN_PATH}`;
  return [queryStringHash('POST', url, bitbucketUrl), queryStringHash('POST', `${url}?${rawBody}`, bitbucketUrl)];
}

/** Repository UUIDs are compared with their braces; a client may send them without. */
function withBraces(uuid: string): string {
  return uuid.startsWith('{') ? uuid : `{${uuid}}`;
}

/**
 * The msw handler of `POST {bitbucketUrl}/site/oauth2/access_token`.
 *
 * Checked in this order: a form body with `grant_type` (400 `invalid_grant`, "Unsupported grant
 * type: ...", captured for a missing one), the `JWT` scheme, case-sensitive (400
 * `unauthorized_client`, "Requests must be authenticated using OAuth client credentials": the one
 * public capture with a status has 400, docs/protocol.md section 2), the JWT (see above), `scope` within
 * the app's scopes (400 `invalid_scope`), `bitbucket_repository` a known repository UUID (400
 * `invalid_request`). The grant type comes first as in an OAuth server, which picks the grant's
 * handler before that handler authenticates the client.
 *
 * @example
 * setupServer(tokenEndpointHandler(ctx)).listen()
 */
export function tokenEndpointHandler(ctx: MockContext): HttpHandler {
  return http.post(
    `${ctx.bitbucketUrl}${TOKEN_PATH}`,
    recorded(ctx, 'token', `POST ${TOKEN_PATH}`, async ({ request }) => {
      const rawBody = await request.text();
      const isForm = (request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
      // The mock's choice: a body in any other encoding is not read at all, so its grant_type is "None".
      const form = new URLSearchParams(isForm ? rawBody : '');
      const grantType = form.get('grant_type');
      if (grantType !== JWT_GRANT) {
        const unread = !isForm && rawBody !== '';
        // Captured: a form without grant_type. Anything else is the mock's inference from it.
        const note = unread ? [LAB_NOTES.tokenNotAForm] : grantType ? [LAB_NOTES.tokenOtherGrant] : [];
        return oauthError(400, 'invalid_grant', OAUTH_MESSAGES.unsupportedGrant(grantType || null), labNote(...note));
      }

      const authorization = request.headers.get('authorization');
      const token = authorization?.startsWith('JWT ') ? authorization.slice(4).trim() : '';
      if (!token) {
        // Captured (status 400): a request without client credentials. A header of another kind
        // (Bearer, Basic, "jwt") is answered the same way, which is the mock's inference.
        const note = authorization === null ? [] : [LAB_NOTES.tokenNotJwtScheme];
        return oauthError(400, 'unauthorized_client', OAUTH_MESSAGES.unauthenticated, labNote(...note));
      }

      const verified = await verifyAppJwt(token, {
        installations: ctx.installations,
        qsh: { accept: acceptedTokenQsh(ctx.bitbucketUrl, rawBody), optional: true },
        now: ctx.now,
      });
      if (!verified.ok) {
        const { kind, description } = verified.failure;
        const note = labNote(LAB_NOTES.tokenJwtRefused);
        return kind === 'client'
          ? oauthError(401, 'unauthorized_client', description, note)
          : oauthError(400, 'invalid_grant', description, note);
      }
      const { installation } = verified;

      const appScopes = installationScopes(installation);
      const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
      const outside = requested.filter((scope) => !appScopes.includes(scope));
      if (outside.length > 0) {
        return oauthError(
          400,
          'invalid_scope',
          `The requested scope is invalid, unknown, or malformed: ${outside.join(' ')} (this app has: ${appScopes.join(' ')})`,
          labNote(LAB_NOTES.tokenFieldRefused),
        );
      }
      const scopes = requested.length > 0 ? [...new Set(requested)] : appScopes;

      const repositoryParam = form.get('bitbucket_repository');
      let repository: string | undefined;
      if (repositoryParam !== null) {
        const uuid = withBraces(repositoryParam.trim());
        if (!ctx.repositories.some((repo) => repo.uuid === uuid)) {
          return oauthError(
            400,
            'invalid_request',
            `Unknown repository: ${JSON.stringify(repositoryParam.slice(0, 100))} is not a repository UUID`,
            labNote(LAB_NOTES.tokenFieldRefused),
          );
        }
        repository = uuid;
      }

      const accessToken = ctx.randomToken();
      const issuedAt = ctx.now();
      rememberToken(ctx.state, accessToken, {
        clientKey: installation.clientKey,
        scopes,
        repository,
        issuedAt,
        expiresAt: issuedAt + TOKEN_LIFETIME_SECONDS * 1000,
      });
      return HttpResponse.json(
        {
          access_token: accessToken,
          scopes: scopes.join(' '),
          expires_in: TOKEN_LIFETIME_SECONDS,
          token_type: 'bearer',
          state: 'jwt_grant',
        },
        { headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...labNote(LAB_NOTES.tokenState) } },
      );
    }),
  );
}
