import type { Installation } from '../installation.ts';

/**
 * A valid installation for tests, shaped like a real `installed` payload (docs/protocol.md §6), unique
 * per `id`. The secret is long enough for redaction (`redactText`) to recognise it.
 *
 * @example
 * await store.save(makeInstallation('a', { sharedSecret: 'rotated-secret-value' }))
 */
export function makeInstallation(id: string, overrides: Partial<Installation> = {}): Installation {
  return {
    clientKey: `ari:cloud:bitbucket::app/{${id}}/jwt-grant-tutorial`,
    key: 'jwt-grant-tutorial',
    sharedSecret: `shared-secret-for-${id}-0123456789`,
    baseUrl: 'https://bitbucket.org',
    baseApiUrl: 'https://api.bitbucket.org',
    productType: 'bitbucket',
    principal: {
      type: 'team',
      uuid: `{${id}}`,
      username: `workspace-${id}`,
      display_name: `Workspace ${id}`,
      links: { avatar: { href: `https://bitbucket.org/account/workspace-${id}/avatar/` } },
    },
    scopes: ['account', 'repository'],
    installedAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:00:00.000Z',
    ...overrides,
  };
}

/**
 * Version `n` of installation `id` as written by `writer`: every field carries both, so a row
 * mixing two writes (a torn update) is easy to spot with {@link isConsistentVariant}.
 *
 * @example
 * await store.save(makeVariant('shared', 'parent', 7))
 */
export function makeVariant(id: string, writer: string, n: number): Installation {
  return makeInstallation(id, {
    key: `app-${writer}`,
    sharedSecret: `secret-${writer}-${n}-0123456789`,
    baseUrl: `https://${writer}.example/${n}`,
    baseApiUrl: `https://api.${writer}.example/${n}`,
    principal: { type: 'team', display_name: `${writer} ${n}` },
    scopes: [`${writer}:${n}`],
    installedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)).toISOString(),
    updatedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)).toISOString(),
  });
}

/**
 * True when every field of `installation` comes from one and the same {@link makeVariant} call
 * (`installedAt` aside: the store keeps the first one).
 *
 * @example
 * expect(isConsistentVariant(await store.get(clientKey))).toBe(true)
 */
export function isConsistentVariant(installation: Installation): boolean {
  const match = /^secret-(.+)-(\d+)-0123456789$/.exec(installation.sharedSecret);
  if (!match) return false;
  const expected = makeVariant('x', match[1]!, Number(match[2]));
  return (
    installation.key === expected.key &&
    installation.baseUrl === expected.baseUrl &&
    installation.baseApiUrl === expected.baseApiUrl &&
    installation.principal?.display_name === expected.principal?.display_name &&
    installation.scopes?.join() === expected.scopes?.join() &&
    installation.updatedAt === expected.updatedAt
  );
}
