import { isLabError } from '../errors.ts';
import { DEFAULT_BITBUCKET_URL, JWT_GRANT_TYPE, tokenEndpoint } from '../oauth/exchange.ts';
import { redactJwt, redactSecret, redactText } from '../redact.ts';
import type { Installation, InstallationStore } from '../store/installation.ts';
import { detectDirection, type Direction, type DirectionGuess } from './direction.ts';
import { explainClaims, type ExplainedField } from './explain-claims.ts';
import type { Finding } from './findings.ts';
import { InspectInputError } from './inspect-errors.ts';
import { canonicalRequest, queryStringHash } from './qsh.ts';
import { explainQsh, type QshExplanation } from './qsh-mistakes.ts';
import { checkSignature, type SecretCandidate, type SignatureCause } from './signature-causes.ts';
import { decodeUnverified, verifyJwt } from './verify.ts';

/**
 * `inspectJwt`: everything there is to say about one Connect JWT, as plain data. Its header and
 * claims explained for its direction, its times, its signature checked with the secret of the
 * installation it names (and, when that fails, the common causes), its qsh recomputed for the
 * request (and, on a mismatch, the signer mistake that reproduces it), and a verdict that agrees
 * with the lab's verifier (src/jwt/verify.ts). `npm run inspect` and the app's `/inspect` page
 * render it; neither adds analysis of its own.
 */

/**
 * The request a token came with, or is meant for.
 *
 * @example { method: 'GET', url: 'https://api.bitbucket.org/2.0/repositories/teams-in-space' }
 */
export interface InspectRequest {
  /** Default `GET`. */
  method?: string;
  /** Absolute, or a path with its raw query. */
  url: string;
  /** A raw `application/x-www-form-urlencoded` body, when the request had one. */
  body?: string;
}

/**
 * Options of {@link inspectJwt}.
 *
 * @example
 * { appBaseUrl: config.baseUrl, bitbucketUrl: config.bitbucketUrl, installations: store,
 *   secret: env.JWT_SECRET ? { secret: env.JWT_SECRET, label: 'JWT_SECRET' } : undefined,
 *   secretHint: 'set the JWT_SECRET environment variable' }
 */
export interface InspectOptions {
  /** The request; without one an app's token is taken to be for the token endpoint. */
  request?: InspectRequest;
  /** The base URL whose path is stripped before hashing. Default: by direction, see below. */
  baseUrl?: string;
  /** The app's base URL (BASE_URL): the default base URL for Bitbucket's tokens. */
  appBaseUrl: string;
  /** Bitbucket's web origin (BITBUCKET_URL): the token endpoint, and the default for the app's tokens. */
  bitbucketUrl: string;
  /** A secret given explicitly, and its name (`JWT_SECRET`, `the secret field`): used before the store's. */
  secret?: SecretCandidate;
  /** Where the installation the token names is looked up; all of them are tried when the signature fails. */
  installations?: Pick<InstallationStore, 'get' | 'list'>;
  /** How a reader of this front end supplies a secret, for the "not checked" message. */
  secretHint?: string;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Tolerated clock skew, seconds. Default 30, as the verifiers. */
  leewaySeconds?: number;
}

/**
 * The request the qsh was checked against, with the base URL used, and why it was assumed.
 *
 * @example { method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', baseUrl: 'https://bitbucket.org', assumed: '…' }
 */
export interface InspectedRequest {
  method: string;
  url: string;
  body?: string;
  baseUrl: string | undefined;
  /** Set when no request was given and this one was assumed, saying why. */
  assumed?: string;
}

/**
 * The qsh: `match`, `accepted` (a form the token endpoint accepts though it is not the canonical
 * one), `mismatch`, `missing`, or `not-checked` (no request to check against).
 *
 * @example if (report.qsh.status === 'mismatch') console.log(report.qsh.explanation?.signer?.canonical)
 */
export interface QshReport {
  status: 'match' | 'accepted' | 'mismatch' | 'missing' | 'not-checked';
  /** The token's qsh. */
  received?: string;
  explanation?: QshExplanation;
}

/**
 * The signature, and which secret it was checked with (redacted).
 *
 * @example { status: 'valid', secret: { label: 'the stored installation ari:…', redacted: 'hQ8x…(44 chars)' } }
 */
export interface SignatureReport {
  status: 'valid' | 'invalid' | 'not-checked';
  secret?: { label: string; redacted: string };
  cause?: SignatureCause;
}

/**
 * Everything {@link inspectJwt} found. Holds no secret and no whole token.
 *
 * @example const { verdict, findings }: Inspection = await inspectJwt(token, options)
 */
export interface Inspection {
  /** The token with its signature redacted, and its length. */
  token: { redacted: string; length: number };
  direction: DirectionGuess;
  header: ExplainedField[];
  claims: ExplainedField[];
  request?: InspectedRequest;
  qsh: QshReport;
  signature: SignatureReport;
  /** Errors first, then warnings, then information. */
  findings: Finding[];
  /** `valid`: every check ran and passed. `unverified`: nothing failed, but the signature or the qsh could not be checked. */
  verdict: 'valid' | 'invalid' | 'unverified';
  /** One sentence: why that verdict. */
  summary: string;
}

const DEFAULT_LEEWAY_SECONDS = 30;
const TOKEN_PATH = new URL(tokenEndpoint(DEFAULT_BITBUCKET_URL)).pathname;
const TOKEN_BODY = new URLSearchParams({ grant_type: JWT_GRANT_TYPE }).toString();
/** The lifecycle calls Bitbucket signs, tried when a Bitbucket token comes without its request. */
const LIFECYCLE_REQUESTS = ['/installed', '/uninstalled'];
/** Longer tokens are refused by the verifiers before decoding (src/jwt/verify.ts). */
const MAX_TOKEN_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

type Decoded = { header: Record<string, unknown>; claims: Record<string, unknown> };

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    // Lenient on purpose (base64 or base64url, padded or not): show what a wrong encoder produced.
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes even what the verifier refuses, saying why it refuses it. */
function decode(token: string, findings: Finding[]): Decoded | undefined {
  let strictProblem: string | undefined;
  try {
    decodeUnverified(token, { maxTokenLength: Number.MAX_SAFE_INTEGER });
  } catch (error) {
    strictProblem = error instanceof Error ? error.message : String(error);
  }
  const parts = token.split('.');
  const header = parts.length === 3 ? decodePart(parts[0]!) : undefined;
  const claims = parts.length === 3 ? decodePart(parts[1]!) : undefined;
  if (!header || !claims) {
    findings.push({ code: 'TOKEN_MALFORMED', severity: 'error', message: strictProblem ?? 'It is not a JWT.', lesson: 3 });
    return undefined;
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    findings.push({ code: 'TOKEN_TOO_LARGE', severity: 'error', message: `The token is ${token.length} characters long; verifiers refuse anything over ${MAX_TOKEN_LENGTH} before decoding it (ERR_JWT_TOO_LARGE). Connect JWTs are a few hundred characters.`, lesson: 6 });
  }
  const loose = [['header', parts[0]], ['claims', parts[1]]].filter(([, part]) => !BASE64URL.test(part!)).map(([name]) => name);
  if (loose.length > 0) {
    findings.push({
      code: 'PART_NOT_BASE64URL',
      severity: 'error',
      message: `The ${loose.join(' and ')} part${loose.length > 1 ? 's are' : ' is'} in base64 ("+", "/" or "=" padding), not base64url: every part of a JWT is base64url without padding (RFC 7515), and verifiers refuse the token. Encode with Buffer.toString('base64url').`,
      lesson: 3,
    });
  }
  return { header, claims };
}

function defaultBaseUrl(direction: Direction, url: string, o: InspectOptions): string | undefined {
  if (o.baseUrl !== undefined) return o.baseUrl;
  if (direction === 'bitbucket-to-app') return o.appBaseUrl;
  // The app's tokens are hashed relative to Bitbucket's bare origin (docs/protocol.md, section 3).
  return /^https?:\/\//i.test(url) ? new URL(url).origin : o.bitbucketUrl;
}

function resolveRequest(direction: Direction, o: InspectOptions): InspectedRequest | undefined {
  if (o.request) {
    const { url, body } = o.request;
    const method = (o.request.method ?? 'GET').toUpperCase();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) throw new InspectInputError('method', `${JSON.stringify(method.slice(0, 40))} is not an HTTP method`);
    try {
      const request: InspectedRequest = { method, url, baseUrl: defaultBaseUrl(direction, url, o) };
      if (body !== undefined && body !== '') request.body = body;
      canonicalRequest(method, url, request.baseUrl);
      return request;
    } catch {
      throw new InspectInputError('url', `${JSON.stringify(url.slice(0, 200))} (or the base URL ${JSON.stringify(o.baseUrl ?? '')}) cannot be parsed as a URL`);
    }
  }
  if (direction !== 'app-to-bitbucket') return undefined;
  return {
    method: 'POST',
    url: tokenEndpoint(o.bitbucketUrl),
    body: TOKEN_BODY,
    baseUrl: o.baseUrl ?? o.bitbucketUrl,
    assumed: "No request was given, and an app's token is most often for the token endpoint (the JWT grant): checked against that.",
  };
}

function isTokenEndpoint(request: InspectedRequest | undefined): boolean {
  return request?.method === 'POST' && canonicalRequest('POST', request.url, request.baseUrl).startsWith(`POST&${TOKEN_PATH}&`);
}

interface SecretChoice {
  secret?: SecretCandidate;
  installation?: Installation;
  others: SecretCandidate[];
}

async function chooseSecret(guess: DirectionGuess, claims: Record<string, unknown>, o: InspectOptions, findings: Finding[]): Promise<SecretChoice> {
  let installation: Installation | undefined;
  let all: Installation[] = [];
  // An unknown direction names its clientKey in sub or iss: try both.
  const keys = [guess.clientKey, ...(guess.direction === 'unknown' ? [claims.iss] : [])].filter((k): k is string => typeof k === 'string' && k !== '');
  if (o.installations) {
    try {
      for (const key of keys) installation ??= await o.installations.get(key);
      all = await o.installations.list();
    } catch (error) {
      findings.push({
        code: 'STORE_UNREADABLE',
        severity: 'warning',
        message: `The installation store could not be read (${isLabError(error) ? error.code : 'error'}): no stored secret was tried. ${isLabError(error) ? error.message : ''}`.trim(),
        lesson: 2,
      });
    }
    if (!installation && keys.length > 0) {
      findings.push({
        code: 'INSTALLATION_UNKNOWN',
        severity: o.secret ? 'info' : 'warning',
        message: `No stored installation has the clientKey ${JSON.stringify(keys[0])}${o.secret ? `; the signature is checked with ${o.secret.label}` : ''}. A verifier looks the secret up by this clientKey and refuses the token of an installation it does not hold (ERR_INSTALLATION_UNKNOWN).`,
        lesson: 2,
      });
    }
  }
  if (installation && installation.state !== 'active') {
    // The secret still checks the signature, but no verifier acts for such an installation.
    findings.push({
      code: 'INSTALLATION_NOT_ACTIVE',
      severity: 'warning',
      message:
        installation.state === 'pending'
          ? `The stored installation ${installation.clientKey} is pending: a first install the app has not yet proven with a token exchange. Its secret is tried below, but the app refuses its pages and tokens until it is proven (ERR_INSTALLATION_PENDING).`
          : `The stored installation ${installation.clientKey} is uninstalled (a tombstone: only its last secret is kept). Its secret is tried below, but the app serves nothing for it (ERR_INSTALLATION_UNINSTALLED).`,
      lesson: 2,
    });
  }
  const stored = (i: Installation): SecretCandidate => ({ secret: i.sharedSecret, label: `the stored installation ${i.clientKey}`, clientKey: i.clientKey });
  return { secret: o.secret ?? (installation && stored(installation)), installation, others: all.map(stored) };
}

function signatureFindings(token: string, report: SignatureReport, hint: string): Finding[] {
  const { cause } = report;
  if (cause) return [{ code: cause.code, severity: 'error', message: cause.message, lesson: 3 }];
  const findings: Finding[] = [];
  if (!BASE64URL.test(token.split('.')[2] ?? '')) {
    findings.push({ code: 'PART_NOT_BASE64URL', severity: 'error', message: 'The signature part is not base64url ("+", "/" or "=" padding): verifiers refuse the token. Encode with base64url, no padding (RFC 7515).', lesson: 3 });
  }
  if (report.status === 'not-checked') {
    findings.push({ code: 'SIGNATURE_NOT_CHECKED', severity: 'warning', message: `The signature was NOT checked: there is no secret to check it with. ${hint}`, lesson: 3 });
  } else if (report.status === 'invalid') {
    findings.push({
      code: 'SIGNATURE_INVALID',
      severity: 'error',
      message: `The signature does not verify with ${report.secret?.label} (${report.secret?.redacted}), nor with any stored installation's secret or the usual variations of it (whitespace, base64-decoded). The token was signed with another secret, or changed after signing (ERR_JWT_SIGNATURE).`,
      lesson: 3,
    });
  }
  return findings;
}

function checkQsh(qsh: unknown, request: InspectedRequest | undefined, tokenEndpointRequest: boolean, findings: Finding[]): QshReport {
  if (typeof qsh !== 'string' || qsh === '') {
    if (tokenEndpointRequest && qsh === undefined) {
      findings.push({ code: 'QSH_TOKEN_ENDPOINT_FORM', severity: 'info', message: 'No qsh: some published clients send none to the token endpoint, and the mock accepts that; whether Bitbucket requires one is unsettled (docs/protocol.md, section 3). This project signs POST&/site/oauth2/access_token&.', lesson: 4 });
      return { status: 'accepted' };
    }
    return { status: 'missing' };
  }
  if (!request) {
    findings.push({ code: 'QSH_NOT_CHECKED', severity: 'warning', message: 'The qsh was NOT checked: no request was given. Give the method and URL the token came with (or is meant for).', lesson: 6 });
    return { status: 'not-checked', received: qsh };
  }
  const explanation = explainQsh({ method: request.method, url: request.url, baseUrl: request.baseUrl, body: request.body }, qsh);
  if (explanation.matches) return { status: 'match', received: qsh, explanation };
  const mistakes = explanation.signer?.mistakes ?? [];
  if (tokenEndpointRequest && mistakes.length === 1 && mistakes[0]?.code === 'QSH_BODY_FOLDED') {
    findings.push({ code: 'QSH_TOKEN_ENDPOINT_FORM', severity: 'info', message: 'The qsh folds the form body in as if it were the query: one of the forms published clients send to the token endpoint. Whether Bitbucket wants it is unsettled (docs/protocol.md, section 3); the mock accepts it, and this project signs without the body.', lesson: 4 });
    return { status: 'accepted', received: qsh, explanation };
  }
  if (mistakes.length > 0) {
    const together = mistakes.length > 1 ? ` (one of ${mistakes.length} mistakes that, together, reproduce the token's qsh)` : '';
    for (const mistake of mistakes) findings.push({ code: mistake.code, severity: 'error', message: `${mistake.message}${together}`, lesson: mistake.lesson });
  } else {
    findings.push({
      code: 'QSH_MISMATCH',
      severity: 'error',
      message: "The token's qsh is not the hash of this request, nor of any of the common signer mistakes (up to three at once). It was signed for another request: compare the canonical request computed here with the one the signer hashed (log it there; it holds no secret).",
      lesson: 6,
    });
  }
  return { status: 'mismatch', received: qsh, explanation };
}

/** A Bitbucket token without its request may still be a lifecycle call's: say so when its hash is one. */
function lifecycleGuess(qsh: unknown, o: InspectOptions): InspectedRequest | undefined {
  if (typeof qsh !== 'string') return undefined;
  const baseUrl = o.baseUrl ?? o.appBaseUrl;
  const path = LIFECYCLE_REQUESTS.find((p) => queryStringHash('POST', p, baseUrl) === qsh);
  return path === undefined
    ? undefined
    : { method: 'POST', url: path, baseUrl, assumed: `No request was given; the token's qsh is that of POST ${path}, a lifecycle call.` };
}

/** A page URL carries its token, and a signer that hashed `jwt` put one in its string: shown redacted. */
function displayedQsh(qsh: QshReport, token: string): QshReport {
  const signer = qsh.explanation?.signer;
  if (!qsh.explanation || !signer) return qsh;
  return { ...qsh, explanation: { ...qsh.explanation, signer: { ...signer, canonical: redactText(signer.canonical, [token]) } } };
}

/** The lab's own verifier has the last word, so "valid" here means "the app would accept it". */
async function verifierFinding(token: string, o: InspectOptions & { secret: SecretCandidate }, context: {
  guess: DirectionGuess; installation?: Installation; request?: InspectedRequest; qsh: QshReport; tokenEndpointRequest: boolean; nowMs: number; leewaySeconds: number;
}): Promise<Finding | undefined> {
  const { guess, request, qsh } = context;
  const accept = [qsh.explanation?.qsh, qsh.status === 'accepted' ? qsh.received : undefined].filter((h): h is string => h !== undefined);
  try {
    await verifyJwt(token, {
      secret: o.secret.secret,
      qsh: request ? { accept, optional: context.tokenEndpointRequest, canonical: qsh.explanation?.canonical } : 'skip',
      now: () => context.nowMs,
      leewaySeconds: context.leewaySeconds,
      // As the mock checks an app's token (Bitbucket's own bound is not known), and as the app checks Bitbucket's.
      maxLifetimeSeconds: guess.direction === 'app-to-bitbucket' ? Number.POSITIVE_INFINITY : undefined,
      issuer: guess.direction === 'app-to-bitbucket' ? context.installation?.key : undefined,
      audience: guess.direction === 'bitbucket-to-app' ? guess.clientKey : undefined,
    });
    return undefined;
  } catch (error) {
    if (!isLabError(error)) throw error;
    return { code: 'VERIFIER_REFUSED', severity: 'error', message: `The lab's verifier refuses it: ${error.code}: ${error.message}`, lesson: error.lesson };
  }
}

function verdictOf(findings: Finding[], signature: SignatureReport, qsh: QshReport): Pick<Inspection, 'verdict' | 'summary'> {
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const codes = [...new Set(errors.map((f) => f.code))].join(', ');
    // The first sentence of the first error: the findings say the rest.
    const first = /^.*?\.(?=\s|$)/.exec(errors[0]!.message)?.[0] ?? errors[0]!.message;
    return { verdict: 'invalid', summary: `Invalid: ${codes}. ${first}` };
  }
  const unchecked = [signature.status === 'not-checked' && 'the signature (no secret)', qsh.status === 'not-checked' && 'the qsh (no request)'].filter(Boolean);
  if (unchecked.length > 0) return { verdict: 'unverified', summary: `Not verified: ${unchecked.join(' and ')} could not be checked; nothing that was checked failed.` };
  return { verdict: 'valid', summary: 'Valid: signature, times, claims and qsh all check out, as the lab\'s verifier agrees.' };
}

/**
 * Inspects a Connect JWT: decodes it (leniently, saying what a verifier would refuse), detects
 * its direction, explains its header and claims, checks its signature with the secret of the
 * installation it names (or the explicit one) and looks for the cause when it fails, recomputes
 * its qsh for the request and names the signer mistake behind a mismatch, and asks the lab's
 * verifier for the verdict. Never returns a secret or the whole token.
 *
 * @throws {InspectInputError} `ERR_INSPECT_INPUT`: the request's method or URL is unusable.
 *
 * @example
 * const inspection = await inspectJwt(token, {
 *   request: { method: 'GET', url: 'https://api.bitbucket.org/2.0/repositories/teams-in-space?role=member&pagelen=50' },
 *   appBaseUrl: config.baseUrl,
 *   bitbucketUrl: config.bitbucketUrl,
 *   installations: store,
 * })
 * inspection.verdict // 'invalid'
 * inspection.findings[0]?.code // 'QSH_QUERY_NOT_SORTED'
 */
export async function inspectJwt(token: string, o: InspectOptions): Promise<Inspection> {
  const nowMs = (o.now ?? Date.now)();
  const leewaySeconds = o.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const findings: Finding[] = [];
  const shown = { redacted: redactJwt(token), length: token.length };
  const decoded = decode(token, findings);
  if (!decoded) {
    return {
      token: shown,
      direction: { direction: 'unknown', reason: 'the token could not be decoded', clientKey: undefined },
      header: [],
      claims: [],
      qsh: { status: 'not-checked' },
      signature: { status: 'not-checked' },
      findings,
      verdict: 'invalid',
      summary: `Invalid: TOKEN_MALFORMED. ${findings[0]?.message ?? ''}`,
    };
  }
  const { header, claims } = decoded;
  const guess = detectDirection(claims);
  if (guess.direction === 'unknown') {
    findings.push({ code: 'DIRECTION_UNKNOWN', severity: 'warning', message: `The claims fit neither direction: ${guess.reason}.`, lesson: 6 });
  }
  const request = resolveRequest(guess.direction, o) ?? (guess.direction === 'bitbucket-to-app' ? lifecycleGuess(claims.qsh, o) : undefined);
  const tokenEndpointRequest = isTokenEndpoint(request);
  const explained = explainClaims(header, claims, { direction: guess.direction, nowMs, leewaySeconds, qshOptional: tokenEndpointRequest });
  findings.push(...explained.findings);

  const choice = await chooseSecret(guess, claims, o, findings);
  if (guess.direction === 'app-to-bitbucket' && choice.installation && claims.iss !== choice.installation.key) {
    findings.push({
      code: 'ISS_NOT_APP_KEY',
      severity: 'error',
      message: `iss is ${JSON.stringify(claims.iss)}, but the installation ${choice.installation.clientKey} is for the app ${JSON.stringify(choice.installation.key)}: an app's token is issued by its app key (the descriptor's "key"), and Bitbucket refuses another (ERR_JWT_ISSUER).`,
      lesson: 3,
    });
  }
  const check = checkSignature(token, { secret: choice.secret, others: choice.others });
  const signature: SignatureReport = { status: check.status };
  if (choice.secret) signature.secret = { label: choice.secret.label, redacted: redactSecret(choice.secret.secret) };
  if (check.cause) signature.cause = check.cause;
  const hint = o.secretHint ?? 'Give the shared secret of the installation the token names.';
  findings.push(...signatureFindings(token, signature, hint));

  const qsh = checkQsh(claims.qsh, request, tokenEndpointRequest, findings);
  if (choice.secret && !findings.some((f) => f.severity === 'error')) {
    const refused = await verifierFinding(token, { ...o, secret: choice.secret }, { guess, installation: choice.installation, request, qsh, tokenEndpointRequest, nowMs, leewaySeconds });
    if (refused) findings.push(refused);
  }
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    token: shown,
    direction: guess,
    header: explained.header,
    claims: explained.claims,
    ...(request ? { request: { ...request, url: redactText(request.url, [token]), ...(request.body ? { body: redactText(request.body, [token]) } : {}) } } : {}),
    qsh: displayedQsh(qsh, token),
    signature,
    findings,
    ...verdictOf(findings, signature, qsh),
  };
}
