import { createHash } from 'node:crypto';
import { canonicalRequest, encodeRfc3986 } from './qsh.ts';

/**
 * Why a token's qsh does not match a request: the mistakes signers make when they build the
 * canonical request (docs/protocol.md, section 5), tried one by one and then in pairs and threes
 * until one reproduces the token's hash. The answer names the mistake and gives the string the
 * signer hashed beside the right one.
 *
 * The right canonical request always comes from src/jwt/qsh.ts; this file only builds the wrong
 * ones, from a signer's "habits" (sorted or not, which encoder, ...). With every habit right, the
 * builder gives exactly what qsh.ts gives (qsh-mistakes.test.ts checks it on generated URLs).
 */

/**
 * The request a token was (or is meant to be) sent with.
 *
 * @example { method: 'GET', url: 'https://api.bitbucket.org/2.0/repositories/ws?role=member&pagelen=50' }
 */
export interface QshRequest {
  method: string;
  /** Absolute, or a path with its raw query. */
  url: string;
  /** The base URL (or bare context path) whose path is stripped before hashing. */
  baseUrl?: string;
  /** The raw `application/x-www-form-urlencoded` body, when the request has one. */
  body?: string;
  /** The origin of a relative `url`, for the "origin hashed" mistake. Default: the base URL's. */
  origin?: string;
}

/**
 * The mistakes this module knows, in the order they are tried.
 *
 * @example QSH_MISTAKE_CODES.includes('QSH_QUERY_NOT_SORTED') // true
 */
export const QSH_MISTAKE_CODES = [
  'QSH_QUERY_NOT_SORTED',
  'QSH_ENCODE_URI_COMPONENT',
  'QSH_PLUS_NOT_DECODED',
  'QSH_JWT_PARAM_HASHED',
  'QSH_CONTEXT_PATH_KEPT',
  'QSH_CONTEXT_PATH_DROPPED',
  'QSH_ORIGIN_HASHED',
  'QSH_TRAILING_SLASH_KEPT',
  'QSH_WRONG_METHOD',
  'QSH_METHOD_NOT_UPPER_CASE',
  'QSH_BODY_FOLDED',
] as const;

/**
 * One of {@link QSH_MISTAKE_CODES}.
 *
 * @example const code: QshMistakeCode = 'QSH_ORIGIN_HASHED'
 */
export type QshMistakeCode = (typeof QSH_MISTAKE_CODES)[number];

/**
 * A mistake, explained for this request: what the signer did, and what to do instead.
 *
 * @example { code: 'QSH_WRONG_METHOD', message: 'The signer hashed the method GET; the request is POST. …', lesson: 3 }
 */
export interface QshMistake {
  code: QshMistakeCode;
  message: string;
  lesson: number;
}

/**
 * What {@link explainQsh} found.
 *
 * @example
 * const { matches, canonical, signer } = explainQsh(request, claims.qsh)
 * if (signer) console.log(signer.mistakes.map((m) => m.code), signer.canonical, canonical)
 */
export interface QshExplanation {
  /** The canonical request computed here (src/jwt/qsh.ts). */
  canonical: string;
  /** Its hash. */
  qsh: string;
  /** True when the token's qsh is that hash. */
  matches: boolean;
  /** The fewest mistakes that reproduce the token's qsh, and the string the signer hashed. */
  signer?: { canonical: string; mistakes: QshMistake[] };
  /** Other sets of as many mistakes that give the same string (the request does not tell them apart). */
  alternatives: QshMistake[][];
}

/** How one signer builds the canonical request: each field is one habit, right or wrong. */
interface Habits {
  /** The method exactly as hashed. */
  method: string;
  /** The path to canonicalise and the context path stripped from it. */
  path: { full: string; base: string };
  keepTrailingSlash: boolean;
  withOrigin: boolean;
  sorted: boolean;
  encoding: 'rfc3986' | 'encodeURIComponent';
  plusLiteral: boolean;
  keepJwt: boolean;
  foldBody: boolean;
}

/** One wrong habit, in place of the right one of its dimension. */
interface Alternative {
  dimension: string;
  mistake: QshMistake;
  apply: (habits: Habits) => Habits;
}

interface ParsedRequest {
  method: string;
  path: string;
  query: string;
  contextPath: string;
  origin: string | undefined;
  body: string | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const DEFAULT_MAX_MISTAKES = 3;
/** A wrong base URL is off by a segment or a few (`/2.0`, a context path), never by dozens. */
const MAX_DROPPED_SEGMENTS = 4;
const ENCODERS = { rfc3986: encodeRfc3986, encodeURIComponent } as const;
const PLACEHOLDER_ORIGIN = 'http://qsh.invalid';
const ABSOLUTE = /^[a-z][a-z\d+.-]*:/i;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function parseRequest(request: QshRequest): ParsedRequest {
  const absolute = ABSOLUTE.test(request.url);
  // As src/jwt/qsh.ts reads a URL: concatenated, so `//x` stays a path.
  const url = new URL(absolute ? request.url : `${PLACEHOLDER_ORIGIN}${request.url.startsWith('/') ? '' : '/'}${request.url}`);
  const base = request.baseUrl ? new URL(request.baseUrl, PLACEHOLDER_ORIGIN) : undefined;
  const baseOrigin = request.baseUrl && ABSOLUTE.test(request.baseUrl) ? base?.origin : undefined;
  return {
    method: request.method,
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    contextPath: base ? base.pathname.replace(/^\/$/, '') : '',
    origin: absolute ? url.origin : (request.origin ?? baseOrigin),
    body: request.body,
  };
}

/** The canonical path, by src/jwt/qsh.ts itself: the canonical request of a bare path is `GET&<path>&`. */
function canonicalPathOf(path: string, base: string): string {
  return canonicalRequest('GET', path, base).slice('GET&'.length, -1);
}

function signerQuery(request: ParsedRequest, habits: Habits): string {
  const encode = ENCODERS[habits.encoding];
  const read = (raw: string) => [...new URLSearchParams(`?${habits.plusLiteral ? raw.replaceAll('+', '%2B') : raw}`)];
  const pairs = [...read(request.query), ...(habits.foldBody && request.body !== undefined ? read(request.body) : [])].filter(
    ([name]) => name !== '__proto__' && (habits.keepJwt || name !== 'jwt'),
  );
  // A signer that does not sort does not group either: each pair in the order of the URL.
  if (!habits.sorted) return pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
  const grouped = new Map<string, string[]>();
  for (const [name, value] of pairs) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return [...grouped.keys()]
    .sort()
    .map((name) => `${encode(name)}=${grouped.get(name)!.sort().map(encode).join(',')}`)
    .join('&');
}

function signerPath(request: ParsedRequest, habits: Habits): string {
  let path = canonicalPathOf(habits.path.full, habits.path.base);
  if (habits.keepTrailingSlash && habits.path.full.endsWith('/') && path !== '/' && !path.endsWith('/')) path += '/';
  if (habits.withOrigin && request.origin) path = `${request.origin}${path}`;
  return path;
}

/**
 * Builds signers' canonical requests for one request. The path and the query each depend on a
 * few habits only, so each distinct one is built once: a long URL costs its length a few dozen
 * times, not once per combination of mistakes.
 */
function signerCanonicals(request: ParsedRequest): (habits: Habits) => string {
  const paths = new Map<string, string>();
  const queries = new Map<string, string>();
  const once = (cache: Map<string, string>, key: string, build: () => string) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = build()));
    return value;
  };
  return (habits) => {
    const path = once(paths, JSON.stringify([habits.path, habits.keepTrailingSlash, habits.withOrigin]), () => signerPath(request, habits));
    const query = once(queries, JSON.stringify([habits.sorted, habits.encoding, habits.plusLiteral, habits.keepJwt, habits.foldBody]), () => signerQuery(request, habits));
    return `${habits.method}&${path}&${query}`;
  };
}

function rightHabits(request: ParsedRequest): Habits {
  return {
    method: request.method.toUpperCase(),
    path: { full: request.path, base: request.contextPath },
    keepTrailingSlash: false,
    withOrigin: false,
    sorted: true,
    encoding: 'rfc3986',
    plusLiteral: false,
    keepJwt: false,
    foldBody: false,
  };
}

const show = (text: string) => JSON.stringify(text);

/** Every wrong habit worth trying for this request, each explained. */
function alternatives(request: ParsedRequest): Alternative[] {
  const found: Alternative[] = [];
  const add = (dimension: string, code: QshMistakeCode, message: string, apply: (h: Habits) => Habits, lesson = 3) =>
    found.push({ dimension, mistake: { code, message, lesson }, apply });
  const method = request.method.toUpperCase();
  const ctx = request.contextPath;

  add('query-order', 'QSH_QUERY_NOT_SORTED',
    'The signer kept the query parameters in the order of the URL. The canonical query sorts them by name (code-unit order: "A" < "B" < "a"), and lists a repeated name once, its values sorted and joined with ",". Sort the decoded parameters by name before encoding them.',
    (h) => ({ ...h, sorted: false }));
  add('encoding', 'QSH_ENCODE_URI_COMPONENT',
    "The signer encoded with encodeURIComponent, which leaves ! ' ( ) * as they are. The qsh uses RFC 3986 encoding: %21 %27 %28 %29 %2A. Encode with encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) (src/jwt/qsh.ts, encodeRfc3986).",
    (h) => ({ ...h, encoding: 'encodeURIComponent' }));
  add('plus', 'QSH_PLUS_NOT_DECODED',
    'The signer did not decode "+" in the query as a space, so it hashed %2B where the request means a space (%20). In a query string "+" is a space: parse it with URLSearchParams (decodeURIComponent alone keeps the "+"), then encode the space as %20.',
    (h) => ({ ...h, plusLiteral: true }));
  add('jwt', 'QSH_JWT_PARAM_HASHED',
    'The signer hashed the jwt query parameter too. The canonical query leaves jwt out (a token cannot hash itself, and a page URL carries its own). Drop every jwt parameter before hashing, including one left in a URL copied from another request.',
    (h) => ({ ...h, keepJwt: true }));
  if (ctx) {
    add('path', 'QSH_CONTEXT_PATH_KEPT',
      `The signer hashed the path with the context path ${show(ctx)} in it; this side strips it (the base URL's path). Either the signer's base URL lacks ${show(ctx)}, or the base URL used here has a context path the signer's has not. Use exactly the descriptor's baseUrl on both sides (--base-url, BASE_URL).`,
      (h) => ({ ...h, path: { full: request.path.startsWith(ctx) ? request.path : `${ctx}${request.path}`, base: '' } }), 6);
  }
  const stripped = ctx && request.path.startsWith(ctx) ? request.path.slice(ctx.length) : request.path;
  const segments = stripped.split('/').filter(Boolean);
  for (let n = 1; n < Math.min(segments.length, MAX_DROPPED_SEGMENTS + 1); n += 1) {
    const prefix = `/${segments.slice(0, n).join('/')}`;
    add('path', 'QSH_CONTEXT_PATH_DROPPED',
      `The signer stripped ${show(prefix)} from the path, as if its base URL ended in ${show(`${ctx}${prefix}`)}; the base URL used here ends in ${show(ctx || '/')}. If the app's baseUrl really ends in ${show(`${ctx}${prefix}`)}, say so here (--base-url, BASE_URL); if not, the signer's base URL is wrong. For Bitbucket's REST API the path is relative to the bare origin, so /2.0 stays in it.`,
      (h) => ({ ...h, path: { full: request.path, base: `${ctx}${prefix}` } }), 6);
  }
  if (request.origin) {
    add('origin', 'QSH_ORIGIN_HASHED',
      `The signer hashed the URL with its origin (${show(request.origin)}). The canonical path has no scheme, host or port: only the path, relative to the base URL.`,
      (h) => ({ ...h, withOrigin: true }));
  }
  add('slash', 'QSH_TRAILING_SLASH_KEPT',
    'The signer kept the trailing slash of the path. The canonical path drops one trailing "/" (unless the path is just "/").',
    (h) => ({ ...h, keepTrailingSlash: true }));
  for (const other of METHODS.filter((m) => m !== method)) {
    add('method', 'QSH_WRONG_METHOD',
      `The signer hashed the method ${other}; the request is ${method}. A token is bound to one method: sign for the method you send.`,
      (h) => ({ ...h, method: other }));
  }
  add('method', 'QSH_METHOD_NOT_UPPER_CASE',
    `The signer hashed the method in lower case (${show(request.method.toLowerCase())}). The canonical request has it in upper case: ${method}.`,
    (h) => ({ ...h, method: request.method.toLowerCase() }));
  if (request.body !== undefined) {
    add('body', 'QSH_BODY_FOLDED',
      "The signer folded the form body's fields into the query. The qsh covers the URL's query only; the body is not part of it (Atlassian's reference does this only when asked to, with checkBodyForParams).",
      (h) => ({ ...h, foldBody: true }));
  }
  return found;
}

/** Every way to pick `size` alternatives, at most one per dimension. */
function* combinations(groups: Alternative[][], size: number, start = 0): Generator<Alternative[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let g = start; g <= groups.length - size; g += 1) {
    for (const alternative of groups[g]!) {
      for (const rest of combinations(groups, size - 1, g + 1)) yield [alternative, ...rest];
    }
  }
}

/**
 * Checks a token's qsh against a request and, when they differ, finds the fewest known signer
 * mistakes (up to `maxMistakes`, default 3) that reproduce the token's hash.
 *
 * @example
 * const e = explainQsh({ method: 'GET', url: 'https://api.bitbucket.org/2.0/repositories/ws?role=member&pagelen=50' }, claims.qsh)
 * e.signer?.mistakes[0]?.code // 'QSH_QUERY_NOT_SORTED' when the signer kept role before pagelen
 * e.signer?.canonical // 'GET&/2.0/repositories/ws&role=member&pagelen=50'
 * e.canonical // 'GET&/2.0/repositories/ws&pagelen=50&role=member'
 */
export function explainQsh(request: QshRequest, receivedQsh: string, options: { maxMistakes?: number } = {}): QshExplanation {
  const canonical = canonicalRequest(request.method, request.url, request.baseUrl);
  const qsh = sha256(canonical);
  const received = receivedQsh.toLowerCase();
  if (received === qsh) return { canonical, qsh, matches: true, alternatives: [] };

  const parsed = parseRequest(request);
  const right = rightHabits(parsed);
  const signerCanonical = signerCanonicals(parsed);
  // Only the wrong habits that change something for this request: a sorted query cannot be "not sorted".
  const useful = alternatives(parsed).filter((a) => signerCanonical(a.apply(right)) !== canonical);
  const groups = [...new Set(useful.map((a) => a.dimension))].map((d) => useful.filter((a) => a.dimension === d));

  for (let size = 1; size <= Math.min(options.maxMistakes ?? DEFAULT_MAX_MISTAKES, groups.length); size += 1) {
    const matches = new Map<string, QshMistake[][]>();
    for (const combination of combinations(groups, size)) {
      const signer = signerCanonical(combination.reduce((habits, a) => a.apply(habits), right));
      if (signer === canonical || sha256(signer) !== received) continue;
      matches.set(signer, [...(matches.get(signer) ?? []), combination.map((a) => a.mistake)]);
    }
    const [first] = matches;
    if (first) {
      const [signerString, [mistakes = [], ...others]] = first;
      return { canonical, qsh, matches: false, signer: { canonical: signerString, mistakes }, alternatives: others };
    }
  }
  return { canonical, qsh, matches: false, alternatives: [] };
}

/**
 * The canonical request a signer with the given mistakes would build: for tests and teaching, the
 * wrong string beside the right one. With no mistakes it is {@link canonicalRequest}'s.
 *
 * @example
 * signerCanonicalRequest({ method: 'GET', url: '/a?b=1&a=2' }, ['QSH_QUERY_NOT_SORTED']) // 'GET&/a&b=1&a=2'
 */
export function signerCanonicalRequest(request: QshRequest, mistakes: readonly QshMistakeCode[]): string {
  const parsed = parseRequest(request);
  const chosen = alternatives(parsed).filter((a, i, all) => mistakes.includes(a.mistake.code) && all.findIndex((b) => b.mistake.code === a.mistake.code) === i);
  return signerCanonicals(parsed)(chosen.reduce((habits, a) => a.apply(habits), rightHabits(parsed)));
}
