import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';

/** `localhost`, `127.x.x.x` and `[::1]`, any port: the servers a test starts itself. */
const LOOPBACK = /^https?:\/\/(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:[/?#]|$)/i;

/**
 * Lets this process's `fetch` reach loopback only: any other request fails with msw's
 * unhandled-request error, so a test that starts real servers still never reaches the internet.
 * Returns the function that lifts the guard.
 *
 * @example
 * const unguard = guardNetwork()
 * afterAll(() => unguard())
 */
export function guardNetwork(): () => void {
  const server = setupServer(http.all(LOOPBACK, () => passthrough()));
  server.listen({ onUnhandledRequest: 'error' });
  return () => server.close();
}
