import { describe, expect, it } from 'vitest';
import { isLabError } from '../errors.ts';
import { LESSON_ARROWS, renderFlowDiagram, renderFlowDiagramHtml } from './diagram.ts';
import type { FlowArrow } from './diagram.ts';
import { stripAnsi } from './style.ts';
import visibleWidth from 'string-width';

const MARKER = '◀ you are here';
const LESSON_OF: Record<FlowArrow, number> = { descriptor: 1, installed: 2, sign: 3, exchange: 4, api: 5, iframe: 6 };

/** The diagram cut into its numbered steps: lesson number → the step's lines. */
function steps(diagram: string): Map<number, string[]> {
  const result = new Map<number, string[]>();
  let current: string[] | undefined;
  for (const line of diagram.split('\n')) {
    const number = /^ ?(\d) /.exec(line)?.[1];
    if (number) result.set(Number(number), (current = []));
    // A line of bare lifelines (or the blank before the legend) ends a step.
    if (/^[\s│]*$/.test(line)) current = undefined;
    current?.push(line);
  }
  return result;
}

describe('renderFlowDiagram', () => {
  it('shows the four lifelines and every message of the flow', () => {
    const diagram = renderFlowDiagram({ color: false });
    for (const text of [
      'Bitbucket', 'App', 'Token endpoint', 'REST API', 'api.bitbucket.org',
      'GET descriptor', 'descriptor JSON', 'POST /installed', 'clientKey,', 'sharedSecret', 'sign a JWT',
      'POST access_token', 'Authorization:', 'JWT <jwt>', 'access_token', 'repositories/{ws}', 'Bearer <token>',
      'GET page?jwt=...', 'https://bitbucket.org/site/oauth2/access_token', 'grant_type=urn:bitbucket:oauth2:jwt',
    ]) {
      expect(diagram).toContain(text);
    }
    expect([...steps(diagram).keys()]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('draws arrows in the right direction between the right lifelines', () => {
    const lines = renderFlowDiagram({ color: false }).split('\n');
    const arrowAfter = (label: string) => lines[lines.findIndex((line) => line.includes(label)) + 1]!;
    expect(arrowAfter('GET descriptor')).toMatch(/^ {4}│─+>│ {19}│ {18}│$/);
    expect(arrowAfter('descriptor JSON')).toMatch(/^ {4}│<─+│ {19}│ {18}│$/);
    expect(arrowAfter('JWT <jwt>')).toMatch(/^ {4}│ {18}│─+>│ {18}│$/);
    expect(arrowAfter('Bearer <token>')).toMatch(/^ {4}│ {18}│─{37}>│$/);
    expect(lines.find((line) => line.includes('sign a JWT'))).toMatch(/│──┐ sign a JWT/);
  });

  it('marks nothing when nothing is highlighted', () => {
    const diagram = renderFlowDiagram({ color: false });
    expect(diagram).not.toContain('═');
    expect(diagram).not.toContain(MARKER);
  });

  it.each(Object.entries(LESSON_ARROWS))('highlights the arrows of lesson %s, and only those', (lesson, arrows) => {
    const expected = new Set(arrows.map((arrow) => LESSON_OF[arrow]));
    const diagram = renderFlowDiagram({ highlight: arrows, color: false });
    for (const [number, lines] of steps(diagram)) {
      const text = lines.join('\n');
      expect(text.includes('═'), `step ${number} in lesson ${lesson}`).toBe(expected.has(number));
      expect(text.split(MARKER).length - 1, `markers of step ${number}`).toBe(expected.has(number) ? 1 : 0);
      if (expected.has(number)) expect(text).toMatch(/[═╗].*◀ you are here/);
    }
    expect(diagram.split(MARKER).length - 1).toBe(expected.size);
  });

  it('accepts a single arrow as well as a list', () => {
    expect(renderFlowDiagram({ highlight: 'exchange' })).toBe(renderFlowDiagram({ highlight: ['exchange'] }));
  });

  it('fits in 78 columns, coloured or not', () => {
    for (const highlight of [undefined, ...Object.values(LESSON_ARROWS)]) {
      for (const color of [false, true]) {
        for (const line of stripAnsi(renderFlowDiagram({ highlight, color })).split('\n')) {
          expect(visibleWidth(line)).toBeLessThanOrEqual(78);
        }
      }
    }
  });

  it('colours highlighted steps bold yellow and dims the rest, by default', () => {
    const coloured = renderFlowDiagram({ highlight: 'api' });
    const line = coloured.split('\n').find((l) => l.includes(MARKER))!;
    expect(line.startsWith('\x1b[1;33m')).toBe(true);
    expect(coloured.split('\n').find((l) => l.includes('GET descriptor'))!.startsWith('\x1b[2m')).toBe(true);
    expect(stripAnsi(coloured)).toBe(renderFlowDiagram({ highlight: 'api', color: false }));
    expect(renderFlowDiagram({ highlight: 'api', color: false })).not.toMatch(/\x1b/);
  });

  it('refuses an arrow it does not have, with a clear error', () => {
    let caught: unknown;
    try {
      renderFlowDiagram({ highlight: ['exchange', 'refresh' as FlowArrow] });
    } catch (error) {
      caught = error;
    }
    expect(isLabError(caught, 'ERR_FLOW_ARROW_UNKNOWN')).toBe(true);
    expect((caught as Error).message).toContain('"refresh"');
    expect((caught as Error).message).toContain('descriptor, installed, sign, exchange, api, iframe');
  });
});

describe('LESSON_ARROWS', () => {
  it('maps each lesson to its step, lesson 6 to the iframe and the install, lesson 7 to all', () => {
    expect(LESSON_ARROWS[1]).toEqual(['descriptor']);
    expect(LESSON_ARROWS[2]).toEqual(['installed']);
    expect(LESSON_ARROWS[3]).toEqual(['sign']);
    expect(LESSON_ARROWS[4]).toEqual(['exchange']);
    expect(LESSON_ARROWS[5]).toEqual(['api']);
    expect([...LESSON_ARROWS[6]!].sort()).toEqual(['iframe', 'installed']);
    expect([...LESSON_ARROWS[7]!].sort()).toEqual(['api', 'descriptor', 'exchange', 'iframe', 'installed', 'sign']);
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(LESSON_ARROWS)).toBe(true);
    expect(Object.values(LESSON_ARROWS).every((arrows) => Object.isFrozen(arrows))).toBe(true);
  });
});

describe('renderFlowDiagramHtml', () => {
  it('is the same diagram, escaped, in a pre, highlighted steps in strong', () => {
    const html = renderFlowDiagramHtml({ highlight: LESSON_ARROWS[6] });
    expect(html.startsWith('<pre class="flow-diagram">')).toBe(true);
    expect(html.endsWith('</pre>')).toBe(true);
    expect(html).toContain('JWT &#60;jwt&#62;');
    expect(html).not.toMatch(/<(?!\/?(pre|strong|b)\b)/);
    const here = html.match(/<strong class="flow-here">[^<]*<\/strong>/g) ?? [];
    expect(here.some((line) => line.includes('POST /installed'))).toBe(true);
    expect(here.some((line) => line.includes('page iframe'))).toBe(true);
    expect(here.some((line) => line.includes('access_token'))).toBe(false);
    const text = html.replace(/<[^>]+>/g, '').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(text).toBe(renderFlowDiagram({ highlight: LESSON_ARROWS[6], color: false }));
  });
});
