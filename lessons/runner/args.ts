import { UsageError } from './errors.ts';

/** One command-line flag: what it does (shown by `--help`) and whether it takes a value. */
export interface FlagSpec {
  description: string;
  /** `boolean`: `--name`. `string`: `--name=value` (always with `=`, so a value is never mistaken for a lesson number). */
  type: 'string' | 'boolean';
}

/**
 * The flags every lesson accepts. Lessons add their own (`Lesson.flags`); they may not reuse these
 * names. Between them, the flags answer every question the runner would otherwise ask on a terminal.
 *
 * @example
 * Object.keys(RUNNER_FLAGS) // ['yes', 'simulate', 'reset', 'no-color', 'mine', 'help']
 */
export const RUNNER_FLAGS = {
  yes: { type: 'boolean', description: 'Answer every question with its default, send every request: no prompts (-y).' },
  simulate: {
    type: 'boolean',
    description: 'If the lesson needs an installation and none is stored, simulate the lesson that makes one.',
  },
  reset: {
    type: 'boolean',
    description: 'Start over: clear progress, transcripts and the offline installations (asks first on a terminal).',
  },
  'no-color': { type: 'boolean', description: 'No colours or other ANSI codes (also: NO_COLOR=1).' },
  mine: {
    type: 'boolean',
    description: 'Run the lesson with your own code from its exercises (npm run practice) in place of src/, where it has some.',
  },
  help: { type: 'boolean', description: 'Show this help (-h).' },
} as const satisfies Record<string, FlagSpec>;

const SHORT_FLAGS: Record<string, keyof typeof RUNNER_FLAGS> = { y: 'yes', h: 'help' };

/**
 * Flag names: lower-case words joined by `-`.
 *
 * @example
 * FLAG_NAME.test('base-url') // true
 * FLAG_NAME.test('baseUrl')  // false
 */
export const FLAG_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** The command line, split but not yet checked against the flags a lesson declares. */
export interface ParsedArgs {
  positionals: string[];
  /** `--name` gives `true`, `--name=value` gives `'value'` (possibly empty). */
  flags: Map<string, string | true>;
}

/**
 * Splits argv into positionals and flags. Syntax only: which flags exist depends on the lesson,
 * which is only known once the positional lesson number is. `--` ends the flags.
 *
 * @example
 * parseArgs(['3', '--yes', '--base-url=https://x.ngrok.app'])
 * // { positionals: ['3'], flags: Map { 'yes' => true, 'base-url' => 'https://x.ngrok.app' } }
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  let onlyPositionals = false;
  for (const arg of argv) {
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let name: string;
    let value: string | true = true;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (eq !== -1) value = arg.slice(eq + 1);
    } else {
      const long = SHORT_FLAGS[arg.slice(1)];
      if (!long) throw new UsageError(`Unknown flag ${arg}. Short flags: ${Object.keys(SHORT_FLAGS).map((s) => `-${s}`).join(', ')}.`);
      name = long;
    }
    if (!FLAG_NAME.test(name)) throw new UsageError(`"${arg}" is not a flag. Flags look like --yes or --base-url=https://...`);
    if (flags.has(name)) throw new UsageError(`--${name} is given twice. Give each flag once.`);
    flags.set(name, value);
  }
  return { positionals, flags };
}

/** `--name` or `--name=<value>`, as the flag is typed. */
function flagSyntax(name: string, spec: FlagSpec): string {
  return spec.type === 'string' ? `--${name}=<value>` : `--${name}`;
}

/**
 * Checks parsed flags against the flags that exist (the runner's plus the lesson's) and returns
 * them as plain values. Unknown flags and wrong forms are usage errors that list the valid flags.
 *
 * @example
 * checkFlags(parseArgs(['--base-url=https://x.io']).flags, { 'base-url': { type: 'string', description: '' } })
 * // { 'base-url': 'https://x.io' }
 */
export function checkFlags(
  flags: ReadonlyMap<string, string | true>,
  specs: Readonly<Record<string, FlagSpec>>,
): Record<string, string | boolean> {
  const valid = Object.entries(specs).map(([name, spec]) => flagSyntax(name, spec));
  const result: Record<string, string | boolean> = {};
  for (const [name, value] of flags) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw new UsageError(`Unknown flag --${name}. Valid flags here: ${valid.join(', ')}.`);
    if (spec.type === 'boolean' && value !== true) {
      throw new UsageError(`--${name} takes no value: write --${name}, not --${name}=${value}.`);
    }
    if (spec.type === 'string' && (value === true || value === '')) {
      throw new UsageError(`--${name} needs a value: write --${name}=<value> (with "=").`);
    }
    result[name] = value;
  }
  return result;
}

/**
 * The help lines for a set of flags, aligned.
 *
 * @example
 * formatFlagHelp(RUNNER_FLAGS) // ['  --yes        Answer every question ...', ...]
 */
export function formatFlagHelp(specs: Readonly<Record<string, FlagSpec>>): string[] {
  const rows = Object.entries(specs).map(([name, spec]) => [flagSyntax(name, spec), spec.description] as const);
  const width = Math.max(0, ...rows.map(([syntax]) => syntax.length));
  return rows.map(([syntax, description]) => `  ${syntax.padEnd(width)}  ${description}`);
}
