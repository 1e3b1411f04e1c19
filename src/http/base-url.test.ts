import { describe, expect, it } from 'vitest';
import { normaliseBaseUrl } from './base-url.ts';

describe('normaliseBaseUrl', () => {
  it('drops trailing slashes and keeps a context path', () => {
    expect(normaliseBaseUrl('https://bitbucket.org/', 'x')).toBe('https://bitbucket.org');
    expect(normaliseBaseUrl('http://localhost:4000/bb//', 'x')).toBe('http://localhost:4000/bb');
  });

  it.each([
    ['bitbucket.org', 'not an absolute URL'],
    ['ftp://bitbucket.org', 'http(s)'],
    ['https://user:pw@bitbucket.org', 'credentials'],
    ['https://bitbucket.org/?a=1', 'query or fragment'],
    ['https://bitbucket.org/#x', 'query or fragment'],
  ])('refuses %s with ERR_INVALID_OPTION naming the option', (value, words) => {
    expect(() => normaliseBaseUrl(value, 'bitbucketUrl')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(words) }),
    );
    expect(() => normaliseBaseUrl(value, 'bitbucketUrl')).toThrow(/bitbucketUrl/);
  });

  it('never echoes credentials', () => {
    expect(() => normaliseBaseUrl('https://user:hunter2@bitbucket.org', 'x')).toThrow(expect.not.objectContaining({ message: expect.stringContaining('hunter2') }));
  });
});
