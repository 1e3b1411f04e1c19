import { randomBytes } from 'node:crypto';
import { awaitGate } from '../src/http/gated-fetch.ts';
import { signProductJwt } from '../src/jwt/sign.ts';
import type { Installation } from '../src/store/installation.ts';
import { NoSharedSecretError } from '../src/connect/errors.ts';
import { InstallDescriptorError, InstallUnreachableError } from './errors.ts';
import type { UserSeed, WorkspaceSeed } from './fixtures/accounts.ts';
import { installationFromPayload, installedPayload, uninstalledPayload } from './fixtures/lifecycle.ts';
import type { InstalledPayload, Origins, UninstalledPayload } from './fixtures/types.ts';

/**
 * Bitbucket's side of installing and uninstalling an app (docs/protocol.md, section 6): build the
 * lifecycle payload, sign it as Bitbucket does (`iss` = `aud` = clientKey, qsh of
 * `POST&/installed&` relative to the app's base URL), and POST it to the app. The fake Bitbucket
 * UI and lesson 2 call these.
 */

/** The parts of `atlassian-connect.json` an install reads. */
export interface InstallableDescriptor {
  key: string;
  /** The app's public base URL: what the qsh is relative to. */
  baseUrl: string;
  lifecycle?: { installed?: string; uninstalled?: string };
  scopes?: string[];
}

/** What both lifecycle calls share. */
interface LifecycleCallOptions {
  /**
   * Where the app can be reached from here (e.g. `http://127.0.0.1:3000`). Bitbucket would POST to
   * `descriptor.baseUrl`, a public tunnel; offline the two differ, the path and the qsh do not.
   */
  appBaseUrl: string;
  descriptor: InstallableDescriptor;
  /** May carry a gate (`beforeSend`, src/http/gated-fetch.ts), awaited before `timeoutMs` starts. */
  fetch?: typeof fetch;
  /** The clock, epoch milliseconds, for the JWT's `iat`/`exp`; default `Date.now`. */
  now?: () => number;
  /** Give up on the app after this many milliseconds (from the moment the call is sent); default 10 000. */
  timeoutMs?: number;
}

/** Options of {@link installApp}. */
export interface InstallAppOptions extends LifecycleCallOptions, Origins {
  /** The workspace installing the app; default Teams in Space. */
  workspace?: WorkspaceSeed;
  /** The admin who clicks install; default Ada Lovelace. */
  installer?: UserSeed;
  /** The secret Bitbucket hands the app; default 32 random bytes, base64url. */
  sharedSecret?: string;
}

/** What {@link installApp} did. */
export interface InstallResult {
  clientKey: string;
  /** A secret: redact before printing. */
  sharedSecret: string;
  payload: InstalledPayload;
  /** Bitbucket's record of the installation, for the mock's `installations` store. */
  installation: Installation;
  /** The app's answer, unread. Bitbucket treats any non-2xx as a failed install; so should the caller. */
  response: Response;
}

/** Options of {@link uninstallApp}. */
export interface UninstallAppOptions extends LifecycleCallOptions {
  /** The payload of the install being undone: its clientKey, and its sharedSecret to sign with. */
  installed: InstalledPayload;
}

/** What {@link uninstallApp} did. */
export interface UninstallResult {
  payload: UninstalledPayload;
  response: Response;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function lifecyclePath(descriptor: InstallableDescriptor, event: 'installed' | 'uninstalled'): string {
  if (!descriptor || typeof descriptor.key !== 'string' || descriptor.key === '') {
    throw new InstallDescriptorError('the descriptor has no "key"');
  }
  try {
    new URL(descriptor.baseUrl);
  } catch {
    throw new InstallDescriptorError(`its "baseUrl" ${JSON.stringify(descriptor.baseUrl)} is not an absolute URL`);
  }
  const path = descriptor.lifecycle?.[event];
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InstallDescriptorError(`"lifecycle.${event}" must be a path starting with "/", like "/${event}"`);
  }
  return path;
}

/** The base URL without its trailing slash, so `base + path` never doubles the slash. */
function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Signs and POSTs one lifecycle payload, turning a failure to reach the app into a clear error. */
async function deliver(o: LifecycleCallOptions, path: string, payload: object, clientKey: string, sharedSecret: string): Promise<Response> {
  const jwt = await signProductJwt({
    clientKey,
    sharedSecret,
    method: 'POST',
    url: `${trimSlash(o.descriptor.baseUrl)}${path}`,
    baseUrl: o.descriptor.baseUrl,
    now: o.now,
  });
  const target = `${trimSlash(o.appBaseUrl)}${path}`;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const send = o.fetch ?? fetch;
  const init: RequestInit = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `JWT ${jwt}` },
    body: JSON.stringify(payload),
    // Bitbucket does not follow a lifecycle call elsewhere: the JWT goes to the app only.
    redirect: 'manual',
  };
  // Outside the deadline and outside the catch: a person confirming the call (gated-fetch.ts) may
  // take longer than the app may, and declining it is a choice, not an unreachable app.
  await awaitGate(send, target, init);
  try {
    return await send(target, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    const reason =
      cause instanceof Error && cause.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : `${cause instanceof Error ? cause.message : String(cause)}${cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}`;
    throw new InstallUnreachableError(target, reason, { cause });
  }
}

/**
 * Plays Bitbucket installing the app into a workspace: builds the `installed` payload for the
 * descriptor's key with a fresh sharedSecret, signs it, and POSTs it to
 * `appBaseUrl + lifecycle.installed` with `Authorization: JWT`.
 *
 * @throws {InstallDescriptorError} `ERR_INSTALL_DESCRIPTOR` when the descriptor lacks key, baseUrl or lifecycle.installed.
 * @throws {InstallUnreachableError} `ERR_INSTALL_UNREACHABLE` when the app does not answer.
 *
 * A gate on `fetch` (`beforeSend`, src/http/gated-fetch.ts: a person confirming the call) is
 * awaited before `timeoutMs` starts; what it throws (a declined request) propagates as it is.
 *
 * @example
 * const { clientKey, response, installation } = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor })
 * if (!response.ok) console.error(`install refused: HTTP ${response.status}`)
 */
export async function installApp(o: InstallAppOptions): Promise<InstallResult> {
  const path = lifecyclePath(o.descriptor, 'installed');
  const sharedSecret = o.sharedSecret ?? randomBytes(32).toString('base64url');
  const payload = installedPayload({
    appKey: o.descriptor.key,
    sharedSecret,
    workspace: o.workspace,
    installer: o.installer,
    bitbucketUrl: o.bitbucketUrl,
    apiUrl: o.apiUrl,
  });
  const installation = installationFromPayload(payload, { scopes: o.descriptor.scopes, now: o.now });
  const response = await deliver(o, path, payload, payload.clientKey, sharedSecret);
  return { clientKey: payload.clientKey, sharedSecret, payload, installation, response };
}

/**
 * Plays Bitbucket uninstalling the app: POSTs the `uninstalled` payload (no sharedSecret, no
 * actor) to `appBaseUrl + lifecycle.uninstalled`, signed with the installation's sharedSecret.
 *
 * @throws {InstallDescriptorError} `ERR_INSTALL_DESCRIPTOR` when the descriptor lacks lifecycle.uninstalled.
 * @throws {NoSharedSecretError} `ERR_NO_SHARED_SECRET` when `installed` has no sharedSecret.
 * @throws {InstallUnreachableError} `ERR_INSTALL_UNREACHABLE` when the app does not answer.
 *
 * @example
 * const installed = await installApp({ appBaseUrl, descriptor })
 * const { response } = await uninstallApp({ appBaseUrl, descriptor, installed: installed.payload })
 */
export async function uninstallApp(o: UninstallAppOptions): Promise<UninstallResult> {
  const path = lifecyclePath(o.descriptor, 'uninstalled');
  const { sharedSecret, clientKey } = o.installed;
  if (!sharedSecret) throw new NoSharedSecretError(clientKey, o.installed.principal.type);
  const payload = uninstalledPayload(o.installed);
  const response = await deliver(o, path, payload, clientKey, sharedSecret);
  return { payload, response };
}
