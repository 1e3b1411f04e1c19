import { missingContextScopes } from '../../src/connect/scopes.ts';
import { signProductJwt } from '../../src/jwt/sign.ts';

/**
 * The URL Bitbucket puts in a page module's `<iframe>`: the app's `baseUrl`, the module's `url`
 * with its context parameters filled in, and a JWT in `jwt=` whose qsh covers that URL
 * (docs/protocol.md, section 4; developer.atlassian.com/cloud/bitbucket/context-parameters/).
 */

/**
 * The objects context parameters are read from, shaped like the REST API's: `{repository.uuid}`
 * is `context.repository.uuid`.
 */
export type ModuleContext = Record<string, unknown>;

const PARAMETER = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

/** The value at a dotted path, own properties only, when it is text, a number or a boolean. */
function lookup(context: ModuleContext, path: string): string | undefined {
  let current: unknown = context;
  for (const name of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean' ? String(current) : undefined;
}

/**
 * Fills in a module URL's context parameters, URL-encoded (`{repository.uuid}` becomes
 * `%7B…%7D`). As Bitbucket does, a parameter becomes empty when the app lacks the scope it needs
 * (`repository` for `{repository.*}`, lesson 1) or when the context has no such value.
 *
 * @example
 * expandContextParameters('/oauth-callback?repoUuid={repository.uuid}', { repository: { uuid: '{1-2}' } }, ['repository'])
 * // '/oauth-callback?repoUuid=%7B1-2%7D'
 */
export function expandContextParameters(template: string, context: ModuleContext, scopes: readonly string[]): string {
  return template.replace(PARAMETER, (_match, path: string) => {
    if (missingContextScopes(`{${path}}`, scopes).length > 0) return '';
    const value = lookup(context, path);
    return value === undefined ? '' : encodeURIComponent(value);
  });
}

/** Options of {@link signedModuleUrl}. */
export interface SignedModuleUrlOptions {
  /** The app's `baseUrl`, from its descriptor: the URL starts with it, and the qsh is relative to it. */
  appBaseUrl: string;
  /** The module's `url`, relative to `appBaseUrl`, with context parameters. */
  moduleUrl: string;
  context: ModuleContext;
  /** The scopes the installation was granted. */
  scopes: readonly string[];
  clientKey: string;
  /** The installation's shared secret: signs the JWT. */
  sharedSecret: string;
  now?: () => number;
}

/**
 * The iframe URL of a page module, signed as Bitbucket signs it: `iss` = `aud` = clientKey, and
 * a qsh over `GET` and the URL without `jwt`, relative to the app's base URL. The app verifies it
 * with `verifyRequest` (lesson 6).
 *
 * @example
 * const url = await signedModuleUrl({ appBaseUrl: 'http://127.0.0.1:3000', moduleUrl: '/oauth-callback?repoUuid={repository.uuid}',
 *   context: { repository }, scopes: ['account', 'repository'], clientKey, sharedSecret })
 * // 'http://127.0.0.1:3000/oauth-callback?repoUuid=%7B…%7D&jwt=eyJ…'
 */
export async function signedModuleUrl(o: SignedModuleUrlOptions): Promise<string> {
  const path = expandContextParameters(o.moduleUrl, o.context, o.scopes);
  const hashAt = path.indexOf('#');
  const beforeHash = hashAt === -1 ? path : path.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : path.slice(hashAt);
  const unsigned = `${o.appBaseUrl.replace(/\/+$/, '')}${beforeHash}`;
  const jwt = await signProductJwt({
    clientKey: o.clientKey,
    sharedSecret: o.sharedSecret,
    method: 'GET',
    url: unsigned,
    baseUrl: o.appBaseUrl,
    now: o.now,
  });
  const separator = unsigned.includes('?') ? (/[?&]$/.test(unsigned) ? '' : '&') : '?';
  return `${unsigned}${separator}jwt=${encodeURIComponent(jwt)}${fragment}`;
}
