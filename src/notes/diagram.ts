import { FlowArrowError } from './errors.ts';
import { paint } from './style.ts';
import type { StyleName } from './style.ts';

/**
 * The whole JWT grant on one screen: a text sequence diagram of who calls whom, where each lesson
 * can mark the step it teaches.
 */

/**
 * A step of the flow, one per lesson: the arrows a lesson highlights.
 *
 * @example const step: FlowArrow = 'exchange'; // the app swaps its JWT for an access token
 */
export type FlowArrow = 'descriptor' | 'installed' | 'sign' | 'exchange' | 'api' | 'iframe';

const ARROWS: readonly FlowArrow[] = Object.freeze(['descriptor', 'installed', 'sign', 'exchange', 'api', 'iframe'] as const);

/**
 * The arrows each lesson highlights, by lesson number (1 descriptor ... 7 the whole app).
 *
 * @example renderFlowDiagram({ highlight: LESSON_ARROWS[4] }) // the exchange, marked
 */
export const LESSON_ARROWS: Readonly<Record<number, readonly FlowArrow[]>> = Object.freeze({
  1: Object.freeze(['descriptor'] as const),
  2: Object.freeze(['installed'] as const),
  3: Object.freeze(['sign'] as const),
  4: Object.freeze(['exchange'] as const),
  5: Object.freeze(['api'] as const),
  6: Object.freeze(['iframe', 'installed'] as const),
  7: ARROWS,
});

// Lifeline columns: the marker column after the last one keeps every line within 78.
const LANES = { bitbucket: 4, app: 23, token: 43, api: 62 } as const;
type Lane = keyof typeof LANES;
const MARKER_COLUMN = 64;
const MARKER = '◀ you are here';
const GRID_WIDTH = LANES.api + 1;

type Message = { from: Lane; to: Lane; label: string[] } | { self: Lane; label: [string, string] };

/** The flow, in order; the number is the lesson that teaches the step. */
const FLOW: ReadonlyArray<{ arrow: FlowArrow; lesson: number; messages: Message[] }> = [
  {
    arrow: 'descriptor',
    lesson: 1,
    messages: [
      { from: 'bitbucket', to: 'app', label: ['GET descriptor'] },
      { from: 'app', to: 'bitbucket', label: ['descriptor JSON'] },
    ],
  },
  {
    arrow: 'installed',
    lesson: 2,
    messages: [{ from: 'bitbucket', to: 'app', label: ['POST /installed', 'clientKey,', 'sharedSecret'] }],
  },
  { arrow: 'sign', lesson: 3, messages: [{ self: 'app', label: ['sign a JWT', 'HS256 + qsh'] }] },
  {
    arrow: 'exchange',
    lesson: 4,
    messages: [
      { from: 'app', to: 'token', label: ['POST access_token', 'Authorization:', 'JWT <jwt>'] },
      { from: 'token', to: 'app', label: ['access_token'] },
    ],
  },
  {
    arrow: 'api',
    lesson: 5,
    messages: [
      { from: 'app', to: 'api', label: ['GET /2.0/', 'repositories/{ws}', 'Authorization:', 'Bearer <token>'] },
      { from: 'api', to: 'app', label: ['JSON page'] },
    ],
  },
  {
    arrow: 'iframe',
    lesson: 6,
    messages: [
      { from: 'bitbucket', to: 'app', label: ['page iframe', 'GET page?jwt=...'] },
      { self: 'app', label: ['verify the JWT', 'qsh, secret'] },
      { from: 'app', to: 'bitbucket', label: ['HTML page'] },
    ],
  },
];

const LEGEND = [
  'Token endpoint  POST https://bitbucket.org/site/oauth2/access_token',
  '                grant_type=urn:bitbucket:oauth2:jwt',
  'REST API        https://api.bitbucket.org/2.0',
];

/** One line of the diagram and what it belongs to, so text and HTML can style it alike. */
interface Row {
  text: string;
  kind: 'header' | 'lifeline' | 'message' | 'legend';
  arrow?: FlowArrow;
}

function blankRow(): string[] {
  const cells = Array.from({ length: GRID_WIDTH }, () => ' ');
  for (const column of Object.values(LANES)) cells[column] = '│';
  return cells;
}

function put(cells: string[], column: number, text: string): void {
  [...text].forEach((character, i) => {
    cells[column + i] = character;
  });
}

function centred(labels: Record<Lane, string>): string {
  let line = '';
  for (const lane of Object.keys(LANES) as Lane[]) {
    const label = labels[lane];
    line = line.padEnd(LANES[lane] - Math.floor(label.length / 2)) + label;
  }
  return line;
}

function messageRows(message: Message, highlighted: boolean): string[][] {
  const line = highlighted ? '═' : '─';
  if ('self' in message) {
    const column = LANES[message.self];
    const out = blankRow();
    const back = blankRow();
    put(out, column + 1, `${line}${line}${highlighted ? '╗' : '┐'} ${message.label[0]}`);
    put(back, column + 1, `<${line}${highlighted ? '╝' : '┘'} ${message.label[1]}`);
    return [out, back];
  }
  const from = LANES[message.from];
  const to = LANES[message.to];
  const rows = message.label.map((label) => {
    const cells = blankRow();
    put(cells, Math.min(from, to) + 2, label);
    return cells;
  });
  const arrow = blankRow();
  const [left, right] = from < to ? [from, to] : [to, from];
  for (let column = left + 1; column < right; column++) arrow[column] = line;
  if (from < to) arrow[right - 1] = '>';
  else arrow[left + 1] = '<';
  return [...rows, arrow];
}

function buildRows(highlight: ReadonlySet<FlowArrow>): Row[] {
  const rows: Row[] = [
    { kind: 'header', text: centred({ bitbucket: 'Bitbucket', app: 'App', token: 'Token endpoint', api: 'REST API' }) },
    { kind: 'header', text: centred({ bitbucket: '(product)', app: '(your app)', token: 'bitbucket.org', api: 'api.bitbucket.org' }) },
  ];
  const lifeline = (): Row => ({ kind: 'lifeline', text: blankRow().join('').trimEnd() });
  for (const step of FLOW) {
    rows.push(lifeline());
    const highlighted = highlight.has(step.arrow);
    let marked = false;
    step.messages.forEach((message, index) => {
      const cells = messageRows(message, highlighted);
      cells.forEach((row, rowIndex) => {
        if (index === 0 && rowIndex === 0) put(row, 0, String(step.lesson).padStart(2));
        // The marker goes on the step's first arrow line, in a column of its own.
        const isArrow = 'self' in message || rowIndex === cells.length - 1;
        const here = highlighted && isArrow && !marked;
        if (here) marked = true;
        const text = row.join('').trimEnd();
        rows.push({ kind: 'message', arrow: step.arrow, text: here ? `${text.padEnd(MARKER_COLUMN)}${MARKER}` : text });
      });
    });
  }
  rows.push(lifeline(), { kind: 'legend', text: '' }, ...LEGEND.map((text): Row => ({ kind: 'legend', text })));
  return rows;
}

function highlightSet(highlight: FlowArrow | readonly FlowArrow[] | undefined): ReadonlySet<FlowArrow> {
  const arrows: readonly unknown[] = highlight === undefined ? [] : Array.isArray(highlight) ? highlight : [highlight];
  for (const arrow of arrows) if (!ARROWS.includes(arrow as FlowArrow)) throw new FlowArrowError(arrow, ARROWS);
  return new Set(arrows as FlowArrow[]);
}

function rowStyles(row: Row, highlight: ReadonlySet<FlowArrow>): StyleName[] {
  if (row.kind === 'header') return ['bold'];
  if (row.kind !== 'message') return ['dim'];
  if (row.arrow !== undefined && highlight.has(row.arrow)) return ['bold', 'yellow'];
  // With a step highlighted, the rest steps back.
  return highlight.size > 0 ? ['dim'] : [];
}

/**
 * The flow as a plain-text sequence diagram (at most 78 columns): Bitbucket, the app, the token
 * endpoint and the REST API, and the messages between them, each numbered with the lesson that
 * teaches it. Highlighted steps are drawn `═══>` with a `◀ you are here` marker; with `color`
 * (the default, as for the notes) they are also bold yellow and the rest is dimmed; with
 * `color: false` there is no escape code at all.
 *
 * @example
 * console.log(renderFlowDiagram({ highlight: LESSON_ARROWS[4], color: process.stdout.isTTY }));
 */
export function renderFlowDiagram(o: { highlight?: FlowArrow | readonly FlowArrow[]; color?: boolean } = {}): string {
  const highlight = highlightSet(o.highlight);
  const color = o.color ?? true;
  return buildRows(highlight)
    .map((row) => paint(row.text, rowStyles(row, highlight), color))
    .join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The flow diagram for the web: the same text in a `<pre class="flow-diagram">`, highlighted
 * steps in `<strong class="flow-here">`.
 *
 * @example
 * const figure = renderFlowDiagramHtml({ highlight: LESSON_ARROWS[2] });
 */
export function renderFlowDiagramHtml(o: { highlight?: FlowArrow | readonly FlowArrow[] } = {}): string {
  const highlight = highlightSet(o.highlight);
  const lines = buildRows(highlight).map((row) => {
    const text = escapeHtml(row.text);
    if (row.kind === 'message' && row.arrow !== undefined && highlight.has(row.arrow)) {
      return `<strong class="flow-here">${text}</strong>`;
    }
    return row.kind === 'header' ? `<b>${text}</b>` : text;
  });
  return `<pre class="flow-diagram">${lines.join('\n')}</pre>`;
}
