import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import wrapAnsi from 'wrap-ansi';
import { CALLOUT_TITLES, calloutOf, calloutPlugin } from './callout.ts';
import type { Callout, CalloutKind } from './callout.ts';
import { neutralizeControls, paint, stripAnsi } from './style.ts';
import type { StyleName } from './style.ts';
import stringWidth from 'string-width';

/** Terminal columns a string takes (ANSI codes excluded), as wrap-ansi measures it. */
const visibleWidth = (text: string): number => stringWidth(text);

/**
 * Lesson notes for the terminal: markdown-it tokens turned into wrapped, optionally coloured text.
 *
 * Tokens become a small block tree first (lists, quotes and tables need to know their contents
 * before they can lay them out), then each block renders to lines no wider than it is given.
 */

/**
 * How {@link renderMarkdownToTerminal} lays the text out.
 *
 * @example const options: TerminalRenderOptions = { width: 72, color: false };
 */
export interface TerminalRenderOptions {
  /** Columns to wrap to; default 80, clamped to 40..120. */
  width?: number;
  /** ANSI styles; default true. With `false` the output holds no escape code at all. */
  color?: boolean;
}

const DEFAULT_WIDTH = 80;
const MIN_WIDTH = 40;
const MAX_WIDTH = 120;
/** Below this many columns, containers stop indenting their content (deeply nested input). */
const MIN_CONTENT_WIDTH = 20;
/** A table column never gets narrower than this, or the table is shown as records instead. */
const MIN_COLUMN_WIDTH = 3;
const TAB_STOP = 4;
const CODE_GUTTER = '│ ';
const QUOTE_BAR = '▌';
const BULLETS = ['•', '◦', '▪'] as const;

// html: true only so that raw HTML arrives as html tokens, which are then shown as text.
const md = new MarkdownIt({ html: true, linkify: true, typographer: true }).use(calloutPlugin);

type Align = 'left' | 'center' | 'right';

type Block =
  | { kind: 'heading'; level: number; inline: Token[] }
  | { kind: 'paragraph'; inline: Token[]; tight: boolean }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; callout: Callout | undefined; children: Block[] }
  | { kind: 'list'; ordered: boolean; delimiter: string; items: Array<{ number: number; children: Block[] }> }
  | { kind: 'table'; align: Align[]; header: Token[][]; rows: Token[][][] }
  | { kind: 'rule' }
  | { kind: 'html'; text: string };

interface Cursor {
  tokens: Token[];
  index: number;
}

interface Context {
  color: boolean;
  listDepth: number;
}

// ---------------------------------------------------------------------------------------------
// Tokens to blocks

/** The inline children between an opening token and its close (`heading_close`, `th_close`...). */
function readInline(cursor: Cursor, closeType: string): Token[] {
  const inline: Token[] = [];
  while (cursor.index < cursor.tokens.length) {
    const token = cursor.tokens[cursor.index++]!;
    if (token.type === closeType) break;
    if (token.type === 'inline') inline.push(...(token.children ?? []));
  }
  return inline;
}

function alignOf(token: Token): Align {
  const style = String(token.attrGet('style') ?? '');
  if (style.includes('center')) return 'center';
  if (style.includes('right')) return 'right';
  return 'left';
}

function readTable(cursor: Cursor): Block {
  const align: Align[] = [];
  const header: Token[][] = [];
  const rows: Token[][][] = [];
  let row: Token[][] = [];
  let inHead = false;
  while (cursor.index < cursor.tokens.length) {
    const token = cursor.tokens[cursor.index++]!;
    if (token.type === 'table_close') break;
    if (token.type === 'thead_open') inHead = true;
    else if (token.type === 'thead_close') inHead = false;
    else if (token.type === 'tr_open') row = [];
    else if (token.type === 'th_open' || token.type === 'td_open') {
      if (inHead) align.push(alignOf(token));
      row.push(readInline(cursor, token.type === 'th_open' ? 'th_close' : 'td_close'));
    } else if (token.type === 'tr_close') {
      if (inHead) header.push(...row);
      else rows.push(row);
    }
  }
  return { kind: 'table', align, header, rows };
}

function readList(cursor: Cursor, open: Token): Block {
  const ordered = open.type === 'ordered_list_open';
  const closeType = ordered ? 'ordered_list_close' : 'bullet_list_close';
  const items: Array<{ number: number; children: Block[] }> = [];
  let next = Number(open.attrGet('start') ?? 1);
  while (cursor.index < cursor.tokens.length) {
    const token = cursor.tokens[cursor.index++]!;
    if (token.type === closeType) break;
    if (token.type !== 'list_item_open') continue;
    const number = ordered && token.info !== '' ? Number(token.info) : next;
    next = number + 1;
    items.push({ number, children: readBlocks(cursor, 'list_item_close') });
  }
  return { kind: 'list', ordered, delimiter: open.markup === ')' ? ')' : '.', items };
}

/** Reads blocks up to (and past) the token `closeType`, or to the end. */
function readBlocks(cursor: Cursor, closeType?: string): Block[] {
  const blocks: Block[] = [];
  while (cursor.index < cursor.tokens.length) {
    const token = cursor.tokens[cursor.index++]!;
    if (token.type === closeType) break;
    switch (token.type) {
      case 'heading_open':
        blocks.push({ kind: 'heading', level: Number(token.tag.slice(1)) || 1, inline: readInline(cursor, 'heading_close') });
        break;
      case 'paragraph_open': {
        const inline = readInline(cursor, 'paragraph_close');
        // A callout's marker line is taken out of its paragraph, which may leave nothing.
        if (inline.length > 0) blocks.push({ kind: 'paragraph', inline, tight: token.hidden });
        break;
      }
      case 'fence':
      case 'code_block':
        blocks.push({ kind: 'code', text: token.content.replace(/\n$/, '') });
        break;
      case 'blockquote_open':
        blocks.push({ kind: 'quote', callout: calloutOf(token), children: readBlocks(cursor, 'blockquote_close') });
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        blocks.push(readList(cursor, token));
        break;
      case 'table_open':
        blocks.push(readTable(cursor));
        break;
      case 'hr':
        blocks.push({ kind: 'rule' });
        break;
      case 'html_block':
        blocks.push({ kind: 'html', text: token.content.replace(/\n$/, '') });
        break;
      default:
        // Nothing else comes out of this parser configuration; an unexpected close is skipped.
        break;
    }
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Inline

/** Document text made safe to print: no control characters, no tabs or newlines in running text. */
function cleanInline(text: string): string {
  return neutralizeControls(text.replace(/[\t\n]/g, ' '));
}

/** Renders inline tokens to one string; `\n` only where the author put a hard break. */
function renderInline(tokens: readonly Token[], ctx: Context, base: readonly StyleName[] = []): string {
  const { color } = ctx;
  const styles: StyleName[] = [...base];
  const links: Array<{ href: string; start: number; bare: boolean }> = [];
  let out = '';
  const remove = (style: StyleName, count: number) => {
    const at = styles.lastIndexOf(style);
    if (at >= 0) styles.splice(at, count);
  };
  // Without colour, emphasis keeps the author's markers: they are the plain-text convention.
  const toggle = (token: Token, style: StyleName) => {
    if (!color) out += token.markup;
    else if (token.nesting === 1) styles.push(style);
    else remove(style, 1);
  };
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
      case 'html_inline':
        out += paint(cleanInline(token.content), styles, color);
        break;
      case 'code_inline':
        out += color ? paint(cleanInline(token.content), [...styles, 'cyan'], color) : `\`${cleanInline(token.content)}\``;
        break;
      case 'em_open':
      case 'em_close':
        toggle(token, 'italic');
        break;
      case 'strong_open':
      case 'strong_close':
        toggle(token, 'bold');
        break;
      case 's_open':
      case 's_close':
        toggle(token, 'strikethrough');
        break;
      case 'softbreak':
        out += ' ';
        break;
      case 'hardbreak':
        out += '\n';
        break;
      case 'link_open': {
        const href = cleanInline(String(token.attrGet('href') ?? ''));
        links.push({ href, start: out.length, bare: token.markup === 'linkify' || token.markup === 'autolink' });
        if (color) styles.push('blue', 'underline');
        break;
      }
      case 'link_close': {
        const link = links.pop();
        if (color) remove('blue', 2);
        if (!link) break;
        const text = stripAnsi(out.slice(link.start));
        const sameAsText = link.bare || [link.href, md.normalizeLinkText(link.href)].includes(text) || link.href === `mailto:${text}`;
        if (!sameAsText && link.href !== '') out += ` ${paint(`(${link.href})`, ['dim'], color)}`;
        break;
      }
      case 'image': {
        const alt = cleanInline(token.content);
        const src = cleanInline(String(token.attrGet('src') ?? ''));
        out += paint(`[image${alt ? `: ${alt}` : ''}]`, styles, color) + ` ${paint(`(${src})`, ['dim'], color)}`;
        break;
      }
      default:
        if (token.content) out += paint(cleanInline(token.content), styles, color);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Blocks

/** Word-wraps `text` to `width`; long words are cut so no line is wider than `width`. */
function wrap(text: string, width: number): string[] {
  const wrapped = wrapAnsi(text, width, { hard: true });
  return wrapped === '' ? [] : wrapped.split('\n');
}

const HEADING_STYLES: Record<number, StyleName[]> = { 1: ['bold', 'underline'], 2: ['bold'], 3: ['bold', 'dim'] };

function renderHeading(block: Extract<Block, { kind: 'heading' }>, width: number, ctx: Context): string[] {
  const lines = wrap(renderInline(block.inline, ctx, HEADING_STYLES[block.level] ?? ['italic']), width);
  // Without colour, the two top levels are underlined the typewriter way.
  if (ctx.color || block.level > 2 || lines.length === 0) return lines;
  const underline = block.level === 1 ? '═' : '─';
  return [...lines, underline.repeat(Math.max(...lines.map(visibleWidth)))];
}

function expandTabs(line: string): string {
  let column = 0;
  let out = '';
  for (const character of line) {
    if (character === '\t') {
      const spaces = TAB_STOP - (column % TAB_STOP);
      out += ' '.repeat(spaces);
      column += spaces;
    } else {
      out += character;
      column += 1;
    }
  }
  return out;
}

/** Code keeps its lines whole, even past the width: a wrapped command can't be copied. */
function renderCode(text: string, ctx: Context): string[] {
  const gutter = paint(CODE_GUTTER, ['dim'], ctx.color);
  const emptyGutter = paint(CODE_GUTTER.trimEnd(), ['dim'], ctx.color);
  return text
    .split('\n')
    .map((line) => neutralizeControls(expandTabs(line)).trimEnd())
    .map((line) => (line === '' ? `  ${emptyGutter}` : `  ${gutter}${line}`));
}

const CALLOUT_COLORS: Record<CalloutKind, StyleName> = {
  note: 'blue',
  tip: 'green',
  important: 'magenta',
  warning: 'yellow',
  caution: 'red',
};

function calloutLabel(callout: Callout, width: number, ctx: Context): string[] {
  const name = CALLOUT_TITLES[callout.kind];
  const title = callout.title.length > 0 ? ` ${renderInline(callout.title, ctx, ['bold'])}` : '';
  const label = ctx.color ? paint(name.toUpperCase(), ['bold', CALLOUT_COLORS[callout.kind]], true) : `${name}:`;
  return wrap(label + title, width);
}

function renderQuote(block: Extract<Block, { kind: 'quote' }>, width: number, ctx: Context): string[] {
  const nested = width - 2 >= MIN_CONTENT_WIDTH;
  const inner = nested ? width - 2 : width;
  const body = renderBlocks(block.children, inner, ctx);
  const lines = block.callout ? [...calloutLabel(block.callout, inner, ctx), ...body] : body;
  if (!nested) return lines;
  const barStyle: StyleName = block.callout ? CALLOUT_COLORS[block.callout.kind] : 'dim';
  const bar = paint(QUOTE_BAR, [barStyle], ctx.color);
  return lines.map((line) => (line === '' ? bar : `${bar} ${line}`));
}

function renderList(block: Extract<Block, { kind: 'list' }>, width: number, ctx: Context): string[] {
  const bullet = BULLETS[ctx.listDepth % BULLETS.length]!;
  const markers = block.items.map((item) => (block.ordered ? `${item.number}${block.delimiter}` : bullet));
  const markerWidth = Math.max(...markers.map(visibleWidth)) + 1;
  const nested = width - markerWidth >= MIN_CONTENT_WIDTH;
  const inner = nested ? width - markerWidth : width;
  const tight = block.items.every((item) => item.children.every((b) => b.kind !== 'paragraph' || b.tight));
  const itemCtx = { ...ctx, listDepth: ctx.listDepth + 1 };
  const lines: string[] = [];
  block.items.forEach((item, index) => {
    if (index > 0 && !tight) lines.push('');
    const marker = paint(markers[index]!.padStart(markerWidth - 1), ['dim'], ctx.color);
    const [first, ...rest] = renderBlocks(item.children, inner, itemCtx, tight);
    if (!nested) {
      // Too narrow to indent: the marker shares the first line only if that still fits.
      const fits = first !== undefined && first !== '' && visibleWidth(first) + markerWidth <= width;
      lines.push(...(fits ? [`${marker} ${first}`] : first === undefined ? [marker] : [marker, first]), ...rest);
      return;
    }
    lines.push(first === undefined || first === '' ? marker : `${marker} ${first}`);
    // Hanging indent: continuation lines start under the item's text, not under its marker.
    for (const line of rest) lines.push(line === '' ? '' : `${' '.repeat(markerWidth)}${line}`);
  });
  return lines;
}

function pad(text: string, width: number, align: Align): string {
  const space = Math.max(0, width - visibleWidth(text));
  if (align === 'right') return ' '.repeat(space) + text;
  if (align === 'center') return ' '.repeat(Math.floor(space / 2)) + text + ' '.repeat(Math.ceil(space / 2));
  return text + ' '.repeat(space);
}

/**
 * Column widths that fit `available`. Each column first gets its longest word (so words are only
 * cut when even that does not fit), then the space left goes to the columns that want the least
 * more, the rest sharing evenly. Undefined when not even {@link MIN_COLUMN_WIDTH} a column fits.
 */
function fitColumns(natural: number[], longestWord: number[], available: number): number[] | undefined {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  if (sum(natural) <= available) return natural;
  if (natural.length * MIN_COLUMN_WIDTH > available) return undefined;
  const words = natural.map((width, i) => Math.max(MIN_COLUMN_WIDTH, Math.min(width, longestWord[i]!)));
  const widths = sum(words) <= available ? words : natural.map(() => MIN_COLUMN_WIDTH);
  let remaining = available - sum(widths);
  const order = natural.map((_, i) => i).sort((a, b) => natural[a]! - widths[a]! - (natural[b]! - widths[b]!));
  order.forEach((column, position) => {
    const extra = Math.min(natural[column]! - widths[column]!, Math.floor(remaining / (order.length - position)));
    widths[column]! += Math.max(0, extra);
    remaining -= Math.max(0, extra);
  });
  return widths;
}

function renderTable(block: Extract<Block, { kind: 'table' }>, width: number, ctx: Context): string[] {
  const columns = Math.max(block.header.length, ...block.rows.map((row) => row.length), 1);
  // Cells are single lines in markdown; a hard break (`<br>`, trailing `\`) becomes a space here.
  const cell = (tokens: Token[] | undefined, base: StyleName[]) => renderInline(tokens ?? [], ctx, base).replace(/\n/g, ' ');
  const header = Array.from({ length: columns }, (_, i) => cell(block.header[i], ['bold']));
  const rows = block.rows.map((row) => Array.from({ length: columns }, (_, i) => cell(row[i], [])));
  const align = Array.from({ length: columns }, (_, i) => block.align[i] ?? 'left');
  const column = (i: number) => [header[i]!, ...rows.map((row) => row[i]!)];
  const natural = Array.from({ length: columns }, (_, i) => Math.max(1, ...column(i).map(visibleWidth)));
  const longestWord = Array.from({ length: columns }, (_, i) =>
    Math.max(1, ...column(i).flatMap((text) => text.split(' ').map(visibleWidth))),
  );
  // Borders and padding: `│ a │ b │` is 3 columns per cell plus 1.
  const widths = fitColumns(natural, longestWord, width - (3 * columns + 1));
  if (!widths) return renderTableAsRecords(header, rows, width);

  const border = (left: string, middle: string, right: string) =>
    paint(left + widths.map((w) => '─'.repeat(w + 2)).join(middle) + right, ['dim'], ctx.color);
  const bar = paint('│', ['dim'], ctx.color);
  const renderRow = (cells: string[]) => {
    const wrapped = cells.map((text, i) => wrap(text, widths[i]!));
    const height = Math.max(1, ...wrapped.map((lines) => lines.length));
    return Array.from({ length: height }, (_, line) =>
      `${bar} ${wrapped.map((lines, i) => pad(lines[line] ?? '', widths[i]!, align[i]!)).join(` ${bar} `)} ${bar}`,
    );
  };
  const body = rows.map(renderRow);
  // Row rules only when some row spans several lines: otherwise they are noise.
  const ruled = body.some((lines) => lines.length > 1);
  const lines = [border('┌', '┬', '┐'), ...renderRow(header), border('├', '┼', '┤')];
  body.forEach((rowLines, index) => {
    if (index > 0 && ruled) lines.push(border('├', '┼', '┤'));
    lines.push(...rowLines);
  });
  lines.push(border('└', '┴', '┘'));
  return lines;
}

/** A table too wide for any column layout: each row as `header: value` lines. */
function renderTableAsRecords(header: string[], rows: string[][], width: number): string[] {
  const lines: string[] = [];
  rows.forEach((row, index) => {
    if (index > 0) lines.push('');
    row.forEach((value, i) => {
      const [first, ...rest] = wrap(`${header[i]}: ${value}`, width - 2);
      if (first !== undefined) lines.push(first, ...rest.map((line) => `  ${line}`));
    });
  });
  return lines.length > 0 ? lines : wrap(header.join(' · '), width);
}

function renderBlock(block: Block, width: number, ctx: Context): string[] {
  switch (block.kind) {
    case 'heading':
      return renderHeading(block, width, ctx);
    case 'paragraph':
      return wrap(renderInline(block.inline, ctx), width);
    case 'code':
      return renderCode(block.text, ctx);
    case 'quote':
      return renderQuote(block, width, ctx);
    case 'list':
      return renderList(block, width, ctx);
    case 'table':
      return renderTable(block, width, ctx);
    case 'rule':
      return [paint('─'.repeat(width), ['dim'], ctx.color)];
    case 'html':
      return block.text.split('\n').flatMap((line) => wrap(cleanInline(line), width));
  }
}

/** Blocks one after the other, a blank line between them unless `tight` (tight list items). */
function renderBlocks(blocks: readonly Block[], width: number, ctx: Context, tight = false): string[] {
  const lines: string[] = [];
  for (const block of blocks) {
    const rendered = renderBlock(block, width, ctx);
    if (rendered.length === 0) continue;
    if (lines.length > 0 && !tight) lines.push('');
    lines.push(...rendered);
  }
  return lines;
}

function clampWidth(width: number | undefined): number {
  if (width === undefined || !Number.isFinite(width)) return DEFAULT_WIDTH;
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.floor(width)));
}

/**
 * Renders markdown (the lesson notes) for a terminal: headings, wrapped paragraphs, lists, tables
 * with box-drawing borders, callouts, code blocks, links as `text (url)`.
 *
 * Every line fits in `width` columns except code lines, which are never broken. Control characters
 * from the document are shown, never sent: the only escape codes are the renderer's own, and with
 * `color: false` there are none. Any string renders; nothing throws.
 *
 * @example
 * const text = renderMarkdownToTerminal(await readFile('lessons/04-exchange/notes.md', 'utf8'), {
 *   width: process.stdout.columns,
 *   color: process.stdout.isTTY && !process.env.NO_COLOR,
 * });
 * console.log(text);
 */
export function renderMarkdownToTerminal(markdown: string, o: TerminalRenderOptions = {}): string {
  const width = clampWidth(o.width);
  const ctx: Context = { color: o.color ?? true, listDepth: 0 };
  const blocks = readBlocks({ tokens: md.parse(markdown, {}), index: 0 });
  return renderBlocks(blocks, width, ctx).join('\n');
}
