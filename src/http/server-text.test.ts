import { describe, expect, it } from 'vitest';
import { quoteServerText, SERVER_TEXT_MAX_CHARS } from './server-text.ts';

describe('quoteServerText', () => {
  it('collapses whitespace and strips control characters (no terminal escapes from a body)', () => {
    expect(quoteServerText('<h1>\n  502 \u001b[31mBad\u001b[0m   Gateway</h1>\r\n')).toBe('<h1> 502 [31mBad [0m Gateway</h1>');
  });

  it(`keeps at most ${SERVER_TEXT_MAX_CHARS} characters`, () => {
    const quoted = quoteServerText('x'.repeat(1000));
    expect(quoted).toBe(`${'x'.repeat(SERVER_TEXT_MAX_CHARS)}…`);
  });

  it('redacts secrets before truncating, so a cut never shows part of one', () => {
    const secret = 'S3CRET-abcdefghijklmnopqrstuvwxyz';
    const quoted = quoteServerText(`${'y'.repeat(190)}${secret}`, [secret]);
    expect(quoted).not.toContain('S3CRET-abc');
    expect(quoted.startsWith('y'.repeat(190))).toBe(true);
  });

  it('redacts JWT-shaped strings even when not told about them', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHAifQ.c2lnbmF0dXJlLXZhbHVlLWxvbmc';
    expect(quoteServerText(`bad token ${jwt}`)).not.toContain('c2lnbmF0dXJlLXZhbHVlLWxvbmc');
  });
});
