import { untilAborted } from './until-aborted.ts';
import { isLabError } from '../errors.ts';
import { AbortedError, InvalidOptionError, NetworkError, ResponseTooLargeError, TimeoutError } from './errors.ts';
import { awaitGate } from './gated-fetch.ts';

/**
 * One HTTP exchange, fully read: what the callers of {@link sendRequest} interpret.
 *
 * @example
 * const { status, headers, body } = await sendRequest(options)
 * if (status === 429) console.log(headers.get('retry-after'))
 */
export interface SentResponse {
  status: number;
  headers: Headers;
  /** The body decoded as UTF-8 (empty when there was none). */
  body: string;
}

/**
 * What {@link sendRequest} sends, and its bounds.
 *
 * @example
 * const options: SendOptions = {
 *   fetch, url, init: { method: 'GET' }, timeoutMs: 10_000, maxBodyBytes: 1 << 20, target: `GET ${url}`, lesson: 5,
 * }
 */
export interface SendOptions {
  /** May carry a gate (`beforeSend`, gated-fetch.ts): awaited before the deadline starts. */
  fetch: typeof fetch;
  url: string;
  /** Everything but `signal`, which {@link sendRequest} owns. */
  init: Omit<RequestInit, 'signal'>;
  /** Deadline for the whole exchange, headers and body; it starts once the fetch's gate, if any, has let the request go. */
  timeoutMs: number;
  /** The caller's cancellation. */
  signal?: AbortSignal | undefined;
  /** Bodies larger than this are refused, not buffered. */
  maxBodyBytes: number;
  /** `METHOD url` for error messages: never include a secret. */
  target: string;
  /** The lesson that explains this call, for the errors. */
  lesson: number;
}

/** The largest delay Node's timers accept; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a timeout option: a positive number of milliseconds that a Node timer can hold.
 *
 * @example checkTimeoutMs(10_000, 'timeoutMs') // 10000
 */
export function checkTimeoutMs(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new InvalidOptionError(`${name}=${value} must be a number of milliseconds between 1 and ${MAX_TIMER_MS}.`);
  }
  return value;
}

/**
 * Sends one request and reads its whole body under one deadline, and turns every way that can go
 * wrong into a typed error: `ERR_ABORTED` (the caller's signal), `ERR_TIMEOUT` (the deadline),
 * `ERR_NETWORK` (no HTTP answer, or the connection broke mid-body), `ERR_RESPONSE_TOO_LARGE`.
 * HTTP statuses are not errors here: the caller interprets them.
 *
 * The deadline also holds against a `fetch` that ignores its signal: the wait is raced against it.
 * It starts after the fetch's gate (`beforeSend`, gated-fetch.ts), which may wait for a person:
 * the caller's signal still cancels that wait (`ERR_ABORTED`), and the gate's own refusal, such as
 * a declined request, propagates as it is (nothing was sent).
 *
 * @example
 * const { status, body } = await sendRequest({
 *   fetch, url: 'https://api.bitbucket.org/2.0/user', init: { headers: { Authorization: `Bearer ${token}` } },
 *   timeoutMs: 10_000, maxBodyBytes: 1 << 20, target: 'GET https://api.bitbucket.org/2.0/user', lesson: 5,
 * })
 */
export async function sendRequest(o: SendOptions): Promise<SentResponse> {
  if (o.signal?.aborted) throw new AbortedError(o.target, o.signal.reason, o.lesson);
  await passGate(o);
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
  try {
    return await untilAborted(signal, exchange(o, signal));
  } catch (error) {
    if (o.signal?.aborted) throw new AbortedError(o.target, o.signal.reason, o.lesson);
    if (deadline.aborted) throw new TimeoutError(o.target, o.timeoutMs, o.lesson);
    if (isLabError(error)) throw error;
    throw new NetworkError(o.target, error, o.lesson);
  }
}

/** Waits for the fetch's gate under the caller's signal only: a person's reading time is not the server's. */
async function passGate(o: SendOptions): Promise<void> {
  const init: RequestInit = o.signal ? { ...o.init, signal: o.signal } : o.init;
  const gate = awaitGate(o.fetch, o.url, init);
  try {
    await (o.signal ? untilAborted(o.signal, gate) : gate);
  } catch (error) {
    if (o.signal?.aborted) throw new AbortedError(o.target, o.signal.reason, o.lesson);
    throw error;
  }
}

async function exchange(o: SendOptions, signal: AbortSignal): Promise<SentResponse> {
  const response = await o.fetch(o.url, { ...o.init, signal });
  const body = await readBody(response, o);
  return { status: response.status, headers: response.headers, body };
}

/** Reads the body as UTF-8, stopping (and cancelling the stream) once it passes the bound. */
async function readBody(response: Response, o: SendOptions): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(o.target, o.maxBodyBytes, o.lesson);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > o.maxBodyBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(o.target, o.maxBodyBytes, o.lesson);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

