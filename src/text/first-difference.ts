/**
 * Where two strings first differ, and the two of them cut to a window around that place with a
 * caret under it: how a qsh mismatch is shown, so the eye goes straight to the bug.
 */

/**
 * The index of the first character where `a` and `b` differ; the shorter one's length when one
 * is a prefix of the other; `-1` when they are equal.
 *
 * @example
 * firstDifference('GET&/a&x=1', 'GET&/a&x=2') // 9
 * firstDifference('GET&/a', 'GET&/a/') // 6
 * firstDifference('same', 'same') // -1
 */
export function firstDifference(a: string, b: string): number {
  if (a === b) return -1;
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i += 1) if (a[i] !== b[i]) return i;
  return shorter;
}

/**
 * Two strings aligned for display: both cut the same way so that `caret` (spaces, then `^`)
 * points at their first difference in either line. Long strings lose their start (`…`) so the
 * difference stays on screen; `index` is the difference's place in the original strings.
 *
 * @example
 * const w = differenceWindow('GET&/a&x=1', 'GET&/a&x=2')
 * // w.a 'GET&/a&x=1', w.b 'GET&/a&x=2', w.caret '         ^', w.index 9
 */
export interface DifferenceWindow {
  a: string;
  b: string;
  caret: string;
  /** The first difference in the original strings, `-1` when they are equal. */
  index: number;
}

/**
 * Builds a {@link DifferenceWindow}, keeping at most `before` characters (default 60) ahead of a
 * difference that lies further in than that and twenty more.
 *
 * @example
 * differenceWindow('x'.repeat(100) + 'a', 'x'.repeat(100) + 'b', { before: 10 })
 * // { a: '…xxxxxxxxxxa', b: '…xxxxxxxxxxb', caret: '           ^', index: 100 }
 */
export function differenceWindow(a: string, b: string, options: { before?: number } = {}): DifferenceWindow {
  const index = firstDifference(a, b);
  if (index === -1) return { a, b, caret: '', index };
  const before = options.before ?? 60;
  // Cut only what is worth cutting: a few characters saved are not worth a jump in the text.
  const start = index > before + 20 ? index - before : 0;
  const cut = (text: string) => (start > 0 ? `…${text.slice(start)}` : text);
  const offset = index - start + (start > 0 ? 1 : 0);
  return { a: cut(a), b: cut(b), caret: `${' '.repeat(offset)}^`, index };
}
