import { describe, expect, it } from 'vitest';
import { redactJwt, redactSecret, redactText } from './redact.ts';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXRoYXQtbWFrZXMtaXQtdXNhYmxl';
const signature = jwt.split('.')[2]!;

describe('redaction', () => {
  it('shows a secret as a short prefix and its length', () => {
    expect(redactSecret('s3cr3t-shared-secret-value')).toBe('s3cr…(26 chars)');
  });

  it('keeps a JWT readable but not usable: the signature goes', () => {
    const redacted = redactJwt(jwt);
    expect(redacted.startsWith('eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.')).toBe(true);
    expect(redacted).not.toContain(signature);
  });

  it('finds JWTs and registered secrets anywhere in text, URL-encoded ones too', () => {
    const secret = 'a secret/with+symbols';
    const text = `Authorization: JWT ${jwt}\nbody: sharedSecret=${encodeURIComponent(secret)} raw=${secret}`;
    const redacted = redactText(text, [secret]);
    expect(redacted).not.toContain(signature);
    expect(redacted).not.toContain(secret);
    expect(redacted).not.toContain(encodeURIComponent(secret));
  });

  it('is idempotent: redacting redacted text changes nothing', () => {
    const once = redactText(`token ${jwt} and secret abcdefghijkl`, ['abcdefghijkl']);
    expect(redactText(once, ['abcdefghijkl'])).toBe(once);
  });

  it('still redacts a whole JWT that happens to be followed by an ellipsis', () => {
    expect(redactText(`${jwt}… and more`)).not.toContain(signature);
  });

  it('ignores secrets too short to be told apart from ordinary words', () => {
    expect(redactText('the key is short', ['short'])).toBe('the key is short');
  });
});
