/**
 * Long HTTP bodies, shortened for the terminal. A page of 10 repositories is ~1,300 lines of JSON:
 * printed whole it buries the lesson. The terminal gets the shape (the first items of long arrays,
 * nesting collapsed, a line budget); the `.http` transcript keeps every body whole.
 *
 * Nothing here cuts inside a value: whole values and whole lines are left out, never part of a
 * string, so a secret is either shown whole (and redacted by the output) or not at all.
 */

/** Options of {@link abbreviateBody}; the defaults suit an 80-column terminal. */
export interface AbbreviateOptions {
  /** At most this many lines of body; default 60. */
  maxLines?: number;
  /** An array longer than this shows only its first `keepItems` items; default 3. */
  maxItems?: number;
  /** How many items of a long array are shown; default 2. */
  keepItems?: number;
}

/** A body as the terminal shows it. */
export interface AbbreviatedBody {
  lines: string[];
  /** True when something was left out: array items, nested values or lines. */
  shortened: boolean;
  /** Lines cut at the end (0 when the body fit in `maxLines`, maybe after leaving out values). */
  cutLines: number;
}

const DEFAULT_MAX_LINES = 60;
const DEFAULT_MAX_ITEMS = 3;
const DEFAULT_KEEP_ITEMS = 2;
/** Collapsing starts below this depth and stops at MIN_DEPTH: the top levels always show. */
const MAX_DEPTH = 8;
const MIN_DEPTH = 2;
/** A collapsed container of scalars this short shows on its one line instead: `{ "type": "branch", "name": "main" }`. */
const MAX_INLINE = 60;

interface Layout {
  /** Containers at this depth or deeper (the root is 0) print as `{…}` or `[…]`. */
  depth: number;
  /** Long arrays show `keepItems` items, then `… N more values`. */
  elide: boolean;
  maxItems: number;
  keepItems: number;
}

/** Whether a layout left anything out, found while rendering. */
interface Rendered {
  lines: string[];
  shortened: boolean;
}

/** A container of scalars on one line, when it is short; undefined otherwise. */
function inline(node: object): string | undefined {
  const isArray = Array.isArray(node);
  const entries = Object.entries(node);
  if (entries.some(([, item]) => item !== null && typeof item === 'object')) return undefined;
  const items = entries.map(([key, item]) => (isArray ? '' : `${JSON.stringify(key)}: `) + (JSON.stringify(item) ?? 'null'));
  const text = isArray ? `[${items.join(', ')}]` : `{ ${items.join(', ')} }`;
  return text.length <= MAX_INLINE ? text : undefined;
}

function renderJson(value: unknown, layout: Layout): Rendered {
  let shortened = false;
  const render = (node: unknown, depth: number): string[] => {
    if (node === null || typeof node !== 'object') return [JSON.stringify(node) ?? 'null'];
    const isArray = Array.isArray(node);
    const size = isArray ? node.length : Object.keys(node).length;
    if (size === 0) return [isArray ? '[]' : '{}'];
    if (depth >= layout.depth) {
      const short = inline(node);
      if (short !== undefined) return [short];
      shortened = true;
      return [isArray ? '[…]' : '{…}'];
    }
    const entries: string[][] = [];
    if (isArray) {
      const shown = layout.elide && node.length > layout.maxItems ? node.slice(0, layout.keepItems) : node;
      for (const item of shown) entries.push(render(item, depth + 1));
      const rest = node.length - shown.length;
      if (rest > 0) {
        shortened = true;
        entries.push([`… ${rest} more ${rest === 1 ? 'value' : 'values'}`]);
      }
    } else {
      for (const [key, item] of Object.entries(node)) {
        const [first = '', ...more] = render(item, depth + 1);
        entries.push([`${JSON.stringify(key)}: ${first}`, ...more]);
      }
    }
    const lines = [isArray ? '[' : '{'];
    entries.forEach((entry, index) => {
      const last = index === entries.length - 1;
      entry.forEach((line, at) => lines.push(`  ${line}${!last && at === entry.length - 1 ? ',' : ''}`));
    });
    lines.push(isArray ? ']' : '}');
    return lines;
  };
  const lines = render(value, 0);
  return { lines, shortened };
}

/**
 * JSON pretty-printed like `JSON.stringify(value, null, 2)`, shortened until it fits `maxLines`:
 * whole if it fits; else long arrays show their first items, then nesting is collapsed from the
 * deepest level up (down to two levels) into `{…}` and `[…]` (or one line, for a short container of
 * plain values); whatever is still too long is cut, and `cutLines` says how much.
 *
 * @example
 * const page = { values: Array.from({ length: 23 }, (_, i) => ({ i })) }
 * abbreviateJson(page, { maxLines: 12 }).lines
 * // ['{', '  "values": [', '    {', '      "i": 0', '    },', '    {', '      "i": 1', '    },', '    … 21 more values', '  ]', '}']
 * abbreviateJson(page, { maxLines: 8 }).lines
 * // ['{', '  "values": [', '    { "i": 0 },', '    { "i": 1 },', '    … 21 more values', '  ]', '}']
 */
export function abbreviateJson(value: unknown, o: AbbreviateOptions = {}): AbbreviatedBody {
  const maxLines = o.maxLines ?? DEFAULT_MAX_LINES;
  const base = { maxItems: o.maxItems ?? DEFAULT_MAX_ITEMS, keepItems: o.keepItems ?? DEFAULT_KEEP_ITEMS };
  const whole = renderJson(value, { ...base, depth: Infinity, elide: false });
  if (whole.lines.length <= maxLines) return { ...whole, cutLines: 0 };
  let best = whole;
  for (let depth = MAX_DEPTH; depth >= MIN_DEPTH; depth -= 1) {
    best = renderJson(value, { ...base, depth, elide: true });
    if (best.lines.length <= maxLines) return { ...best, cutLines: 0 };
  }
  return clip(best.lines, maxLines, best.shortened);
}

function clip(lines: string[], maxLines: number, shortened: boolean): AbbreviatedBody {
  if (lines.length <= maxLines) return { lines, shortened, cutLines: 0 };
  // One line of the budget says what was cut.
  const kept = Math.max(1, maxLines - 1);
  return { lines: lines.slice(0, kept), shortened: true, cutLines: lines.length - kept };
}

/**
 * A body for the terminal: JSON (by content type, when it parses) through {@link abbreviateJson},
 * anything else cut at `maxLines` lines.
 *
 * @example
 * const { lines, shortened } = abbreviateBody(body, 'application/json')
 * if (shortened) lines.push('(the transcript has the whole body)')
 */
export function abbreviateBody(body: string, contentType: string, o: AbbreviateOptions = {}): AbbreviatedBody {
  if (/\bjson\b/i.test(contentType)) {
    let value: unknown;
    let parsed = true;
    try {
      value = JSON.parse(body);
    } catch {
      parsed = false;
    }
    if (parsed) return abbreviateJson(value, o);
  }
  return clip(body.split('\n'), o.maxLines ?? DEFAULT_MAX_LINES, false);
}
