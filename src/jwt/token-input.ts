/**
 * What people paste when they debug a token: the token itself, an `Authorization: JWT …` header
 * line, or a page module's URL with `?jwt=…`. Each is reduced to the token, and a URL is kept as
 * the request the token came with.
 */

/**
 * A pasted token, and the URL it came in, when it came in one.
 *
 * @example const { token, url }: TokenInput = readTokenInput('https://app.example/page?repoUuid=x&jwt=eyJ…')
 */
export interface TokenInput {
  token: string;
  /** The pasted URL (a page module's), which is also the request the token came with. */
  url?: string;
}

const URL_LIKE = /^(https?:\/\/|\/)/i;
const HEADER = /^(authorization\s*:\s*)?(jwt|bearer)\s+/i;

/**
 * Reduces pasted text to a token. Whitespace inside it (a token wrapped over lines) is dropped:
 * a JWT never contains any.
 *
 * @example
 * readTokenInput('  eyJa.eyJb.c2ln\n').token // 'eyJa.eyJb.c2ln'
 * readTokenInput('Authorization: JWT eyJa.eyJb.c2ln').token // 'eyJa.eyJb.c2ln'
 * readTokenInput('/oauth-callback?repoUuid=%7B1%7D&jwt=eyJa.eyJb.c2ln') // { token: 'eyJa.eyJb.c2ln', url: '/oauth-callback?repoUuid=%7B1%7D&jwt=eyJa.eyJb.c2ln' }
 */
export function readTokenInput(text: string): TokenInput {
  const trimmed = text.trim();
  if (URL_LIKE.test(trimmed) && /[?&]jwt=/.test(trimmed)) {
    const query = trimmed.slice(trimmed.indexOf('?')).replace(/#.*$/, '');
    const token = new URLSearchParams(query).get('jwt') ?? '';
    return { token: token.replace(/\s+/g, ''), url: trimmed };
  }
  return { token: trimmed.replace(HEADER, '').replace(/\s+/g, '') };
}
