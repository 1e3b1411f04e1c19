import { describe, expect, it } from 'vitest';
import { isLabError } from '../errors.ts';
import { INSTALL_COMPLETE_PATH, installLink } from './install-link.ts';

describe('installLink', () => {
  it('gives descriptor_uri and redirect_uri, not addon_key (which works only for Marketplace apps)', () => {
    const link = new URL(installLink({ bitbucketUrl: 'https://bitbucket.org', baseUrl: 'https://abc123.ngrok.app' }));
    expect(`${link.origin}${link.pathname}`).toBe('https://bitbucket.org/site/addons/authorize');
    expect([...link.searchParams.keys()]).toEqual(['descriptor_uri', 'redirect_uri']);
    expect(link.searchParams.get('descriptor_uri')).toBe('https://abc123.ngrok.app/atlassian-connect.json');
    expect(link.searchParams.get('redirect_uri')).toBe(`https://abc123.ngrok.app${INSTALL_COMPLETE_PATH}`);
  });

  it('percent-encodes both URLs, so their own query characters cannot add parameters', () => {
    expect(installLink({ bitbucketUrl: 'https://bitbucket.org', baseUrl: 'https://abc123.ngrok.app' })).toBe(
      'https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fabc123.ngrok.app%2Fatlassian-connect.json' +
        '&redirect_uri=https%3A%2F%2Fabc123.ngrok.app%2Finstall-complete',
    );
  });

  it('keeps a context path in both URLs, and points at the configured Bitbucket (the fake one offline)', () => {
    const link = new URL(installLink({ bitbucketUrl: 'http://127.0.0.1:4000', baseUrl: 'https://example.com/bitbucket', redirectPath: '/done?x=1' }));
    expect(link.origin).toBe('http://127.0.0.1:4000');
    expect(link.searchParams.get('descriptor_uri')).toBe('https://example.com/bitbucket/atlassian-connect.json');
    expect(link.searchParams.get('redirect_uri')).toBe('https://example.com/bitbucket/done?x=1');
  });

  it.each([
    ['a relative baseUrl', { baseUrl: 'abc123.ngrok.app' }, /baseUrl "abc123.ngrok.app" is not an absolute URL/],
    ['a baseUrl with a trailing slash', { baseUrl: 'https://abc123.ngrok.app/' }, /ends with "\/"/],
    ['a baseUrl with a query', { baseUrl: 'https://abc123.ngrok.app?x=1' }, /query or fragment/],
    ['a non-http Bitbucket', { bitbucketUrl: 'ftp://bitbucket.org' }, /bitbucketUrl "ftp:\/\/bitbucket.org" is not http\(s\)/],
    ['a redirect path without a slash', { redirectPath: 'install-complete' }, /must be a path under baseUrl/],
    ['a protocol-relative redirect path', { redirectPath: '//evil.example/x' }, /must be a path under baseUrl/],
    ['a redirect path that climbs out', { redirectPath: '/../other' }, /must be a path under baseUrl/],
  ])('refuses %s with ERR_INSTALL_LINK', (_name, override, message) => {
    let caught: unknown;
    try {
      installLink({ bitbucketUrl: 'https://bitbucket.org', baseUrl: 'https://abc123.ngrok.app', ...override });
    } catch (error) {
      caught = error;
    }
    expect(isLabError(caught, 'ERR_INSTALL_LINK')).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/lesson 1/);
  });
});
