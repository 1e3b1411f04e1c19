/**
 * The one table from error codes to HTTP statuses. Every handler answers through it, so a code
 * means the same status everywhere, and a code missing here is treated as an internal error (500),
 * never shown to the client as if it were the client's fault.
 */

/**
 * Which kind of route failed: a few codes answer differently on some routes.
 *
 * @example httpStatusFor(error.code, 'uninstalled' satisfies RouteKind)
 */
export type RouteKind = 'installed' | 'uninstalled' | 'page';

type StatusRule = number | ({ default: number } & Partial<Record<RouteKind, number>>);

const STATUS_BY_CODE: Readonly<Record<string, StatusRule>> = {
  // The request itself.
  ERR_BAD_REQUEST: 400,
  ERR_BODY_MALFORMED: 400,
  ERR_PARAM_INVALID: 400,
  ERR_NOT_FOUND: 404,
  ERR_BODY_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  // The lifecycle payload (src/connect/lifecycle.ts).
  ERR_PAYLOAD_INVALID: 400,
  ERR_NO_SHARED_SECRET: 400,
  ERR_APP_KEY_MISMATCH: 400,
  ERR_INSTALL_BASE_URL: 400,
  ERR_REINSTALL_UNAUTHENTICATED: 401,
  ERR_CLIENT_KEY_MISMATCH: 401,
  // On /installed and on pages, an unknown clientKey is an authentication failure. On
  // /uninstalled it means "already gone": 404 lets a caller tell it from a bad signature.
  ERR_INSTALLATION_UNKNOWN: { default: 401, uninstalled: 404 },
  // A tombstone serves nothing, like an unknown clientKey; uninstalling it again: already gone.
  ERR_INSTALLATION_UNINSTALLED: { default: 401, uninstalled: 404 },
  // Not proven yet (pages, uninstall): it may become usable in a moment.
  ERR_INSTALLATION_PENDING: 409,
  // Live mode and an installation of the simulated Bitbucket: the configuration's to fix.
  ERR_INSTALLATION_SIMULATED: 409,
  // The stored installation cannot serve the page: only a re-install fixes it.
  ERR_INSTALLATION_NO_PRINCIPAL: 409,
  ERR_INSTALLATION_INCOMPLETE: 409,
  // Whatever lifecycle validation let through and the store still refuses is bad input too.
  ERR_STORE_INVALID_INSTALLATION: 400,
  // Bitbucket, behind the repository page: the app is a gateway, so upstream failures are 5xx
  // that say whose fault they are.
  ERR_GRANT_INVALID: 502,
  ERR_GRANT_UNAUTHORIZED_CLIENT: 502,
  ERR_GRANT_REJECTED: 502,
  ERR_TOKEN_RESPONSE_INVALID: 502,
  ERR_RATE_LIMITED: 503,
  ERR_SERVER: 502,
  ERR_NETWORK: 502,
  ERR_TIMEOUT: 504,
  ERR_RESPONSE_TOO_LARGE: 502,
  ERR_API: 502,
  ERR_API_UNAUTHORIZED: 502,
  ERR_API_RESPONSE_INVALID: 502,
  // The repository does not exist, or the installation cannot see it.
  ERR_API_NOT_FOUND: 404,
  // The app's own health.
  ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_BUSY: 503,
  ERR_STORE_CONTENDED: 503,
  // Too many unproven first installs: Bitbucket retries a lifecycle call that fails.
  ERR_PENDING_LIMIT: 503,
  // One hand-edited row: only the route that needs exactly that row fails, and says which.
  ERR_STORE_INVALID_ROW: 503,
  // The operator's to fix (disk, permissions, a damaged file); the message says how.
  ERR_STORE_UNWRITABLE: 503,
  ERR_STORE_CORRUPT: 503,
  ERR_INTERNAL: 500,
};

/** Every JWT and query string hash failure is an authentication failure. */
const STATUS_BY_PREFIX: ReadonlyArray<readonly [string, number]> = [
  ['ERR_JWT_', 401],
  ['ERR_QSH_', 401],
];

/**
 * The HTTP status for an error code, or `undefined` when the code is not one the app expects
 * (the caller then answers 500 ERR_INTERNAL).
 *
 * @example
 * httpStatusFor('ERR_QSH_MISMATCH') // 401
 * httpStatusFor('ERR_INSTALLATION_UNKNOWN', 'uninstalled') // 404
 */
export function httpStatusFor(code: string, route?: RouteKind): number | undefined {
  const rule = Object.hasOwn(STATUS_BY_CODE, code) ? STATUS_BY_CODE[code] : undefined;
  if (typeof rule === 'number') return rule;
  if (rule) return (route && rule[route]) ?? rule.default;
  return STATUS_BY_PREFIX.find(([prefix]) => code.startsWith(prefix))?.[1];
}
