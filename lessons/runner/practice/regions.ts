/**
 * The parts of an exercise the learner writes, marked in the file as regions:
 *
 *     // #region exercise: the canonical path
 *     ...   (TODO comments and a naive start in the learner's file; the answer in the solution)
 *     // #endregion
 *
 * Outside its regions a starting file is its solution, line for line, so the diff of the two is
 * only ever the learner's work. `skeletonOf` is what both must share; `regionsOf` lists the labels.
 */

/** `// #region exercise: <label>` (editors fold it); `#` comments too, for `.http` files. */
const START = /^\s*(?:\/\/|#)\s*#region exercise:\s*(.+?)\s*$/;
const END = /^\s*(?:\/\/|#)\s*#endregion\b/;

/**
 * Where a file's regions are malformed (unclosed, nested, stray end): the message names the line.
 *
 * @example
 * throw new RegionError('canonical-request.ts', 12, 'a region opens inside another')
 */
export class RegionError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}, line ${line}: ${problem}. Regions are "// #region exercise: <label>" ... "// #endregion", not nested.`);
    this.name = 'RegionError';
  }
}

/**
 * The labels of a file's regions, in order.
 *
 * @example
 * regionsOf('// #region exercise: a\nx\n// #endregion\n', 'x.ts') // ['a']
 */
export function regionsOf(text: string, file: string): string[] {
  return scan(text, file).labels;
}

/**
 * The file with every region's content removed (the marker lines kept): what a starting file and
 * its solution must have in common.
 *
 * @example
 * skeletonOf('a\n// #region exercise: x\nTODO\n// #endregion\nb\n', 'x.ts')
 * // 'a\n// #region exercise: x\n// #endregion\nb\n'
 */
export function skeletonOf(text: string, file: string): string {
  return scan(text, file).outside.join('\n');
}

function scan(text: string, file: string): { labels: string[]; outside: string[] } {
  const labels: string[] = [];
  const outside: string[] = [];
  let open: number | undefined;
  text.split('\n').forEach((line, index) => {
    const start = START.exec(line);
    if (start) {
      if (open !== undefined) throw new RegionError(file, index + 1, `a region opens inside the one of line ${open}`);
      open = index + 1;
      labels.push(start[1] ?? '');
      outside.push(line);
    } else if (END.test(line)) {
      if (open === undefined) throw new RegionError(file, index + 1, '#endregion without a region');
      open = undefined;
      outside.push(line);
    } else if (open === undefined) {
      outside.push(line);
    }
  });
  if (open !== undefined) throw new RegionError(file, open, 'the region is never closed');
  return { labels, outside };
}
