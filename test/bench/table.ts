/**
 * Plain-text tables for the benchmark report: the first column left-aligned (labels), the others
 * right-aligned (numbers), columns two spaces apart.
 */

/**
 * Formats a header row and data rows as aligned lines, each prefixed with `indent`. Short rows
 * are padded with empty cells.
 *
 * @example
 * formatTable(['flow', 'mean'], [['cached', '0.41 ms'], ['uncached', '1.52 ms']])
 * // ['flow         mean', 'cached    0.41 ms', 'uncached  1.52 ms']
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string[] {
  const all = [header, ...rows];
  const columns = Math.max(...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map(
    (row) =>
      indent +
      widths
        .map((width, i) => {
          const cell = row[i] ?? '';
          return i === 0 ? cell.padEnd(width) : cell.padStart(width);
        })
        .join('  ')
        .trimEnd(),
  );
}

/**
 * Milliseconds for a table cell, with precision that suits the size.
 *
 * @example
 * formatMs(0.41234) // '0.412 ms'
 * formatMs(812.6)   // '813 ms'
 */
export function formatMs(ms: number): string {
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/**
 * A ratio for a table cell: `a / b` as `3.7x`; a dash when it cannot be computed.
 *
 * @example
 * formatRatio(3, 1)   // '3.0x'
 * formatRatio(125, 5) // '25x'
 */
export function formatRatio(a: number, b: number): string {
  const ratio = a / b;
  if (!Number.isFinite(ratio) || ratio < 0) return '-';
  return ratio >= 10 ? `${Math.round(ratio)}x` : `${ratio.toFixed(1)}x`;
}

/**
 * A whole count with thousands separators, for operations per second.
 *
 * @example
 * formatCount(412345.6) // '412,346'
 */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
