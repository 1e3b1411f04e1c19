import { InstallationPendingError, InstallationUninstalledError, SimulatedInstallationError } from './errors.ts';
import type { Installation } from './installation.ts';

/**
 * Checks that the app may act for `installation`: it is `active` (a pending first install is not
 * proven, a tombstone is uninstalled), and, in live mode, it comes from real Bitbucket. Every path
 * that serves a page or gets a token goes through this.
 *
 * @throws {InstallationPendingError} `ERR_INSTALLATION_PENDING`
 * @throws {InstallationUninstalledError} `ERR_INSTALLATION_UNINSTALLED`
 * @throws {SimulatedInstallationError} `ERR_INSTALLATION_SIMULATED`: live, and the simulated Bitbucket made it.
 *
 * @example
 * const { installation } = await verifyRequest(request, { store, appBaseUrl })
 * assertUsable(installation, { live: config.live })
 */
export function assertUsable(installation: Pick<Installation, 'clientKey' | 'state' | 'origin'>, o: { live?: boolean } = {}): void {
  if (installation.state === 'pending') throw new InstallationPendingError(installation.clientKey);
  if (installation.state !== 'active') throw new InstallationUninstalledError(installation.clientKey);
  if (o.live && installation.origin !== 'bitbucket') throw new SimulatedInstallationError(installation.clientKey);
}
