import { http, passthrough } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { createBitbucketMock, type BitbucketMock, type BitbucketMockOptions } from './bitbucket.ts';

/**
 * Loopback URLs: `localhost`, `127.x.x.x` and `[::1]`, any port. Requests there (the app under
 * test, a local fake Bitbucket) go to the real network; nothing else may.
 */
const LOOPBACK = /^https?:\/\/(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:[/?#]|$)/i;

/** The in-process Bitbucket, started. */
export interface MockServer {
  /** The msw server: `server.use(...)` adds handlers for one test, `resetHandlers()` removes them. */
  server: SetupServer;
  mock: BitbucketMock;
  /** Stops intercepting `fetch`. Idempotent. */
  stop(): void;
}

/**
 * Starts Bitbucket in-process: `fetch` calls to Bitbucket's origins are answered by the mock,
 * calls to loopback pass through to the real network, and any other request fails with msw's
 * "intercepted a request without a matching request handler" error, so no test reaches the
 * internet by accident.
 *
 * Loopback passes through by a handler (msw's `passthrough()`) under the `error` strategy: with
 * msw 2.15, an `onUnhandledRequest` callback's `print.error()` only prints and the request still
 * goes out.
 *
 * @example
 * const { mock, stop } = startMockServer({ installations: store, scenario: loadConfig().scenario })
 * try { await exchangeJwtForToken({ installation }) } finally { stop() }
 */
export function startMockServer(o: BitbucketMockOptions): MockServer {
  const mock = createBitbucketMock(o);
  const server = setupServer(...mock.handlers, http.all(LOOPBACK, () => passthrough()));
  server.listen({ onUnhandledRequest: 'error' });
  let stopped = false;
  return {
    server,
    mock,
    stop() {
      if (stopped) return;
      stopped = true;
      server.close();
    },
  };
}
