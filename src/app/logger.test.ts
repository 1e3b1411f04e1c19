import { describe, expect, it } from 'vitest';
import { consoleLogger, safeLogger, sanitizeLogLine, type Logger } from './logger.ts';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g';

describe('sanitizeLogLine', () => {
  it('redacts JWTs wherever they stand, keeping header and claims', () => {
    const line = sanitizeLogLine(`Authorization: JWT ${JWT}`);
    expect(line).not.toContain('c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g');
    expect(line).toContain('eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.');
  });

  it('redacts the secrets it is given, plain or URL-encoded', () => {
    const secret = 'a secret/with+odd=chars';
    const line = sanitizeLogLine(`x=${secret} y=${encodeURIComponent(secret)}`, [secret]);
    expect(line).not.toContain(secret);
    expect(line).not.toContain(encodeURIComponent(secret));
  });

  it('redacts values of secret-named keys even when the secret is not known', () => {
    for (const line of ['GET /x?jwt=opaque-token-value', '{"sharedSecret":"opaque-token-value"}', 'access_token=opaque-token-value&x=1']) {
      expect(sanitizeLogLine(line)).not.toContain('opaque-token-value');
    }
  });

  it('keeps a line one line: control characters are escaped', () => {
    expect(sanitizeLogLine('path=/a\nrequest method=GET forged')).toBe('path=/a\\x0arequest method=GET forged');
  });
});

describe('sanitizeLogLine and Unicode format characters', () => {
  it('escapes a right-to-left override, so a line cannot disguise what it says', () => {
    expect(sanitizeLogLine('upload name=invoice\u202Efdp.exe')).toBe('upload name=invoice\\u202efdp.exe');
  });

  it('escapes zero-width characters, the BOM, tag characters and line separators', () => {
    expect(sanitizeLogLine('ad\u200Bmin\u200D\u2060\uFEFF|\u{E0041}|\u2028|\u2029')).toBe(
      'ad\\u200bmin\\u200d\\u2060\\ufeff|\\u{e0041}|\\u2028|\\u2029',
    );
  });

  it('escapes C1 controls too (U+009B is an 8-bit CSI), and keeps ordinary text', () => {
    expect(sanitizeLogLine('a\u009B2Jb')).toBe('a\\x9b2Jb');
    expect(sanitizeLogLine('clientKey=ari:cloud:bitbucket::app/{x}/é 認証 ✓')).toBe('clientKey=ari:cloud:bitbucket::app/{x}/é 認証 ✓');
  });
});

describe('safeLogger', () => {
  it('sanitizes every line before the injected logger sees it', () => {
    const seen: string[] = [];
    const inner: Logger = { info: (line) => seen.push(`info ${line}`), error: (line) => seen.push(`error ${line}`) };
    const log = safeLogger(inner);
    log.info(`token ${JWT}`);
    log.error('secret s3cr3t-value-123', ['s3cr3t-value-123']);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/^info token eyJ/);
    expect(seen.join('\n')).not.toContain('c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g');
    expect(seen[1]).not.toContain('s3cr3t-value-123');
  });
});

describe('consoleLogger', () => {
  it('writes one timestamped line per call, info to stdout and errors to stderr', () => {
    const out: string[] = [];
    const err: string[] = [];
    const stream = (sink: string[]) => ({ write: (chunk: string) => sink.push(chunk) }) as unknown as NodeJS.WritableStream;
    const logger = consoleLogger({ stdout: stream(out), stderr: stream(err), now: () => Date.UTC(2025, 0, 1) });
    logger.info('hello');
    logger.error('broken');
    expect(out).toEqual(['2025-01-01T00:00:00.000Z info hello\n']);
    expect(err).toEqual(['2025-01-01T00:00:00.000Z error broken\n']);
  });
});
