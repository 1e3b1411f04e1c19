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
