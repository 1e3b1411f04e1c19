import { inspect } from 'node:util';
import { redactText } from '../../src/redact.ts';
import { createStyle, type Style } from './style.ts';

/**
 * Renders markdown for the terminal: `renderMarkdownToTerminal` from src/notes/terminal.ts, which
 * the CLI imports only when a lesson runs (menus and `--help` have nothing to render).
 *
 * @example
 * const { renderMarkdownToTerminal } = await import('../../src/notes/terminal.ts')
 * const markdown: MarkdownRenderer = renderMarkdownToTerminal
 */
export type MarkdownRenderer = (markdown: string, o: { width: number; color: boolean }) => string;

/**
 * Everything a lesson run prints goes through an Output, which redacts every line with the
 * secrets registered so far (and every JWT-shaped string) before it reaches the terminal.
 * Redaction is idempotent (redactText): text that arrives already redacted is printed as it is.
 */
export interface Output {
  readonly color: boolean;
  /** Columns available to this output (the terminal's, minus indentation). */
  readonly width: number;
  readonly style: Style;
  /** Registers a secret for this output, its children and its parent: all share one set. Short values (< 8) are ignored by redaction. */
  secret(value: string | undefined): void;
  /** The secrets registered so far. */
  secrets(): string[];
  redact(text: string): string;
  /** Writes text (one or more lines), redacted and indented. `line()` is an empty line. */
  line(text?: string): void;
  /** Writes markdown rendered for the terminal (as written, without a renderer). */
  say(markdown: string): void;
  /** Writes `label: value`; non-strings as pretty JSON below the label. */
  show(label: string, value: unknown): void;
  /** An output that indents by `prefix` more, sharing writer and secrets. */
  child(prefix: string): Output;
  /** An output that prints nothing but shares the secrets (for a silent simulation). */
  quiet(): Output;
}

/** Options of {@link createOutput}. */
export interface OutputOptions {
  /** Where the text goes, e.g. `(s) => process.stdout.write(s)`; a no-op for a silent run. */
  write: (text: string) => void;
  color: boolean;
  /** Terminal columns; default 80. */
  width?: number;
  /** Renders `say()`'s markdown; without it, markdown is printed as written. */
  markdown?: MarkdownRenderer;
}

const DEFAULT_WIDTH = 80;

/** Pretty JSON where possible; `inspect` for what JSON cannot show (cycles, functions). */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
    if (json !== undefined) return json;
  } catch {
    // A cycle: fall through to inspect, which marks it.
  }
  return inspect(value, { depth: 6, colors: false, breakLength: 80 });
}

/**
 * Creates the output of a lesson run.
 *
 * @example
 * const out = createOutput({ write: (s) => process.stdout.write(s), color: false })
 * out.secret(installation.sharedSecret)
 * out.show('Installation', installation) // the secret appears as 'hQ8x…(44 chars)'
 */
export function createOutput(options: OutputOptions): Output {
  return makeOutput({ ...options, width: options.width ?? DEFAULT_WIDTH }, '', new Set<string>());
}

function makeOutput(options: OutputOptions & { width: number }, indent: string, registry: Set<string>): Output {
  const { write, color, width, markdown: render } = options;
  const style = createStyle(color);
  const redact = (text: string) => redactText(text, registry);
  const line = (text = '') => {
    const lines = redact(text).split('\n');
    write(lines.map((l) => (l ? indent + l : l)).join('\n') + '\n');
  };
  const innerWidth = Math.max(20, width - indent.length);
  return {
    color,
    width: innerWidth,
    style,
    secret(value) {
      if (value) registry.add(value);
    },
    secrets: () => [...registry],
    redact,
    line,
    say(markdown) {
      // Redact before rendering too: wrapping could split a secret across lines. line() redacts
      // again (what rendering joined), which leaves the redacted parts as they are.
      const redacted = redact(markdown);
      const rendered = render ? render(redacted, { width: innerWidth, color }) : redacted;
      line(rendered.replace(/\n+$/, ''));
    },
    show(label, value) {
      const text = formatValue(value);
      if (!text.includes('\n') && label.length + text.length + 2 <= innerWidth) line(`${style.bold(`${label}:`)} ${text}`);
      else line(`${style.bold(`${label}:`)}\n${text.replace(/^/gm, '  ')}`);
    },
    child(prefix) {
      return makeOutput(options, indent + prefix, registry);
    },
    quiet() {
      return makeOutput({ ...options, write: () => {} }, indent, registry);
    },
  };
}
