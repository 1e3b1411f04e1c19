import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHITECTURE_DOC,
  cruiseLayers,
  formatViolations,
  layersPicture,
  PICTURE_END,
  PICTURE_START,
  REPO_ROOT,
  withPicture,
  type LayerViolation,
} from '../scripts/lib/layers.ts';

/**
 * The layers of `.dependency-cruiser.cjs` hold: the library imports nothing of the lab, the mock
 * nothing of the app, nothing imports the entry points. The rules are also run against a tree of
 * deliberately wrong imports (test/fixtures/layers/), so a rule that stops matching fails here.
 */

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'layers');

describe('the layers of this repository', () => {
  let cruised: Awaited<ReturnType<typeof cruiseLayers>>;
  beforeAll(async () => {
    cruised = await cruiseLayers();
  });

  it('no import crosses a layer the wrong way', () => {
    expect(cruised.result.summary.totalCruised, 'the cruise read the whole tree').toBeGreaterThan(300);
    // On failure, the message names each rule broken and why it exists.
    expect(formatViolations(cruised.violations) || 'no violations').toBe('no violations');
  });

  it('docs/ARCHITECTURE.md shows the layers as they are (npm run layers:graph redraws them)', async () => {
    const picture = await layersPicture(cruised.result);
    expect(picture, 'each layer uses the ones below it').toContain('scripts-->lessons');
    expect(picture).toContain('mocks-->src');
    expect(picture, 'the mock knows no app').not.toContain('mocks-->src_app');
    const doc = readFileSync(ARCHITECTURE_DOC, 'utf8');
    expect(withPicture(doc, picture) === doc, 'the picture in docs/ARCHITECTURE.md is stale: run npm run layers:graph').toBe(true);
  });
});

describe('the layer check, on deliberately wrong imports (test/fixtures/layers/)', () => {
  let violations: LayerViolation[];
  beforeAll(async () => {
    ({ violations } = await cruiseLayers({ baseDir: FIXTURES }));
  });

  it('fails each wrong import with the rule it breaks, and nothing else', () => {
    expect(violations.map((v) => `${v.rule}: ${v.from}`).sort()).toEqual([
      'entry-points-on-top: lessons/lesson.ts',
      'library-imports-no-lab: src/jwt/uses-lesson.ts',
      'library-imports-no-lab: src/jwt/uses-msw.ts',
      'mock-knows-no-app: mocks/uses-app.ts',
      'no-cycles-in-library: src/http/a.ts',
      'no-test-helpers-in-library: src/store/uses-vitest.ts',
      'no-unresolvable: src/text/unresolvable.ts',
      'plumbing-knows-no-app: src/log/uses-app.ts',
      'test-helpers-stay-in-tests: scripts/start.ts',
    ]);
  });

  it('says which rule, which import, and why the rule exists', () => {
    const message = formatViolations(violations.filter((v) => v.rule === 'mock-knows-no-app'));
    expect(message).toBe(
      'mock-knows-no-app: mocks/uses-app.ts → src/app/app.ts\n' +
        '  why: mocks/ plays Bitbucket: it knows the protocol (src/), never the app under test, the lessons or the entry points, ' +
        'so it answers any app as Bitbucket would. Wire the app and the mock together in scripts/ (as scripts/lib/rehearsal.ts); ' +
        'what both need belongs in the library below src/app/.',
    );
    const cycle = formatViolations(violations.filter((v) => v.rule === 'no-cycles-in-library'));
    expect(cycle, 'a cycle is shown all the way round').toMatch(/^no-cycles-in-library: src\/http\/a\.ts → src\/http\/b\.ts → src\/http\/a\.ts\n {2}why: /);
  });

  it('every rule of .dependency-cruiser.cjs is exercised by a fixture', () => {
    const config = readFileSync(join(REPO_ROOT, '.dependency-cruiser.cjs'), 'utf8');
    const names = [...config.matchAll(/name: '([a-z-]+)'/g)].map((match) => match[1]);
    expect(names.length).toBeGreaterThan(5);
    expect(new Set(violations.map((v) => v.rule))).toEqual(new Set(names));
  });
});

describe('withPicture', () => {
  it('replaces what is between the markers, and refuses a document without them', () => {
    const doc = `# Title\n\n${PICTURE_START}\nold\n${PICTURE_END}\n\nAfter.\n`;
    expect(withPicture(doc, 'flowchart LR\na-->b')).toBe(`# Title\n\n${PICTURE_START}\n\`\`\`mermaid\nflowchart LR\na-->b\n\`\`\`\n${PICTURE_END}\n\nAfter.\n`);
    expect(() => withPicture('# No markers\n', 'x')).toThrow(/no "<!-- layers:graph/);
  });
});
