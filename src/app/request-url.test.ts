import { describe, expect, it } from 'vitest';
import { requestUrlAsAddressed } from './request-url.ts';

describe('requestUrlAsAddressed', () => {
  it('puts back a context path that a proxy stripped, so the qsh strips exactly it', () => {
    expect(requestUrlAsAddressed({ baseUrl: '', originalUrl: '/oauth-callback?a=1' }, 'https://host/o')).toBe('/o/oauth-callback?a=1');
    expect(requestUrlAsAddressed({ baseUrl: '', originalUrl: '/installed' }, 'https://host/app/')).toBe('/app/installed');
  });

  it('keeps the URL as received when it came through the context path, or there is none', () => {
    expect(requestUrlAsAddressed({ baseUrl: '/app', originalUrl: '/app/installed' }, 'https://host/app')).toBe('/app/installed');
    expect(requestUrlAsAddressed({ baseUrl: '', originalUrl: '/installed' }, 'https://host')).toBe('/installed');
  });
});
