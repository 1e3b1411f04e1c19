/**
 * One HTTP exchange as the learner sees it, and its two renderings: for the terminal and for the
 * `.http` transcript. Both are plain text; the caller redacts them.
 */
import { LAB_NOTE_HEADER } from '../../mocks/lab-note.ts';
import { abbreviateBody, type AbbreviateOptions } from './abbreviate.ts';
import type { Style } from './style.ts';

/** A request as it went on the wire (header names in lower case, as `Headers` gives them). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: [string, string][];
  /** The body as text; a placeholder for binary bodies; undefined when there is none. */
  body: string | undefined;
}

/** A response as it came back; the body as text, capped, or a placeholder for binary bodies. */
export interface RecordedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string | undefined;
}

/**
 * A request and its outcome: a response, or why there was none (network, timeout, abort). Both
 * when the response began and then broke off (its head, and why).
 */
export interface HttpExchange {
  request: RecordedRequest;
  response?: RecordedResponse;
  error?: string;
}

/** How bodies are printed on the terminal: shortened (see abbreviate.ts), pointing to the transcript for the rest. */
export interface TerminalBodyOptions extends AbbreviateOptions {
  /** The transcript that has every body whole, named when a body is shortened. */
  transcript?: string;
}

function contentType(headers: [string, string][]): string {
  return headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
}

/** JSON bodies re-indented for reading, whole (the transcript's form); anything else as it came. */
function prettyBody(body: string, headers: [string, string][]): string {
  if (!/\bjson\b/i.test(contentType(headers))) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** A body for the terminal, indented: shortened when long, with a line saying where the whole of it is. */
function terminalBody(body: string, headers: [string, string][], style: Style, o: TerminalBodyOptions): string[] {
  const { lines, shortened, cutLines } = abbreviateBody(body, contentType(headers), o);
  const where = o.transcript ?? 'the transcript (DATA_DIR/lesson-NN.http)';
  const result = ['', ...lines.map((line) => `  ${line}`)];
  if (cutLines > 0) result.push(`  ${style.dim(`… ${cutLines} more lines; the whole body is in ${where}`)}`);
  else if (shortened) result.push(`  ${style.dim(`(shortened; the whole body is in ${where})`)}`);
  return result;
}

/**
 * The request half of an exchange, for the terminal: `→ METHOD url`, headers, body (long bodies
 * shortened, see {@link TerminalBodyOptions}).
 *
 * @example
 * formatRequestForTerminal(request, createStyle(false)) // ['→ POST https://...', '  authorization: JWT eyJ…', ...]
 */
export function formatRequestForTerminal(request: RecordedRequest, style: Style, o: TerminalBodyOptions = {}): string[] {
  const lines = [`${style.cyan('→')} ${style.bold(`${request.method} ${request.url}`)}`];
  for (const [name, value] of request.headers) lines.push(`  ${style.dim(`${name}:`)} ${value}`);
  if (request.body !== undefined && request.body !== '') lines.push(...terminalBody(request.body, request.headers, style, o));
  return lines;
}

/**
 * The outcome half of an exchange, for the terminal: the response (long bodies shortened), or
 * `✗ no response:` and why. An `X-Lab-Note` (what the simulated Bitbucket made up, mocks/lab-note.ts)
 * is shown first, one `⚑` line a note, instead of among the headers; the transcript keeps the
 * header as it came.
 *
 * @example
 * formatResponseForTerminal(exchange, createStyle(false)) // ['← 200 OK', '  content-type: ...', ...]
 * formatResponseForTerminal({ request, error: 'timed out after 2000 ms (TimeoutError)' }, createStyle(false))
 * // ['✗ no response: timed out after 2000 ms (TimeoutError)']
 */
export function formatResponseForTerminal(exchange: HttpExchange, style: Style, o: TerminalBodyOptions = {}): string[] {
  const { response } = exchange;
  if (!response) return [`${style.red('✗')} ${style.red(`no response: ${exchange.error ?? 'unknown error'}`)}`];
  const ok = response.status < 400;
  const statusLine = `${response.status} ${response.statusText}`.trim();
  const lines = [`${ok ? style.green('←') : style.red('←')} ${style.bold(ok ? statusLine : style.red(statusLine))}`];
  const labNote = LAB_NOTE_HEADER.toLowerCase();
  // The simulated Bitbucket's inventions (mocks/lab-note.ts) come first, where nobody misses them.
  for (const [, value] of response.headers.filter(([name]) => name.toLowerCase() === labNote)) {
    for (const note of value.split('; ')) lines.push(`  ${style.yellow('⚑ made up by the simulated Bitbucket:')} ${style.yellow(note)}`);
  }
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() !== labNote) lines.push(`  ${style.dim(`${name}:`)} ${value}`);
  }
  if (response.body !== undefined && response.body !== '') lines.push(...terminalBody(response.body, response.headers, style, o));
  if (exchange.error !== undefined) lines.push(`${style.red('✗')} ${style.red(`the response broke off: ${exchange.error}`)}`);
  return lines;
}

/**
 * The exchange in the `.http` file format (JetBrains / VS Code REST Client): `### title`, the
 * request line, headers, a blank line, the body; then the response as a `#` comment block, so
 * the file can be replayed as it is (once real secrets are put back in).
 *
 * @example
 * formatExchangeAsHttp('Step 2: Exchange the JWT', exchange)
 * // '### Step 2: Exchange the JWT\nPOST https://bitbucket.org/site/oauth2/access_token\n...'
 */
export function formatExchangeAsHttp(title: string, exchange: HttpExchange): string {
  const { request, response } = exchange;
  const lines = [`### ${title.replace(/\s+/g, ' ')}`, `${request.method} ${request.url}`];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (request.body !== undefined && request.body !== '') {
    // A body line starting with ### would start a new request in this format.
    lines.push('', ...request.body.split('\n').map((l) => (l.startsWith('###') ? ` ${l}` : l)));
  }
  lines.push('');
  const comment: string[] = [];
  if (response) {
    comment.push(`Response: ${response.status} ${response.statusText}`.trim());
    for (const [name, value] of response.headers) comment.push(`${name}: ${value}`);
    if (response.body !== undefined && response.body !== '') comment.push('', ...prettyBody(response.body, response.headers).split('\n'));
    if (exchange.error !== undefined) comment.push(`The response broke off: ${exchange.error}`);
  } else {
    comment.push(`No response: ${exchange.error ?? 'unknown error'}`);
  }
  lines.push(...comment.map((l) => (l ? `# ${l}` : '#')), '');
  return lines.join('\n');
}
