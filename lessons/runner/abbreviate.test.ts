import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repositoryFixtures } from '../../mocks/fixtures/repositories.ts';
import { abbreviateBody, abbreviateJson } from './abbreviate.ts';

/** The first page of `GET /2.0/repositories/teamsinspace`, as the mock sends it. */
const page = { pagelen: 10, size: 23, page: 1, values: repositoryFixtures().slice(0, 10), next: 'https://api.bitbucket.org/2.0/repositories/teamsinspace?page=2' };

/** A line's double quotes outside escapes: odd means a string was cut inside. */
function quotes(line: string): number {
  return line.replace(/\\./g, '').split('"').length - 1;
}

describe('abbreviateJson', () => {
  it('leaves a body that fits exactly as JSON.stringify(value, null, 2) prints it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const whole = JSON.stringify(value, null, 2);
        const result = abbreviateJson(value, { maxLines: whole.split('\n').length });
        expect(result.lines.join('\n')).toBe(whole);
        expect(result.shortened).toBe(false);
      }),
    );
  });

  it('shows a page of repositories as its first two values, the count of the rest, and nesting collapsed, within 60 lines', () => {
    const whole = JSON.stringify(page, null, 2).split('\n').length;
    const { lines, shortened, cutLines } = abbreviateJson(page);
    const text = lines.join('\n');
    expect(whole, 'the page is long to begin with').toBeGreaterThan(1000);
    expect(lines.length).toBeLessThanOrEqual(60);
    expect(shortened).toBe(true);
    expect(cutLines, 'leaving out values was enough').toBe(0);
    expect(text).toContain('"full_name": "teamsinspace/launch-control"');
    expect(text).toContain('"full_name": "teamsinspace/rocket-engine"');
    expect(text, 'the third repository is left out').not.toContain('fuel-monitor');
    expect(text).toContain('    … 8 more values\n  ],');
    expect(text, 'deep objects are collapsed').toMatch(/"links": \{…\}/);
    expect(text, 'short ones stay readable on one line').toContain('"mainbranch": { "type": "branch", "name": "main" },');
    expect(text, 'the paging fields stay').toContain('"next": "https://api.bitbucket.org/2.0/repositories/teamsinspace?page=2"');
  });

  it('keeps the top levels and cuts what still does not fit, saying how many lines', () => {
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key${i}`, i]));
    const { lines, cutLines, shortened } = abbreviateJson(wide, { maxLines: 10 });
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe('{');
    expect(lines[1]).toBe('  "key0": 0,');
    expect(cutLines, '102 lines in all, 9 shown').toBe(93);
    expect(shortened).toBe(true);
  });

  it('writes 1 more value in the singular, and empty containers as they are', () => {
    const { lines } = abbreviateJson({ long: [1, 2, 3, 4, 5, 6], short: [1, 2, 3], empty: {}, none: [] }, { maxLines: 14, maxItems: 2 });
    expect(lines).toEqual([
      '{',
      '  "long": [',
      '    1,',
      '    2,',
      '    … 4 more values',
      '  ],',
      '  "short": [',
      '    1,',
      '    2,',
      '    … 1 more value',
      '  ],',
      '  "empty": {},',
      '  "none": []',
      '}',
    ]);
  });

  it('never cuts inside a string: every line has its quotes in pairs', () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(json, fc.integer({ min: 2, max: 30 }), (value, maxLines) => {
        const { lines } = abbreviateJson(value, { maxLines });
        expect(lines.length).toBeLessThanOrEqual(maxLines);
        for (const line of lines) expect(quotes(line) % 2, line).toBe(0);
      }),
    );
  });
});

describe('abbreviateBody', () => {
  it('treats a JSON content type that does not parse, and any other text, as lines', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    for (const type of ['text/html', 'application/json']) {
      const { lines, cutLines } = abbreviateBody(text, type);
      expect(lines).toHaveLength(59);
      expect(lines[58]).toBe('line 58');
      expect(cutLines).toBe(41);
    }
  });

  it('parses JSON by its content type', () => {
    const body = JSON.stringify({ values: Array.from({ length: 30 }, (_, i) => ({ i, nested: { deep: { deeper: i } } })) });
    const { lines, shortened } = abbreviateBody(body, 'application/json; charset=utf-8');
    expect(shortened).toBe(true);
    expect(lines.join('\n')).toContain('… 28 more values');
    expect(abbreviateBody(body, 'text/plain').lines, 'not JSON by its type: one line, as it came').toEqual([body]);
  });
});
