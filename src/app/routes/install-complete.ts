import type { RequestHandler } from 'express';
import { INSTALL_COMPLETE_PATH } from '../../connect/install-link.ts';
import type { InstallationStore } from '../../store/installation.ts';
import type { ErrorContext } from '../error-handler.ts';
import { InvalidParameterError } from '../errors.ts';
import { installStatus, renderInstallComplete } from '../views/install-complete.ts';

/**
 * What the install-complete page needs.
 *
 * @example installComplete({ store, basePath: '' } satisfies InstallCompleteDeps)
 */
export interface InstallCompleteDeps {
  store: InstallationStore;
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath: string;
}

/** Bitbucket's client keys are a few dozen characters; the store keeps at most 512. */
const MAX_CLIENT_KEY_LENGTH = 512;
/** Controls, format characters (bidi overrides, zero-width) and lone surrogates: never in a client key. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * The `client_key` query parameter Bitbucket adds to the redirect, validated.
 *
 * @throws {InvalidParameterError} `ERR_PARAM_INVALID` (400): missing, repeated, empty, too long, or with control characters.
 *
 * @example parseClientKey('ari:cloud:bitbucket::app/{5a1b2c3d-0000-4000-8000-00000000abcd}/jwt-grant-tutorial') // the same string
 */
export function parseClientKey(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_CLIENT_KEY_LENGTH || UNSAFE.test(value)) {
    throw new InvalidParameterError(
      'client_key',
      `the client key Bitbucket adds when it sends you back after granting the install, one value of at most ${MAX_CLIENT_KEY_LENGTH} ` +
        'printable characters, like client_key=ari:cloud:bitbucket::app/{workspace-uuid}/jwt-grant-tutorial. Without it the install ' +
        'was not granted, or this URL was opened by hand: install the app again from the home page',
      { lesson: 1 },
    );
  }
  return value;
}

/**
 * `GET /install-complete?client_key=...`: where the install link sends the browser back
 * (`redirect_uri`, src/connect/install-link.ts). Says whether the app holds that installation,
 * and what to do if not. The redirect is not signed (no JWT: anyone can open this URL with any
 * client key), so the page shows only the client key it was given and where that installation
 * stands, nothing the installation holds.
 *
 * @example app.get(INSTALL_COMPLETE_PATH, installComplete({ store, basePath: '' }))
 */
export function installComplete(deps: InstallCompleteDeps): RequestHandler {
  return async (req, res) => {
    Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext);
    // The answer changes as soon as the installed call lands: never serve it from a cache.
    res.setHeader('Cache-Control', 'no-store');
    const clientKey = parseClientKey(req.query.client_key);
    const status = installStatus(await deps.store.get(clientKey));
    res
      .status(200)
      .type('html')
      .send(
        renderInstallComplete({
          clientKey,
          status,
          checkAgainUrl: `${deps.basePath}${INSTALL_COMPLETE_PATH}?client_key=${encodeURIComponent(clientKey)}`,
          basePath: deps.basePath,
        }),
      );
  };
}
