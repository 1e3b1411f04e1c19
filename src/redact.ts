/**
 * Redaction: secrets never appear whole in output, logs or transcripts.
 *
 * A secret is shown as a short prefix and its length (`hQ8x…(44 chars)`): enough to tell two
 * secrets apart and to spot a truncated one, never enough to use.
 */

const PREFIX_LENGTH = 4;

/**
 * @example redactSecret('s3cr3t-shared-secret-value') // 's3cr…(26 chars)'
 */
export function redactSecret(secret: string): string {
  return `${secret.slice(0, PREFIX_LENGTH)}…(${secret.length} chars)`;
}

/**
 * A JWT with its signature redacted: header and claims stay readable (they are only base64),
 * the signature, which is what makes the token usable, does not.
 *
 * @example redactJwt('eyJh.eyJp.c2ln') // 'eyJh.eyJp.c2ln…'
 */
export function redactJwt(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) return redactSecret(token);
  return `${parts[0]}.${parts[1]}.${redactSecret(parts[2] ?? '')}`;
}

// The lookahead leaves an already-redacted JWT (`eyJ….eyJ….abcd…(43 chars)`) alone: redacting is idempotent.
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?![A-Za-z0-9_-]|…\(\d+ chars\))/g;

/**
 * Redacts every known secret in a piece of text, and every JWT-shaped string, wherever it stands
 * (headers, bodies, URLs, curl commands).
 *
 * @example redactText(`Authorization: Bearer ${token}`, [token])
 */
export function redactText(text: string, secrets: Iterable<string | undefined> = []): string {
  let result = text.replace(JWT_PATTERN, (jwt) => redactJwt(jwt));
  const sorted = [...secrets].filter((s): s is string => !!s && s.length >= 8).sort((a, b) => b.length - a.length);
  for (const secret of sorted) {
    result = result.split(secret).join(redactSecret(secret));
    // Secrets also travel URL-encoded (form bodies, query strings).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) result = result.split(encoded).join(redactSecret(secret));
  }
  return result;
}
