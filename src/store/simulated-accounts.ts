import { createHash } from 'node:crypto';
import type { Installation, InstallationOrigin } from './installation.ts';

/**
 * The accounts of the simulated Bitbucket (the lab's mock and fake) have UUIDs derived from their
 * names; a real Bitbucket account's UUID is random. That tells apart the installations stored
 * before the store recorded their origin (schema version 2), and nothing else: since then every
 * installation carries `origin`.
 */

/**
 * A version-4-shaped UUID derived from `seed`, in braces as Bitbucket writes most UUIDs: the
 * simulated Bitbucket's fixture accounts use `fixtureUuid('workspace:<slug>')` and
 * `fixtureUuid('user:<nickname>')`. The same seed always gives the same UUID.
 *
 * @example
 * fixtureUuid('workspace:teamsinspace') // '{7a6c…-…}' (always the same)
 */
export function fixtureUuid(seed: string): string {
  const hex = createHash('sha256').update(`uuid:${seed}`, 'utf8').digest('hex');
  // Version nibble 4 and the RFC 4122 variant bits, so the value passes UUID validators.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

/** The account UUID in a clientKey: `ari:cloud:bitbucket::app/{uuid}/app-key`. */
const CLIENT_KEY_ACCOUNT = /^ari:cloud:bitbucket::app\/(\{[^}/]+\})\//;

/**
 * Where an installation stored without an `origin` most likely came from: `simulated` when its
 * account is one of the simulated Bitbucket's fixtures (the clientKey's UUID and the principal's
 * are both the UUID derived from the principal's name), else `bitbucket`. When in doubt (no
 * principal, no match) it answers `bitbucket`, so the installation is kept by `--reset`.
 *
 * @example
 * guessOrigin({ clientKey: `ari:cloud:bitbucket::app/${fixtureUuid('workspace:teamsinspace')}/app`,
 *   principal: { type: 'team', username: 'teamsinspace', uuid: fixtureUuid('workspace:teamsinspace') } }) // 'simulated'
 */
export function guessOrigin(installation: Pick<Installation, 'clientKey' | 'principal'>): InstallationOrigin {
  const account = CLIENT_KEY_ACCOUNT.exec(installation.clientKey)?.[1];
  const principal = installation.principal;
  if (!account || !principal || principal.uuid !== account) return 'bitbucket';
  const name = principal.type === 'user' ? principal.nickname : principal.username;
  if (typeof name !== 'string' || name === '') return 'bitbucket';
  return fixtureUuid(`${principal.type === 'user' ? 'user' : 'workspace'}:${name}`) === account ? 'simulated' : 'bitbucket';
}
