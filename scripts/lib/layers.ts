import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, format, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/**
 * The layer check of `.dependency-cruiser.cjs`, run through dependency-cruiser's API: the
 * violations with the rule that each breaks and why, and the layer picture of
 * docs/ARCHITECTURE.md, both from one cruise.
 */

/** The repository root: the rules' paths (`^src/`, `^mocks/`) are relative to it. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
/** The top-level folders the check reads. */
export const LAYER_FOLDERS = ['src', 'mocks', 'lessons', 'scripts', 'test'] as const;
/** Where the picture lives, between {@link PICTURE_START} and {@link PICTURE_END}. */
export const ARCHITECTURE_DOC = join(REPO_ROOT, 'docs', 'ARCHITECTURE.md');
export const PICTURE_START = '<!-- layers:graph (npm run layers:graph writes this block) -->';
export const PICTURE_END = '<!-- /layers:graph -->';

const CONFIG_FILE = join(REPO_ROOT, '.dependency-cruiser.cjs');

/** A rule of `.dependency-cruiser.cjs`, as far as a message needs it. */
interface NamedRule {
  name: string;
  comment?: string;
}

/**
 * One import that crosses a layer the wrong way.
 *
 * @example { rule: 'mock-knows-no-app', why: 'mocks/ plays Bitbucket: ...', from: 'mocks/x.ts', to: 'src/app/y.ts' }
 */
export interface LayerViolation {
  /** The rule's name in `.dependency-cruiser.cjs`. */
  rule: string;
  /** The rule's comment: why the direction is forbidden and what to do instead. */
  why: string;
  from: string;
  to: string;
  /** For a cycle: the modules around it. */
  cycle?: string[];
}

/**
 * Cruises the repository (or, with `baseDir`, a tree laid out like it) against the rules of
 * `.dependency-cruiser.cjs`.
 *
 * @param o.baseDir The root the rules' paths are relative to; default the repository.
 * @param o.folders The folders under it to read; default {@link LAYER_FOLDERS} (those present).
 *
 * @example
 * const { violations } = await cruiseLayers()
 * if (violations.length > 0) console.error(formatViolations(violations))
 */
export async function cruiseLayers(o: { baseDir?: string; folders?: readonly string[] } = {}): Promise<{ violations: LayerViolation[]; result: ICruiseResult }> {
  const options = await extractDepcruiseOptions(CONFIG_FILE);
  const reported = await cruise(
    [...(o.folders ?? LAYER_FOLDERS)],
    { ...options, baseDir: o.baseDir ?? REPO_ROOT, validate: true, outputType: 'json' },
    // A tree elsewhere (the check's own fixtures) resolves packages from this checkout too.
    { modules: ['node_modules', join(REPO_ROOT, 'node_modules')] },
    { tsConfig: extractTSConfig(join(REPO_ROOT, 'tsconfig.json')) },
  );
  const result: ICruiseResult = typeof reported.output === 'string' ? JSON.parse(reported.output) : reported.output;
  const rules = configuredRules();
  const violations = result.summary.violations.map((violation) => toLayerViolation(violation, rules));
  return { violations, result };
}

/** The rules as written, for their comments (a violation carries only the rule's name). */
function configuredRules(): Map<string, NamedRule> {
  const config = createRequire(import.meta.url)(CONFIG_FILE) as { forbidden: NamedRule[] };
  return new Map(config.forbidden.map((rule) => [rule.name, rule]));
}

function toLayerViolation(violation: IViolation, rules: Map<string, NamedRule>): LayerViolation {
  const name = violation.rule.name;
  return {
    rule: name,
    why: rules.get(name)?.comment ?? '(no comment in .dependency-cruiser.cjs)',
    from: violation.from,
    to: violation.to,
    ...(violation.cycle && { cycle: violation.cycle.map((step) => step.name) }),
  };
}

/**
 * The violations as a message: for each, the rule it breaks, the import, and why the rule exists.
 *
 * @example
 * formatViolations([{ rule: 'mock-knows-no-app', why: 'mocks/ plays Bitbucket ...', from: 'mocks/a.ts', to: 'src/app/b.ts' }])
 * // 'mock-knows-no-app: mocks/a.ts → src/app/b.ts\n  why: mocks/ plays Bitbucket ...'
 */
export function formatViolations(violations: readonly LayerViolation[]): string {
  return violations
    .map((v) => `${v.rule}: ${v.from} → ${v.cycle ? v.cycle.join(' → ') : v.to}\n  why: ${v.why}`)
    .join('\n');
}

/**
 * The layers as a mermaid flowchart, each folder of the lab one node (src/app inside src), from a
 * cruise's result: the code only, tests left out (they may use every layer); edges sorted.
 *
 * @example
 * const { result } = await cruiseLayers()
 * const mermaid = await layersPicture(result) // 'flowchart LR\n\nlessons["lessons"]\n...'
 */
export async function layersPicture(result: ICruiseResult): Promise<string> {
  const formatted = await format(result, {
    outputType: 'mermaid',
    includeOnly: '^(src|mocks|lessons|scripts)/',
    exclude: '\\.test\\.ts$',
    collapse: '^(src/app|src|mocks|lessons|scripts)',
  });
  // Edges in a stable order: the cruise lists them in the order it met them, which a new file
  // anywhere can change; the picture should change only when the layers do.
  const lines = String(formatted.output).trim().split('\n');
  const isEdge = (line: string) => line.includes('-->');
  return [...lines.filter((line) => !isEdge(line)), ...lines.filter(isEdge).sort()].join('\n');
}

/**
 * The document with the picture between the markers replaced by `mermaid`.
 *
 * @throws Error when the document has no markers.
 *
 * @example writeFileSync(ARCHITECTURE_DOC, withPicture(readFileSync(ARCHITECTURE_DOC, 'utf8'), mermaid))
 */
export function withPicture(doc: string, mermaid: string): string {
  const start = doc.indexOf(PICTURE_START);
  const end = doc.indexOf(PICTURE_END);
  if (start === -1 || end < start) throw new Error(`docs/ARCHITECTURE.md has no "${PICTURE_START}" … "${PICTURE_END}" block for the picture.`);
  return `${doc.slice(0, start)}${PICTURE_START}\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${doc.slice(end)}`;
}
