import { describe, expect, it } from 'vitest';
import { escapeCodePoint, neutralizeFormatCharacters } from './format-characters.ts';

describe('escapeCodePoint', () => {
  it('writes \\xNN up to U+00FF, \\uNNNN up to U+FFFF, \\u{...} beyond', () => {
    expect(escapeCodePoint('\n')).toBe('\\x0a');
    expect(escapeCodePoint('\u009b')).toBe('\\x9b');
    expect(escapeCodePoint('\u202e')).toBe('\\u202e');
    expect(escapeCodePoint('\u{e0041}')).toBe('\\u{e0041}');
  });
});

describe('neutralizeFormatCharacters', () => {
  it('escapes every Cf character and the line and paragraph separators', () => {
    expect(neutralizeFormatCharacters('\u00ad\u061c\u200b\u200e\u202a\u202e\u2066\ufeff\u{e0001}\u2028\u2029')).toBe(
      '\\xad\\u061c\\u200b\\u200e\\u202a\\u202e\\u2066\\ufeff\\u{e0001}\\u2028\\u2029',
    );
  });

  it('leaves controls to their own neutraliser, and ordinary text alone', () => {
    expect(neutralizeFormatCharacters('a\tb\nc é 認証 😀')).toBe('a\tb\nc é 認証 😀');
  });
});
