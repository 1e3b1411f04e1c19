import { describe, expect, it } from 'vitest';
import { fillPlaceholders, parseHttpFile } from './http-file.ts';

describe('parseHttpFile', () => {
  it('reads requests between ### lines: request line, headers, body; comments and the introduction skipped', () => {
    const text = [
      '# An introduction, no request',
      '',
      '### 1. First',
      '# a comment before the request line',
      'POST https://bitbucket.org/site/oauth2/access_token HTTP/1.1',
      'Authorization: JWT {{jwt}}',
      '// a comment among the headers',
      'Content-Type: application/x-www-form-urlencoded',
      '',
      'grant_type=urn:bitbucket:oauth2:jwt',
      '',
      '# a comment before the next separator',
      '### 2. Second',
      'https://api.bitbucket.org/2.0/user',
      '',
    ].join('\n');
    expect(parseHttpFile(text)).toEqual([
      {
        title: '1. First',
        line: 5,
        method: 'POST',
        url: 'https://bitbucket.org/site/oauth2/access_token',
        headers: [
          ['Authorization', 'JWT {{jwt}}'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
        body: 'grant_type=urn:bitbucket:oauth2:jwt',
      },
      { title: '2. Second', line: 14, method: 'GET', url: 'https://api.bitbucket.org/2.0/user', headers: [], body: '' },
    ]);
  });

  it('keeps a multi-line body as written, and reads CRLF files', () => {
    const [request] = parseHttpFile('### x\r\nPOST https://x.test/\r\nContent-Type: application/json\r\n\r\n{\r\n  "a": 1\r\n}\r\n');
    expect(request?.body).toBe('{\n  "a": 1\n}');
  });

  it('finds no request in a file of comments', () => {
    expect(parseHttpFile('# nothing\n### empty\n# still nothing\n')).toEqual([]);
  });
});

describe('fillPlaceholders', () => {
  it('replaces known {{names}} and leaves unknown ones visible', () => {
    expect(fillPlaceholders('JWT {{jwt}} {{ other }}', { jwt: 'a.b.c' })).toBe('JWT a.b.c {{ other }}');
  });
});
