import type { Installation } from '../../src/store/installation.ts';
import { fixtureUuid } from '../../mocks/fixtures/ids.ts';

/** The account UUID in a clientKey: `ari:cloud:bitbucket::app/{uuid}/app-key`. */
const CLIENT_KEY_ACCOUNT = /^ari:cloud:bitbucket::app\/(\{[^}/]+\})\//;

/**
 * True when the installation was made by the simulated Bitbucket (lesson 2, `--simulate`, lesson 7,
 * the fake Bitbucket of `npm run fake-bitbucket`), not captured from the real one.
 *
 * Simulated accounts are fixtures (mocks/fixtures/accounts.ts): their UUID is derived from their
 * name, `fixtureUuid('workspace:<slug>')` (`'user:<nickname>'` for a user). A real account's UUID
 * is random, so it never equals the one derived from its name. The clientKey's UUID and the
 * principal's must both be that UUID; when the principal is missing or does not match, the
 * installation is taken for a real one, and kept.
 *
 * @example
 * isSimulatedInstallation(installationFromPayload(installedPayload({ appKey, sharedSecret }))) // true: Teams in Space
 */
export function isSimulatedInstallation(installation: Pick<Installation, 'clientKey' | 'principal'>): boolean {
  const account = CLIENT_KEY_ACCOUNT.exec(installation.clientKey)?.[1];
  const principal = installation.principal;
  if (!account || !principal || principal.uuid !== account) return false;
  const name = principal.type === 'user' ? principal.nickname : principal.username;
  if (typeof name !== 'string' || name === '') return false;
  return fixtureUuid(`${principal.type === 'user' ? 'user' : 'workspace'}:${name}`) === account;
}
