import { stripVTControlCharacters } from 'node:util';
import { neutralizeFormatCharacters } from '../text/format-characters.ts';

/**
 * ANSI styling for the terminal renderers, and the sanitising that keeps escape codes in the
 * renderer's hands only.
 */

/** SGR codes of the styles the notes use. */
const SGR = {
  bold: 1,
  dim: 2,
  italic: 3,
  underline: 4,
  inverse: 7,
  strikethrough: 9,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
} as const;

/**
 * A style the notes use: an emphasis or a foreground colour.
 *
 * @example const here: StyleName[] = ['bold', 'yellow'];
 */
export type StyleName = keyof typeof SGR;

/**
 * Wraps `text` in the escape codes of `styles`, or returns it untouched when `color` is false.
 *
 * Every painted run opens all of its styles and ends with a full reset, so runs nest by
 * construction (bold and dim share a close code; a reset-and-reopen never leaks one into the
 * other), and `wrap-ansi` can carry the styles across the lines it breaks.
 *
 * @example
 * paint('Authorization: JWT', ['cyan'], true) // '\x1b[36mAuthorization: JWT\x1b[0m'
 * paint('Authorization: JWT', ['cyan'], false) // 'Authorization: JWT'
 */
export function paint(text: string, styles: readonly StyleName[], color: boolean): string {
  if (!color || styles.length === 0 || text === '') return text;
  return `\x1b[${styles.map((style) => SGR[style]).join(';')}m${text}\x1b[0m`;
}

/**
 * Removes every ANSI escape sequence: what a terminal would show, as plain text.
 *
 * @example stripAnsi('\x1b[1mNOTE\x1b[0m') // 'NOTE'
 */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}

// C0 controls except tab and newline, DEL, and the C1 controls (U+009B is an 8-bit CSI).
const CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/g;

/**
 * Makes control characters from the document visible instead of letting the terminal obey them:
 * a note (or a payload quoted in one) holding `ESC[2J` must not clear the learner's screen.
 * C0 controls become their Unicode control pictures (`␛`), C1 controls `�`. Tabs and newlines stay.
 * Unicode format characters (a right-to-left override, zero-width characters) become escapes such
 * as `\u202e`, as in the app's log lines (src/text/format-characters.ts), so they cannot reorder or
 * hide what the learner reads.
 *
 * @example
 * neutralizeControls('a\x1b[2Jb') // 'a␛[2Jb'
 * neutralizeControls('a\u202Eb') // 'a\\u202eb'
 */
export function neutralizeControls(text: string): string {
  const pictured = text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7F ? '\u2421' : '\uFFFD';
  });
  return neutralizeFormatCharacters(pictured);
}
