/**
 * Unicode format characters (general category Cf) change how text around them is shown without
 * showing themselves: U+202E (right-to-left override) makes `txt.exe` read as `exe.txt`, zero-width
 * characters (U+200B, U+200D, U+2060, U+FEFF) hide inside words, tag characters (U+E0000...) carry
 * invisible text. The line and paragraph separators U+2028 and U+2029 break lines in some viewers.
 * Text from the network that reaches a log or a terminal shows them as escapes instead.
 */

/** Cf, plus the two separators that act like a newline. */
const FORMAT_CHARACTER = /[\p{Cf}\u2028\u2029]/gu;

/**
 * One character as a visible escape: `\x1b` up to U+00FF, `\u202e` up to U+FFFF, `\u{e0041}` beyond.
 *
 * @example
 * escapeCodePoint('\u202e') // '\\u202e'
 * escapeCodePoint('\n')     // '\\x0a'
 */
export function escapeCodePoint(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * Replaces every format character (and U+2028, U+2029) with its escape; everything else stays.
 *
 * @example neutralizeFormatCharacters('invoice\u202Etxt.exe') // 'invoice\\u202etxt.exe'
 */
export function neutralizeFormatCharacters(text: string): string {
  return text.replace(FORMAT_CHARACTER, escapeCodePoint);
}
