import { describe, expect, it } from 'vitest';
import { TOKEN_CLONE_USER, tokenCloneUrl } from './clone-url.ts';

const accessToken = 'Zm9vYmFyYmF6cXV4LXRva2VuX3ZhbHVlLTEyMzQ1Njc4OTA';

describe('tokenCloneUrl', () => {
  it('puts x-token-auth and the token in front of bitbucket.org/{workspace}/{repo}.git', () => {
    expect(tokenCloneUrl({ bitbucketUrl: 'https://bitbucket.org', fullName: 'teamsinspace/docs', accessToken })).toBe(
      `https://${TOKEN_CLONE_USER}:${accessToken}@bitbucket.org/teamsinspace/docs.git`,
    );
  });

  it('keeps a mock mounted under a path, and ignores a trailing slash on the base', () => {
    expect(tokenCloneUrl({ bitbucketUrl: 'http://localhost:4000/bb/', fullName: 'ws/repo', accessToken: 'tok-12345678' })).toBe(
      'http://x-token-auth:tok-12345678@localhost:4000/bb/ws/repo.git',
    );
  });

  it('percent-encodes token characters that userinfo cannot hold as they are', () => {
    const url = tokenCloneUrl({ bitbucketUrl: 'https://bitbucket.org', fullName: 'ws/repo', accessToken: 'a/b@c:d' });
    expect(url).toBe('https://x-token-auth:a%2Fb%40c%3Ad@bitbucket.org/ws/repo.git');
    expect(decodeURIComponent(new URL(url).password), 'git decodes it back to the token').toBe('a/b@c:d');
  });

  it.each([
    ['a slug without workspace', 'docs'],
    ['three segments', 'ws/repo/extra'],
    ['a dot-dot segment', 'ws/..'],
    ['a leading dot segment', '../repo'],
    ['a space', 'ws/my repo'],
    ['an empty string', ''],
  ])('refuses %s as full name (ERR_INVALID_OPTION)', (_what, fullName) => {
    expect(() => tokenCloneUrl({ bitbucketUrl: 'https://bitbucket.org', fullName, accessToken })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('workspace/repo_slug') }),
    );
  });

  it('refuses an empty token and a base URL with credentials, without echoing the token', () => {
    expect(() => tokenCloneUrl({ bitbucketUrl: 'https://bitbucket.org', fullName: 'ws/repo', accessToken: ' ' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    let message = '';
    try {
      tokenCloneUrl({ bitbucketUrl: 'https://u:p@bitbucket.org', fullName: 'ws/repo', accessToken });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('must not carry credentials');
    expect(message).not.toContain(accessToken);
  });
});
