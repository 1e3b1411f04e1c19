/**
 * `npm run layers`: checks that no import crosses a layer the wrong way (the rules of
 * `.dependency-cruiser.cjs`; `npm test` runs the same check in test/layers.test.ts) and prints
 * each violation with its rule and why.
 *
 * `npm run layers:graph` (`--graph`): the same cruise, then writes the layer picture into
 * docs/ARCHITECTURE.md (the mermaid block between the `layers:graph` markers).
 *
 * Exit codes: 0 no violation, 1 violations (or a failure), 2 usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ARCHITECTURE_DOC, cruiseLayers, formatViolations, layersPicture, withPicture } from './lib/layers.ts';

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--graph');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument ${unknown.join(' ')}. Usage: npm run layers [-- --graph]\n`);
    return 2;
  }
  const { violations, result } = await cruiseLayers();
  if (args.includes('--graph')) {
    const doc = readFileSync(ARCHITECTURE_DOC, 'utf8');
    const updated = withPicture(doc, await layersPicture(result));
    if (updated !== doc) writeFileSync(ARCHITECTURE_DOC, updated);
    process.stdout.write(`${relative(process.cwd(), ARCHITECTURE_DOC)}: the layer picture ${updated === doc ? 'was up to date' : 'is redrawn'}.\n`);
  }
  if (violations.length > 0) {
    process.stderr.write(`${violations.length} import(s) cross a layer the wrong way:\n${formatViolations(violations)}\n`);
    return 1;
  }
  process.stdout.write(`No import crosses a layer the wrong way (${result.summary.totalCruised} modules).\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`The layer check failed to run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
