import type { Installation } from '../../src/store/installation.ts';

/**
 * True when the installation was made by the simulated Bitbucket (lesson 2, `--simulate`, lesson 7,
 * the fake Bitbucket of `npm run fake-bitbucket`), not by the real one: the app records which
 * Bitbucket sent each install (`origin`, from its mode when it accepted it). Rows stored before
 * the store recorded it were given one by their account, when the store was upgraded
 * (src/store/simulated-accounts.ts).
 *
 * @example
 * isSimulatedInstallation({ origin: 'simulated' }) // true: `--reset` deletes it
 */
export function isSimulatedInstallation(installation: Pick<Installation, 'origin'>): boolean {
  return installation.origin === 'simulated';
}
