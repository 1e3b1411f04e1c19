import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeOptionsError, ListenError, PortInUseError, PortInvalidError } from './errors.ts';

/** The loopback address the fake and the rehearsal listen on: nothing else on the network sees them. */
export const LOOPBACK_HOST = '127.0.0.1';

/** The names a loopback server may be opened as (and the only `Host` values the fake answers). */
export const LOOPBACK_NAMES: readonly string[] = Object.freeze(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A port from the environment: `fallback` when unset, else a whole number from 1 to 65535.
 *
 * @throws {PortInvalidError} `ERR_PORT_INVALID`, naming the variable.
 *
 * @example
 * parsePort(process.env, 'FAKE_BITBUCKET_PORT', 4000) // 4000 when unset
 */
export function parsePort(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port < 1 || port > 65535) throw new PortInvalidError(variable, raw, fallback);
  return port;
}

/** `[::1]` for IPv6 literals, as URLs write them. */
function urlHost(address: string, family: string): string {
  return family === 'IPv6' ? `[${address}]` : address;
}

/**
 * Listens on a loopback address and returns the server's URL (with the port actually bound, so
 * port 0 picks a free one). A busy port is a {@link PortInUseError} naming the variable that
 * chose it, so the person who sees it knows what to change.
 *
 * @param o.variable The environment variable behind the port, for messages (`PORT`, `FAKE_BITBUCKET_PORT`).
 * @throws {FakeOptionsError} `ERR_FAKE_OPTIONS` for a host that is not loopback or a port out of range.
 * @throws {PortInUseError} `ERR_PORT_IN_USE`.
 * @throws {ListenError} `ERR_LISTEN` for any other failure (no permission, no such address).
 *
 * @example
 * const server = createServer(handler)
 * const url = await listenOnLoopback(server, { port: 4000, variable: 'FAKE_BITBUCKET_PORT' })
 * // 'http://127.0.0.1:4000'
 */
export async function listenOnLoopback(
  server: Server,
  o: { port: number; host?: string; variable: string },
): Promise<string> {
  const host = o.host ?? LOOPBACK_HOST;
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    throw new FakeOptionsError(
      `host=${JSON.stringify(host)} is not a loopback address. The offline Bitbucket and the rehearsal are for this machine only: use 127.0.0.1.`,
    );
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new FakeOptionsError(`${o.variable}=${String(o.port)} is not a TCP port: use 0 (any free port) to 65535.`);
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new PortInUseError(o.variable, o.port, host, { cause: error }));
      else reject(new ListenError(o.variable, o.port, host, error.code ?? error.message, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port: o.port, host });
  });
  const { address, family, port } = server.address() as AddressInfo;
  return `http://${urlHost(address, family)}:${port}`;
}

/**
 * Closes a server gracefully: refuses new connections, closes idle keep-alive ones, lets requests
 * in flight finish, and cuts whatever is still running after `timeoutMs` (a `slow` scenario call
 * can take 15 s). Resolves once the server is closed; closing a closed server resolves too.
 *
 * @example
 * process.once('SIGTERM', () => void closeGracefully(server, { timeoutMs: 5000 }).then(() => process.exit(0)))
 */
export async function closeGracefully(server: Server, o: { timeoutMs: number }): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A keep-alive connection whose request finishes later turns idle, and would be kept open.
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), o.timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  clearInterval(sweeper);
  if (late) {
    server.closeAllConnections();
    await closed;
  }
}
