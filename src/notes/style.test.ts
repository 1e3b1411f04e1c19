import { describe, expect, it } from 'vitest';
import { neutralizeControls, paint, stripAnsi } from './style.ts';

describe('paint', () => {
  it('opens every style and resets at the end', () => {
    expect(paint('here', ['bold', 'yellow'], true)).toBe('\x1b[1;33mhere\x1b[0m');
  });

  it('returns the text untouched without colour, styles or text', () => {
    expect(paint('here', ['bold'], false)).toBe('here');
    expect(paint('here', [], true)).toBe('here');
    expect(paint('', ['bold'], true)).toBe('');
  });
});

describe('stripAnsi', () => {
  it('removes escape codes and keeps the text', () => {
    expect(stripAnsi(`a ${paint('b', ['cyan'], true)} c`)).toBe('a b c');
  });
});

describe('neutralizeControls', () => {
  it('turns C0 controls into control pictures, DEL and C1 controls into replacement characters', () => {
    expect(neutralizeControls('a\x1b[2Jb\x00\x07\x7f\x9b1m')).toBe('a␛[2Jb␀␇␡\uFFFD1m');
  });

  it('shows Unicode format characters as escapes: a right-to-left override cannot reorder the text', () => {
    expect(neutralizeControls('run exe.\u202Etxt and a\u200Bb')).toBe('run exe.\\u202etxt and a\\u200bb');
  });

  it('keeps tabs, newlines and ordinary text', () => {
    expect(neutralizeControls('a\tb\nc é 認証')).toBe('a\tb\nc é 認証');
  });
});
