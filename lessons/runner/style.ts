/** The few text styles the runner uses. Each is the identity without colour, so plain output has no escape codes. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const identity = (text: string) => text;

/**
 * ANSI styles, or none.
 *
 * @example
 * const style = createStyle(true)
 * style.green('✓') // '\x1b[32m✓\x1b[39m'
 */
export function createStyle(color: boolean): Style {
  if (!color) return { bold: identity, dim: identity, green: identity, red: identity, yellow: identity, cyan: identity };
  return { bold: sgr(1, 22), dim: sgr(2, 22), green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

/**
 * Whether to colour: only on a terminal, and never with `NO_COLOR` set (no-color.org) or `--no-color`.
 *
 * @example
 * useColor({ isTTY: process.stdout.isTTY, env: process.env, noColorFlag: false })
 */
export function useColor(o: { isTTY: boolean | undefined; env: NodeJS.ProcessEnv; noColorFlag: boolean }): boolean {
  return o.isTTY === true && !o.noColorFlag && !o.env.NO_COLOR;
}
