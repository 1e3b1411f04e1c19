import type { GatedFetch, SendGate } from '../../src/http/gated-fetch.ts';
import type { HttpExchange, RecordedRequest, RecordedResponse } from './exchange.ts';
import { RequestDeclinedError } from './errors.ts';

/** Options of {@link createRecordingFetch}: where the exchange goes at each stage. */
export interface RecordingFetchOptions {
  /** The fetch that sends; default `globalThis.fetch`, looked up per call because msw patches it when the mock starts. */
  fetch?: typeof fetch;
  /** Called with the request before it is sent (to print it). */
  onRequest(request: RecordedRequest): void;
  /**
   * Asked before sending; false aborts with ERR_REQUEST_DECLINED. `signal`, when asked from the
   * gate, is the caller's: when it aborts, the question is moot and may be withdrawn.
   */
  confirm(request: RecordedRequest, signal?: AbortSignal): Promise<boolean>;
  /**
   * Called once with the outcome: the response, or the failure the moment it happens (an abort or
   * a timeout is reported when the signal fires, before the caller hears of it).
   */
  onExchange(exchange: HttpExchange): void;
  /** Called with each secret seen on the wire, before anything is printed: Bearer tokens, `access_token`, `sharedSecret`... */
  onSecret(value: string): void;
  /** At most this many bytes of a body are shown; default 64 KiB. */
  maxBodyBytes?: number;
  /** A monotonic clock in milliseconds, for "timed out after 2000 ms"; default `performance.now`. */
  clock?: () => number;
}

/**
 * A fetch that shows each exchange, with its confirmation as a gate (src/http/gated-fetch.ts), so
 * that callers with a deadline can wait for the learner before they start it.
 */
export type RecordingFetch = GatedFetch & { beforeSend: SendGate };

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/**
 * Confirmed requests waiting for their fetch, per `METHOD url`. A caller that passed the gate and
 * then gave up leaves one behind; past this many the oldest is forgotten, and its fetch, if it
 * ever comes, asks again: asking twice is safe, sending unasked is not.
 */
const MAX_CONFIRMED_PER_TARGET = 32;
const TEXTUAL = /^(text\/|application\/(.*\+)?(json|xml|x-www-form-urlencoded|javascript)\b)/i;
/** Fields that hold credentials in Bitbucket's and OAuth's JSON and form bodies. */
const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'sharedSecret', 'client_secret']);

/**
 * Cancelling one branch of a tee'd body settles only once the other branch is done too, which
 * the caller reads after we return: waiting here would deadlock.
 */
function stopReading(cancelled: Promise<void>): void {
  cancelled.catch(() => {});
}

/** Reads at most `max` bytes of a body as text, cancelling the rest (a tee'd clone: the caller's copy is untouched). */
async function readBody(body: ReadableStream<Uint8Array> | null, type: string, max: number): Promise<string | undefined> {
  if (!body) return undefined;
  if (type && !TEXTUAL.test(type)) {
    stopReading(body.cancel());
    return `<${type} body, not shown>`;
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      bytes += value.byteLength;
      if (bytes > max) {
        text += decoder.decode(value.subarray(0, value.byteLength - (bytes - max)));
        stopReading(reader.cancel());
        return `${text}\n…(truncated: only the first ${max} bytes are shown)`;
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    // The body broke off (abort, reset): show what came, the caller's copy reports the error.
    return `${text}\n…(the body could not be read to the end: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Credentials in a JSON or form body, and a Bearer token in the Authorization header. */
function secretsIn(headers: [string, string][], body: string | undefined): string[] {
  const found: string[] = [];
  for (const [name, value] of headers) {
    const bearer = name === 'authorization' && /^Bearer\s+(\S+)/i.exec(value);
    if (bearer && bearer[1]) found.push(bearer[1]);
  }
  if (!body) return found;
  try {
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (SECRET_FIELDS.has(key) && typeof v === 'string') found.push(v);
          else visit(v);
        }
      }
    };
    visit(JSON.parse(body));
  } catch {
    for (const [key, value] of new URLSearchParams(body)) if (SECRET_FIELDS.has(key)) found.push(value);
  }
  return found;
}

/** The name and code of an error, when it has them: `TimeoutError`, `ECONNREFUSED`, `ERR_TIMEOUT`. */
function errorTag(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code) return code;
  return error.name && error.name !== 'Error' && error.name !== 'TypeError' ? error.name : undefined;
}

/**
 * Why there was no response, in one line: `timed out after 2000 ms (TimeoutError)`, `fetch failed:
 * connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)`, a lab error's message and code.
 */
function describeFailure(error: unknown, elapsedMs: number): string {
  const after = `after ${Math.round(elapsedMs)} ms`;
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'TimeoutError') return `timed out ${after} (TimeoutError)`;
  if (name === 'AbortError') return `aborted by the caller ${after} (AbortError)`;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const message = cause && cause.message && !error.message.includes(cause.message) ? `${error.message}: ${cause.message}` : error.message;
  const tag = errorTag(error) ?? errorTag(cause);
  return `${message || name || 'failed'}${tag ? ` (${tag})` : ''}`;
}

/**
 * A `fetch` that shows the learner each exchange: it records the request (headers and body as
 * sent), asks before sending, and records the response, while the caller gets the untouched
 * response. Secrets it sees are reported before anything is printed, so redaction never lags.
 *
 * The outcome is reported in order: when the request's signal aborts (the caller's deadline), the
 * failure is reported at once, from the abort itself, so it comes before whatever the caller does
 * next (a retry prints its own request), even when the underlying fetch settles later.
 *
 * Asking takes as long as the learner reads, which must not count against the caller's deadline:
 * the fetch carries the question as its gate, `beforeSend` (src/http/gated-fetch.ts). Called
 * first, the gate records, prints and asks (a "no" throws ERR_REQUEST_DECLINED, nothing is sent)
 * and remembers the confirmed request; the next fetch of the same `METHOD url` (first in, first
 * out, among those with the same headers and body) then sends it without printing or asking
 * again. A fetch with no gate before it, or one whose request changed since its gate, prints and
 * asks inside the call, as callers that do not know the gate expect.
 *
 * @example
 * const fetch = createRecordingFetch({
 *   onRequest: (req) => print(req), confirm: async () => true,
 *   onExchange: (exchange) => transcript.add(exchange), onSecret: (s) => output.secret(s),
 * })
 * await fetch('https://api.bitbucket.org/2.0/user', { headers: { Authorization: `Bearer ${token}` } })
 *
 * @example
 * // A caller with a deadline asks first, then starts its clock (sendRequest does this).
 * await fetch.beforeSend(url, init)
 * await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }) // not printed or asked again
 */
export function createRecordingFetch(options: RecordingFetchOptions): RecordingFetch {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clock = options.clock ?? (() => performance.now());
  /** Confirmed by the gate, not sent yet: per `METHOD url`, oldest first. */
  const confirmed = new Map<string, RecordedRequest[]>();

  /** The request as it is sent (headers, body), its secrets reported before anything is printed. */
  async function record(request: Request): Promise<RecordedRequest> {
    const headers = [...request.headers];
    const recorded: RecordedRequest = {
      method: request.method,
      url: request.url,
      headers,
      body: await readBody(request.clone().body, request.headers.get('content-type') ?? '', max),
    };
    secretsIn(headers, recorded.body).forEach(options.onSecret);
    return recorded;
  }

  /** Prints the request and asks: a "no" is ERR_REQUEST_DECLINED. */
  async function ask(recorded: RecordedRequest, signal?: AbortSignal): Promise<void> {
    options.onRequest(recorded);
    if (!(await options.confirm(recorded, signal))) throw new RequestDeclinedError(recorded.method, recorded.url);
  }

  /**
   * Whether this very request was confirmed at the gate, and takes that confirmation: the oldest
   * one for its `METHOD url` with the same headers and body. A request changed after its gate (a
   * wrapper that edits it) is not what the learner approved: it is asked about again.
   */
  function takeConfirmed(recorded: RecordedRequest): boolean {
    const target = `${recorded.method} ${recorded.url}`;
    const queue = confirmed.get(target);
    const index = queue?.findIndex((candidate) => sameRequest(candidate, recorded)) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    if (queue.length === 0) confirmed.delete(target);
    return true;
  }

  const beforeSend: SendGate = async (input, init) => {
    // A one-shot stream body cannot be read here and sent later: its fetch asks, as before.
    if (init?.body instanceof ReadableStream) return;
    const signal = callerSignal(input, init);
    // A clone: the caller's Request keeps its body for the fetch that follows.
    const recorded = await record(new Request(input instanceof Request ? input.clone() : input, init));
    try {
      await ask(recorded, signal);
    } catch (error) {
      // A question withdrawn because the caller gave up fails with the caller's reason.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
    if (signal?.aborted) throw signal.reason;
    const target = `${recorded.method} ${recorded.url}`;
    const queue = confirmed.get(target) ?? [];
    queue.push(recorded);
    if (queue.length > MAX_CONFIRMED_PER_TARGET) queue.shift();
    confirmed.set(target, queue);
  };

  const recordingFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const started = clock();
    const request = new Request(input, init);
    const recorded = await record(request);
    if (!takeConfirmed(recorded)) await ask(recorded);

    let reported = false;
    const report = (exchange: HttpExchange) => {
      if (reported) return;
      reported = true;
      options.onExchange(exchange);
    };
    let head: RecordedResponse | undefined;
    const exchange = async (): Promise<Response> => {
      let response: Response;
      try {
        response = await send(request);
      } catch (error) {
        report({ request: recorded, error: describeFailure(error, clock() - started) });
        throw error;
      }
      const responseHeaders = [...response.headers];
      head = { status: response.status, statusText: response.statusText, headers: responseHeaders, body: undefined };
      const recordedResponse: RecordedResponse = {
        ...head,
        body: await readBody(response.clone().body, response.headers.get('content-type') ?? '', max),
      };
      secretsIn(responseHeaders, recordedResponse.body).forEach(options.onSecret);
      report({ request: recorded, response: recordedResponse });
      return response;
    };
    const signal = callerSignal(input, init);
    if (!signal) return exchange();
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => {
        report({ request: recorded, ...(head ? { response: head } : {}), error: describeFailure(signal.reason, clock() - started) });
        reject(signal.reason);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      // After an abort this settles a promise already rejected: a late answer or error is dropped.
      exchange()
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  };
  return Object.assign(recordingFetch, { beforeSend });
}

/** Same method, URL, headers and body (as recorded): the request the learner confirmed. */
function sameRequest(a: RecordedRequest, b: RecordedRequest): boolean {
  return (
    a.method === b.method &&
    a.url === b.url &&
    a.body === b.body &&
    a.headers.length === b.headers.length &&
    a.headers.every(([name, value], i) => b.headers[i]?.[0] === name && b.headers[i]?.[1] === value)
  );
}

/**
 * The caller's own signal, not `request.signal`: a Request follows its init's signal through a
 * weak reference, so a request nobody holds any more (a fetch that dropped it) stops following.
 */
function callerSignal(input: RequestInfo | URL, init: RequestInit | undefined): AbortSignal | undefined {
  return init?.signal ?? (input instanceof Request ? input.signal : undefined);
}
