/**
 * A `fetch` may have to wait for something that is not the network before it sends: a person
 * confirming the request ("Send this request? (Y/n)", the lesson runner on a terminal). If that
 * wait happened inside the `fetch` call, it would count against the caller's deadline, and a
 * learner who reads a request for longer than the timeout would get ERR_TIMEOUT for a request
 * never sent. So such a fetch exposes the wait as `beforeSend`, and callers with a deadline
 * ({@link awaitGate} in `sendRequest` and `installApp`) wait for it first, then start the clock.
 *
 * The protocol is optional on both sides: a plain fetch has no gate, and a gated fetch called
 * without its gate first must still wait inside the call, as before.
 */

/**
 * Waits until the request may be sent; rejects when it must not be (a declined confirmation),
 * and with `init.signal`'s reason when the caller aborts meanwhile. It sends nothing.
 *
 * @example
 * const gate: SendGate = async (input, init) => {
 *   if (!(await ask(`Send ${init?.method ?? 'GET'} ${String(input)}?`, { signal: init?.signal }))) throw new Error('declined')
 * }
 */
export type SendGate = (input: RequestInfo | URL, init?: RequestInit) => Promise<void>;

/**
 * A `fetch` that may carry a {@link SendGate}: the wait before sending, kept outside any deadline.
 *
 * @example
 * const gated: GatedFetch = Object.assign(async (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), {
 *   beforeSend: async () => { await confirmed },
 * })
 */
export type GatedFetch = typeof fetch & { beforeSend?: SendGate };

/**
 * Awaits the gate of `send` (a fetch) when it has one (at once otherwise), with the arguments the fetch is about
 * to get. Call it before starting a deadline; pass the caller's own signal in `init`, not the
 * deadline's, so that the caller can still cancel the wait.
 *
 * @example
 * await awaitGate(o.fetch, url, { ...init, signal: callerSignal })
 * const response = await o.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
 */
export async function awaitGate(send: typeof fetch, input: RequestInfo | URL, init?: RequestInit): Promise<void> {
  const gate = (send as GatedFetch).beforeSend;
  if (typeof gate === 'function') await gate.call(send, input, init);
}

/**
 * `wrapper` with the gate of the fetch it wraps. A function that wraps a fetch (to log or count
 * its requests) hides the gate; a caller then cannot wait for it first, and the wait falls back
 * inside the fetch call and its deadline. Forward it with this.
 *
 * @example
 * const counting = keepGate((input, init) => { count += 1; return ctx.fetch(input, init) }, ctx.fetch)
 * await installApp({ appBaseUrl, descriptor, fetch: counting }) // the confirmation still comes before the deadline
 */
export function keepGate(wrapper: typeof fetch, inner: typeof fetch): GatedFetch {
  const gate = (inner as GatedFetch).beforeSend;
  if (typeof gate !== 'function') return wrapper;
  return Object.assign((input: RequestInfo | URL, init?: RequestInit) => wrapper(input, init), {
    beforeSend: (input: RequestInfo | URL, init?: RequestInit) => gate.call(inner, input, init),
  });
}
