import type { MarkdownIt, Token } from 'markdown-it';

/**
 * Callouts: GitHub's alert syntax, a blockquote whose first line is `[!NOTE]`, `[!TIP]`,
 * `[!IMPORTANT]`, `[!WARNING]` or `[!CAUTION]`. Text after the marker on the same line, when there
 * is some, replaces the default title (as Obsidian allows; GitHub ignores it).
 *
 * Both renderers share this markdown-it plugin, so a note reads the same in the terminal and on
 * the web.
 */

/**
 * The kinds of callout, as GitHub names them.
 *
 * @example const kind: CalloutKind = 'warning'; // from `> [!WARNING]`
 */
export type CalloutKind = 'note' | 'tip' | 'important' | 'warning' | 'caution';

/**
 * The title a callout gets when its marker line has no text of its own.
 *
 * @example CALLOUT_TITLES.tip // 'Tip'
 */
export const CALLOUT_TITLES: Readonly<Record<CalloutKind, string>> = Object.freeze({
  note: 'Note',
  tip: 'Tip',
  important: 'Important',
  warning: 'Warning',
  caution: 'Caution',
});

/**
 * What the plugin records on a callout's `blockquote_open` and `blockquote_close` tokens.
 *
 * @example
 * const callout: Callout | undefined = calloutOf(token); // { kind: 'note', title: [] }
 */
export interface Callout {
  kind: CalloutKind;
  /** Inline tokens of a custom title; empty for the default one ({@link CALLOUT_TITLES}). */
  title: Token[];
}

// On the source text, so an escaped `\[!NOTE]` stays a quote; the marker must end its word.
const MARKER = /^\[!(note|tip|important|warning|caution)\](?=\s|$)/i;

/**
 * The callout a `blockquote_open` or `blockquote_close` token stands for, if the plugin marked one.
 *
 * @example
 * const tokens = md.use(calloutPlugin).parse('> [!TIP]\n> Read lesson 4.', {});
 * calloutOf(tokens[0]!)?.kind // 'tip'
 */
export function calloutOf(token: Token): Callout | undefined {
  const meta: unknown = token.meta;
  if (typeof meta !== 'object' || meta === null || !('callout' in meta)) return undefined;
  return (meta as { callout: Callout }).callout;
}

/** Splits the marker line off the first paragraph: `[title tokens, the rest]`. */
function splitMarkerLine(children: Token[], markerLength: number): [Token[], Token[]] {
  const lineEnd = children.findIndex((t) => t.type === 'softbreak' || t.type === 'hardbreak');
  const title = lineEnd === -1 ? children : children.slice(0, lineEnd);
  const rest = lineEnd === -1 ? [] : children.slice(lineEnd + 1);
  const first = title[0];
  if (first) first.content = first.content.slice(markerLength).trimStart();
  const last = title.at(-1);
  if (last?.type === 'text') last.content = last.content.trimEnd();
  return [title.filter((t) => !(t.type === 'text' && t.content === '')), rest];
}

function markCallouts(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const open = tokens[i]!;
    const paragraph = tokens[i + 1];
    const inline = tokens[i + 2];
    if (open.type !== 'blockquote_open' || paragraph?.type !== 'paragraph_open' || inline?.type !== 'inline') continue;
    const match = MARKER.exec(inline.content);
    const children = inline.children ?? [];
    const firstChild = children[0];
    if (!match || firstChild?.type !== 'text' || !MARKER.test(firstChild.content)) continue;
    const [title, rest] = splitMarkerLine(children, match[0].length);
    inline.children = rest;
    if (rest.length === 0) {
      paragraph.hidden = true;
      const close = tokens[i + 3];
      if (close?.type === 'paragraph_close') close.hidden = true;
    }
    const callout: Callout = { kind: match[1]!.toLowerCase() as CalloutKind, title };
    open.meta = { ...open.meta, callout };
    for (let j = i + 1; j < tokens.length; j++) {
      const close = tokens[j]!;
      if (close.type === 'blockquote_close' && close.level === open.level) {
        close.meta = { ...close.meta, callout };
        break;
      }
    }
  }
}

/**
 * A markdown-it plugin that marks callout blockquotes (see {@link calloutOf}) and removes their
 * marker line from the content.
 *
 * @example
 * const md = new MarkdownIt().use(calloutPlugin);
 */
export function calloutPlugin(md: MarkdownIt): void {
  md.core.ruler.push('callouts', (state) => {
    markCallouts(state.tokens);
  });
}
