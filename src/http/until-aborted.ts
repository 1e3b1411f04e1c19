/**
 * Settles with `promise`, or rejects with the signal's reason as soon as `signal` aborts, whichever
 * comes first: how `fetch` treats its signal, for work that does not watch one itself.
 *
 * @example
 * await untilAborted(AbortSignal.timeout(1000), someSlowWork()) // rejects with a TimeoutError after 1 s
 */
export function untilAborted<T>(signal: AbortSignal, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    // Handlers on `promise` also keep a late rejection, after the abort, from going unhandled.
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
