import { LabError, lessonName } from '../errors.ts';

/**
 * Errors of the transport itself, shared by the token exchange (lesson 4) and the REST client
 * (lesson 5): the network, deadlines, cancellation, rate limits and server failures. Each carries
 * `target` (`METHOD url`, never a secret) so a message says which call failed.
 */


/**
 * The sentence that ends an error message: where the learner reads more.
 *
 * @example seeLesson(4) // 'Lesson 4 (exchange) explains this.'
 */
export function seeLesson(lesson: number): string {
  const name = lessonName(lesson);
  return `${name[0]!.toUpperCase()}${name.slice(1)} explains this.`;
}

/** Hints for the system error codes that Node's fetch reports in `cause`. */
const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'DNS lookup failed for now',
  ECONNREFUSED: 'nothing is listening at that address',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate cannot be verified",
};

/** What went wrong, from the innermost error of a `cause` chain: undici wraps the real one. */
function rootCause(error: unknown): { code: string | undefined; message: string } {
  let code: string | undefined;
  let message = String(error);
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const candidate = e as { code?: unknown; message?: unknown };
    if (typeof candidate.code === 'string') code = candidate.code;
    if (typeof candidate.message === 'string') message = candidate.message;
  }
  return { code, message };
}

/**
 * The request never got an HTTP answer: DNS, connection refused, TLS, a reset mid-body.
 *
 * @example
 * if (isLabError(error, 'ERR_NETWORK')) console.error(error.message) // names the host and the cause
 */
export class NetworkError extends LabError {
  /** `METHOD url` of the failed call. */
  readonly target: string;
  /** The system error code when Node reported one (`ECONNREFUSED`, `ENOTFOUND`, ...). */
  readonly systemCode: string | undefined;

  constructor(target: string, cause: unknown, lesson: number) {
    const root = rootCause(cause);
    const systemCode = root.code;
    const hint = systemCode ? `${systemCode}: ${NETWORK_HINTS[systemCode] ?? root.message}` : root.message;
    super(
      'ERR_NETWORK',
      `${target} failed before any HTTP answer (${hint}). Check the URL and your connection; ` +
        `offline, check that the mock Bitbucket is running (npm run fake-bitbucket). ${seeLesson(lesson)}`,
      { lesson, cause },
    );
    this.target = target;
    this.systemCode = systemCode;
  }
}

/**
 * No complete answer within the deadline (`timeoutMs`).
 *
 * @example
 * if (isLabError(error, 'ERR_TIMEOUT')) console.error(`gave up after ${error.timeoutMs} ms`)
 */
export class TimeoutError extends LabError {
  readonly target: string;
  readonly timeoutMs: number;

  constructor(target: string, timeoutMs: number, lesson: number) {
    super(
      'ERR_TIMEOUT',
      `${target} did not answer within ${timeoutMs} ms. Bitbucket (or the mock's "slow" scenario) is ` +
        `slow or unreachable: try again, or pass a larger timeoutMs. ${seeLesson(lesson)}`,
      { lesson },
    );
    this.target = target;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The caller's `AbortSignal` fired: not a failure of the server, nothing to fix.
 *
 * @example
 * const controller = new AbortController()
 * const pending = client.get('/2.0/user', {}, { signal: controller.signal })
 * controller.abort() // pending rejects with ERR_ABORTED
 */
export class AbortedError extends LabError {
  readonly target: string;

  constructor(target: string, reason: unknown, lesson: number) {
    super('ERR_ABORTED', `${target} was cancelled by its caller (the AbortSignal fired) before it finished.`, {
      lesson,
      cause: reason,
    });
    this.target = target;
  }
}

/**
 * HTTP 429: the server's rate limit, with how long it asked us to wait when it said so.
 *
 * @example
 * if (isLabError(error, 'ERR_RATE_LIMITED') && error.retryAfterMs !== undefined) await sleep(error.retryAfterMs)
 */
export class RateLimitedError extends LabError {
  readonly target: string;
  readonly status = 429;
  /** From `Retry-After` (seconds or an HTTP date); undefined when the server did not say. */
  readonly retryAfterMs: number | undefined;
  /** The server's own words, trimmed and redacted. */
  readonly serverText: string;

  constructor(o: { target: string; retryAfterMs: number | undefined; serverText: string; hint: string; lesson: number }) {
    const wait =
      o.retryAfterMs === undefined ? 'it did not say for how long (no Retry-After)' : `it asks to wait ${formatDelay(o.retryAfterMs)}`;
    super('ERR_RATE_LIMITED', `${o.target} was rate-limited (HTTP 429${quoted(o.serverText)}); ${wait}. ${o.hint} ${seeLesson(o.lesson)}`, {
      lesson: o.lesson,
    });
    this.target = o.target;
    this.retryAfterMs = o.retryAfterMs;
    this.serverText = o.serverText;
  }
}

/**
 * HTTP 5xx: the server failed. Not the caller's fault; retried with backoff where that is safe.
 *
 * @example
 * if (isLabError(error, 'ERR_SERVER')) console.error(`${error.status} after ${error.attempts} attempts`)
 */
export class ServerError extends LabError {
  readonly target: string;
  readonly status: number;
  readonly serverText: string;
  /** How many attempts were made before giving up. */
  readonly attempts: number;

  constructor(o: { target: string; status: number; serverText: string; attempts: number; lesson: number }) {
    const tries = o.attempts > 1 ? ` after ${o.attempts} attempts` : '';
    super(
      'ERR_SERVER',
      `${o.target} failed on the server's side (HTTP ${o.status}${quoted(o.serverText)})${tries}. Your request is ` +
        `probably fine: wait and try again, and check https://bitbucket.status.atlassian.com when live. ${seeLesson(o.lesson)}`,
      { lesson: o.lesson },
    );
    this.target = o.target;
    this.status = o.status;
    this.serverText = o.serverText;
    this.attempts = o.attempts;
  }
}

/**
 * The response body is larger than the bound set for it: refused rather than buffered.
 *
 * @example
 * if (isLabError(error, 'ERR_RESPONSE_TOO_LARGE')) console.error(error.maxBytes)
 */
export class ResponseTooLargeError extends LabError {
  readonly target: string;
  readonly maxBytes: number;

  constructor(target: string, maxBytes: number, lesson: number) {
    super(
      'ERR_RESPONSE_TOO_LARGE',
      `${target} answered with a body over ${maxBytes} bytes, more than this call ever expects: refused. ` +
        `Check that the URL points at Bitbucket (or the mock); for big listings, use a smaller pagelen. ${seeLesson(lesson)}`,
      { lesson },
    );
    this.target = target;
    this.maxBytes = maxBytes;
  }
}

/**
 * An option passed by the calling code is out of range or malformed: a bug to fix in that code.
 *
 * @example
 * createBitbucketClient({ apiUrl: 'api.bitbucket.org', token }) // throws ERR_INVALID_OPTION: not an absolute URL
 */
export class InvalidOptionError extends LabError {
  constructor(message: string) {
    super('ERR_INVALID_OPTION', message);
  }
}

function quoted(serverText: string): string {
  return serverText ? `: "${serverText}"` : '';
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
