/**
 * Reading a `.http` file (the format of VS Code's REST Client and JetBrains' HTTP client, and of the
 * lessons' transcripts): requests separated by `###` lines, each a request line, headers, a blank
 * line and a body. Enough of the format for the exercises that have the learner edit one; the
 * editors' variables and scripts are not read, only `{{name}}` placeholders, filled by the caller.
 */

/**
 * One request of the file.
 *
 * @example { title: '1. The scheme', line: 8, method: 'POST', url: 'https://bitbucket.org/...', headers: [['Authorization', 'JWT {{jwt}}']], body: 'grant_type=...' }
 */
export interface HttpFileRequest {
  /** What follows `###` on its separator line. */
  title: string;
  /** The line number of the request line (1-based), for messages. */
  line: number;
  method: string;
  url: string;
  headers: [string, string][];
  /** The body as written, without the blank and comment lines at its end ('' when none). */
  body: string;
}

const COMMENT = /^\s*(#|\/\/)/;
const REQUEST_LINE = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/[\d.]+)?\s*$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/;

/**
 * Splits a `.http` file into its requests, in order. Comment lines (`#`, `//`) before a request
 * line are skipped; a block without a request line (the file's introduction) is no request.
 *
 * @example
 * parseHttpFile('### one\nPOST https://x.test/a\nContent-Type: text/plain\n\nhello\n')
 * // [{ title: 'one', line: 2, method: 'POST', url: 'https://x.test/a', headers: [['Content-Type', 'text/plain']], body: 'hello' }]
 */
export function parseHttpFile(text: string): HttpFileRequest[] {
  const requests: HttpFileRequest[] = [];
  const lines = text.split(/\r?\n/);
  let index = 0;
  while (index < lines.length) {
    const separator = /^###\s*(.*)$/.exec(lines[index] ?? '');
    const title = separator ? (separator[1] ?? '').trim() : '';
    if (separator) index += 1;
    const start = index;
    while (index < lines.length && !/^###/.test(lines[index] ?? '')) index += 1;
    const block = parseBlock(lines.slice(start, index), start + 1, title);
    if (block) requests.push(block);
  }
  return requests;
}

function parseBlock(lines: string[], firstLine: number, title: string): HttpFileRequest | undefined {
  let at = lines.findIndex((line) => line.trim() !== '' && !COMMENT.test(line));
  if (at === -1) return undefined;
  const requestLine = REQUEST_LINE.exec((lines[at] ?? '').trim());
  // A line that is not `METHOD URL`: a bare URL is a GET, as the editors read it.
  const [method, url] = requestLine ? [requestLine[1] ?? 'GET', requestLine[2] ?? ''] : ['GET', (lines[at] ?? '').trim()];
  const request: HttpFileRequest = { title, line: firstLine + at, method, url, headers: [], body: '' };
  at += 1;
  for (; at < lines.length && (lines[at] ?? '').trim() !== ''; at += 1) {
    const line = lines[at] ?? '';
    if (COMMENT.test(line)) continue;
    const header = HEADER.exec(line.trim());
    if (header) request.headers.push([header[1] ?? '', (header[2] ?? '').trim()]);
  }
  const body = lines.slice(at + 1);
  // Blank and comment lines at the end belong to no body (e.g. a comment before the next `###`).
  while (body.length > 0 && ((body.at(-1) ?? '').trim() === '' || COMMENT.test(body.at(-1) ?? ''))) body.pop();
  request.body = body.join('\n');
  return request;
}

/**
 * Replaces each `{{name}}` with its value; an unknown name stays as it is (and shows in the request).
 *
 * @example fillPlaceholders('JWT {{jwt}}', { jwt: 'eyJ...' }) // 'JWT eyJ...'
 */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g, (match, name: string) => values[name] ?? match);
}
