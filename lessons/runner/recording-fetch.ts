import type { HttpExchange, RecordedRequest, RecordedResponse } from './exchange.ts';
import { RequestDeclinedError } from './errors.ts';

/** Options of {@link createRecordingFetch}: where the exchange goes at each stage. */
export interface RecordingFetchOptions {
  /** The fetch that sends; default `globalThis.fetch`, looked up per call because msw patches it when the mock starts. */
  fetch?: typeof fetch;
  /** Called with the request before it is sent (to print it). */
  onRequest(request: RecordedRequest): void;
  /** Asked before sending; false aborts with ERR_REQUEST_DECLINED. */
  confirm(request: RecordedRequest): Promise<boolean>;
  /** Called once the response (or the error) is in. */
  onExchange(exchange: HttpExchange): void;
  /** Called with each secret seen on the wire, before anything is printed: Bearer tokens, `access_token`, `sharedSecret`... */
  onSecret(value: string): void;
  /** At most this many bytes of a body are shown; default 64 KiB. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
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

/**
 * A `fetch` that shows the learner each exchange: it records the request (headers and body as
 * sent), asks before sending, and records the response, while the caller gets the untouched
 * response. Secrets it sees are reported before anything is printed, so redaction never lags.
 *
 * @example
 * const fetch = createRecordingFetch({
 *   onRequest: (req) => print(req), confirm: async () => true,
 *   onExchange: (exchange) => transcript.add(exchange), onSecret: (s) => output.secret(s),
 * })
 * await fetch('https://api.bitbucket.org/2.0/user', { headers: { Authorization: `Bearer ${token}` } })
 */
export function createRecordingFetch(options: RecordingFetchOptions): typeof fetch {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const request = new Request(input, init);
    const requestHeaders = [...request.headers];
    const recorded: RecordedRequest = {
      method: request.method,
      url: request.url,
      headers: requestHeaders,
      body: await readBody(request.clone().body, request.headers.get('content-type') ?? '', max),
    };
    secretsIn(requestHeaders, recorded.body).forEach(options.onSecret);
    options.onRequest(recorded);
    if (!(await options.confirm(recorded))) throw new RequestDeclinedError(recorded.method, recorded.url);
    let response: Response;
    try {
      response = await send(request);
    } catch (error) {
      options.onExchange({ request: recorded, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    const responseHeaders = [...response.headers];
    const recordedResponse: RecordedResponse = {
      status: response.status,
      statusText: response.statusText,
      headers: responseHeaders,
      body: await readBody(response.clone().body, response.headers.get('content-type') ?? '', max),
    };
    secretsIn(responseHeaders, recordedResponse.body).forEach(options.onSecret);
    options.onExchange({ request: recorded, response: recordedResponse });
    return response;
  };
}
