import { normaliseBaseUrl } from '../http/base-url.ts';
import { InvalidOptionError } from '../http/errors.ts';

/**
 * Git over HTTPS with the JWT grant's access token (docs/protocol.md, section 2): the user name is the
 * fixed word `x-token-auth`, the password is the token.
 */

/** The user name Bitbucket expects in front of an access token in a clone URL. */
export const TOKEN_CLONE_USER = 'x-token-auth';

/** `workspace/repo_slug`: two non-empty segments, no dot segments (they would move the path). */
const FULL_NAME = /^(?!\.{1,2}\/)[A-Za-z0-9._-]+\/(?!\.{1,2}$)[A-Za-z0-9._-]+$/;

/**
 * The HTTPS clone URL that authenticates with an access token:
 * `https://x-token-auth:{access_token}@bitbucket.org/{workspace}/{repo_slug}.git`.
 *
 * The URL holds the token: treat it as a secret (redact it before printing, keep it out of
 * `.git/config` by passing it per command). The token lives as long as the access token does.
 *
 * @example
 * tokenCloneUrl({ bitbucketUrl: 'https://bitbucket.org', fullName: 'teamsinspace/docs', accessToken })
 * // 'https://x-token-auth:<token>@bitbucket.org/teamsinspace/docs.git'
 */
export function tokenCloneUrl(o: { bitbucketUrl: string; fullName: string; accessToken: string }): string {
  const base = new URL(normaliseBaseUrl(o.bitbucketUrl, 'bitbucketUrl'));
  if (typeof o.fullName !== 'string' || !FULL_NAME.test(o.fullName)) {
    throw new InvalidOptionError(
      `fullName must be a repository's "full_name", workspace/repo_slug (like "teamsinspace/docs"): got ${JSON.stringify(o.fullName)}.`,
    );
  }
  if (typeof o.accessToken !== 'string' || o.accessToken.trim() === '') {
    throw new InvalidOptionError('accessToken must be the access token of the JWT grant (lesson 4), not empty.');
  }
  const url = new URL(`${base.href.replace(/\/$/, '')}/${o.fullName}.git`);
  url.username = TOKEN_CLONE_USER;
  // The URL setter percent-encodes what userinfo cannot hold as is; git decodes it.
  url.password = o.accessToken;
  return url.href;
}
