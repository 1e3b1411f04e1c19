import { isLabError } from '../errors.ts';
import type { Installation } from '../store/installation.ts';
import { ReinstallUnauthenticatedError } from './errors.ts';

/**
 * Which `installed` calls the app accepts, and what each one does: Atlassian's signing table
 * (docs/protocol.md §6; lesson 2's notes, "The re-install rule") as one decision over the row the
 * app has stored for the payload's clientKey and the call's JWT. `handleInstalled` (lifecycle.ts)
 * reads the row, asks {@link decideInstall}, and writes what it says with a compare-and-set.
 *
 * Lesson 2's exercise `decide-install` is this file with the `#region exercise` part left for the
 * learner to write (lessons/02-lifecycle/exercises/decide-install/); a test keeps the two equal
 * outside that region.
 */

/**
 * What an `installed` call did:
 * - `pending`: a first install, stored until a token exchange proves it (the route starts one);
 * - `installed`: a first install stored as active at once (`verifyFirstInstalls: false`);
 * - `reinstalled`, `secret-rotated`: an installed app installed again, signed with the stored
 *   secret, with the same or a new secret in its payload;
 * - `reinstalled-after-uninstall`: the first install after an uninstall, signed with the secret
 *   the tombstone kept.
 *
 * @example if (outcome === 'pending') verifier.verify(installation)
 */
export type InstallOutcome = 'pending' | 'installed' | 'reinstalled' | 'secret-rotated' | 'reinstalled-after-uninstall';

/**
 * One `installed` call, as the decision sees it.
 *
 * @example
 * const call: InstallCall = {
 *   clientKey, stored: await store.get(clientKey), payloadSecret: payload.sharedSecret,
 *   verify: token === undefined ? undefined : (secret) => verifyJwt(token, { secret, ... }),
 *   verifyFirstInstalls: true,
 * }
 */
export interface InstallCall {
  /** The payload's clientKey: the installation the call is about. */
  clientKey: string;
  /** What the app has stored for that clientKey, read just now; undefined when nothing is. */
  stored: Pick<Installation, 'state' | 'sharedSecret'> | undefined;
  /** The `sharedSecret` the payload brings. */
  payloadSecret: string;
  /**
   * Checks the call's JWT with a secret: resolves when it verifies, rejects with
   * `ERR_JWT_SIGNATURE` when another secret signed it (or with another `ERR_JWT_*`/`ERR_QSH_*`
   * error: expired, another request's qsh...). Undefined when the call carries no JWT.
   */
  verify: ((secret: string) => Promise<void>) | undefined;
  /** Store first installs `pending` until a token exchange proves them (`VERIFY_INSTALLS`, default on). */
  verifyFirstInstalls: boolean;
}

/**
 * Decides an `installed` call by Atlassian's signing table: a first install (nothing stored, or
 * only a pending first install) is accepted signed or not, a JWT checked with the payload's own
 * secret when there is one; anything else stored (active, or a tombstone) changes only with a JWT
 * that verifies with the **stored** secret. Returns what the call does; the caller stores
 * `pending` for `pending`, `active` for every other outcome.
 *
 * @throws {ReinstallUnauthenticatedError} `ERR_REINSTALL_UNAUTHENTICATED`: a stored (or
 *   uninstalled) clientKey, and the call is unsigned or signed with another secret.
 * @throws the `ERR_JWT_*` and `ERR_QSH_*` errors of `verify` that are not about the secret.
 *
 * @example
 * await decideInstall({ clientKey, stored: undefined, payloadSecret, verify: undefined, verifyFirstInstalls: true }) // 'pending'
 * await decideInstall({ clientKey, stored: { state: 'active', sharedSecret: 's1' }, payloadSecret: 's2',
 *   verify: (secret) => verifyJwt(token, { secret, ... }), verifyFirstInstalls: true }) // 'secret-rotated' when s1 signed it
 */
export async function decideInstall(call: InstallCall): Promise<InstallOutcome> {
  const { clientKey, stored, payloadSecret, verify } = call;
  // #region exercise: the install table
  if (!stored || stored.state === 'pending') {
    // A first install: the payload's own secret is all there is to check a JWT with.
    if (verify) await verify(payloadSecret);
    return call.verifyFirstInstalls ? 'pending' : 'installed';
  }
  const uninstalled = stored.state === 'uninstalled';
  if (!verify) throw new ReinstallUnauthenticatedError(clientKey, { uninstalled, unsigned: true });
  try {
    await verify(stored.sharedSecret);
  } catch (error) {
    if (isLabError(error, 'ERR_JWT_SIGNATURE')) throw new ReinstallUnauthenticatedError(clientKey, { uninstalled, unsigned: false, cause: error });
    throw error;
  }
  if (uninstalled) return 'reinstalled-after-uninstall';
  return stored.sharedSecret === payloadSecret ? 'reinstalled' : 'secret-rotated';
  // #endregion
}
