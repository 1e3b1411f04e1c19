import { keepGate } from '../http/gated-fetch.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { redactJwt, redactSecret, redactText } from '../redact.ts';

/**
 * One outgoing HTTP request as the page shows it: secrets already redacted.
 *
 * @example const requests: RecordedRequest[] = []; await recorder.record(task, requests)
 */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Array<[name: string, value: string]>;
  body: string | undefined;
  /** The response status, or `undefined` when no answer came. */
  status: number | undefined;
}

/**
 * Records the outgoing requests made while a function runs; see {@link createRequestRecorder}.
 *
 * @example const token = await recorder.record(() => cache.getToken(installation), requests)
 */
export interface RequestRecorder {
  /** The fetch to give the token cache and the REST client: records, then calls the real fetch. */
  fetch: typeof fetch;
  /** Runs `task`; every request `fetch` makes on its behalf (its async context) lands in `requests`. */
  record<T>(task: () => Promise<T>, requests: RecordedRequest[]): Promise<T>;
}

/** Request bodies the page shows are small forms; a bound keeps a stray upload out of memory. */
const MAX_BODY_CHARS = 4096;

function redactAuthorization(value: string): string {
  const [scheme = '', ...rest] = value.trim().split(/\s+/);
  const credential = rest.join(' ');
  if (!credential) return redactSecret(value);
  return `${scheme} ${scheme.toLowerCase() === 'jwt' ? redactJwt(credential) : redactSecret(credential)}`;
}

function describeBody(body: BodyInit | null | undefined): string | undefined {
  if (body === undefined || body === null) return undefined;
  const text = typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : '[binary body]';
  const bounded = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}… (${text.length} chars)` : text;
  return redactText(bounded);
}

/**
 * Shows a learner the real requests behind a page: the JWT grant and the REST call, as sent.
 * The token cache and the REST client are shared by all requests, so the recorder finds "this
 * page's" requests by async context (AsyncLocalStorage), not by a shared list. A token served
 * from the cache makes no request, and the page can say so.
 *
 * Authorization values are redacted as they are recorded (a JWT keeps its readable header and
 * claims, a Bearer token only its prefix), so nothing recorded is a usable secret.
 *
 * @param realFetch The fetch to call. Default: `globalThis.fetch` looked up at each call, so a
 *   mock installed later (msw) still sees the requests.
 *
 * @example
 * const recorder = createRequestRecorder()
 * const cache = createTokenCache({ exchangeOptions: { fetch: recorder.fetch } })
 * const requests: RecordedRequest[] = []
 * const token = await recorder.record(() => cache.getToken(installation), requests)
 */
export function createRequestRecorder(realFetch?: typeof fetch): RequestRecorder {
  const context = new AsyncLocalStorage<RecordedRequest[]>();
  const call: typeof fetch = (input, init) => (realFetch ?? globalThis.fetch)(input, init);

  const recordingFetch: typeof fetch = async (input, init) => {
    const requests = context.getStore();
    if (!requests) return call(input, init);
    const request = input instanceof Request ? input : undefined;
    const headers = new Headers(request?.headers);
    new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
    const entry: RecordedRequest = {
      method: (init?.method ?? request?.method ?? 'GET').toUpperCase(),
      url: redactText(request?.url ?? String(input instanceof URL ? input.href : input)),
      headers: [...headers].map(([name, value]) => [name, name === 'authorization' ? redactAuthorization(value) : redactText(value)]),
      body: describeBody(init?.body),
      status: undefined,
    };
    requests.push(entry);
    const response = await call(input, init);
    entry.status = response.status;
    return response;
  };

  return {
    // Keeps the gate of the fetch it wraps (a lesson's "Send this request?"), so it still comes first.
    fetch: realFetch ? keepGate(recordingFetch, realFetch) : recordingFetch,
    record: (task, requests) => context.run(requests, task),
  };
}
