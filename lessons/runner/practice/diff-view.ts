/**
 * The learner's file against the solution, as a unified diff (the `diff` package): `-` lines are
 * the learner's, `+` lines the solution's, coloured on a terminal.
 */
import { structuredPatch } from 'diff';
import type { Style } from '../style.ts';

/**
 * The diff lines, or an empty list when the two are the same.
 *
 * @example
 * formatDiff({ mine: 'a\nb\n', solution: 'a\nc\n', file: 'x.ts', style })
 * // ['--- x.ts (yours)', '+++ x.ts (the solution)', '@@ -1,2 +1,2 @@', ' a', '-b', '+c']
 */
export function formatDiff(o: { mine: string; solution: string; file: string; style: Style }): string[] {
  const patch = structuredPatch(`${o.file} (yours)`, `${o.file} (the solution)`, o.mine, o.solution, undefined, undefined, { context: 3 });
  if (patch.hunks.length === 0) return [];
  const { style } = o;
  const lines = [style.red(`--- ${patch.oldFileName}`), style.green(`+++ ${patch.newFileName}`)];
  for (const hunk of patch.hunks) {
    lines.push(style.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      if (line.startsWith('-')) lines.push(style.red(line));
      else if (line.startsWith('+')) lines.push(style.green(line));
      else if (!line.startsWith('\\')) lines.push(line);
    }
  }
  return lines;
}
