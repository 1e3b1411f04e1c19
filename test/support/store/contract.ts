import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isLabError } from '../../../src/errors.ts';
import type { Installation, InstallationStore } from '../../../src/store/installation.ts';
import { rejection } from '../caught.ts';
import { makeInstallation, tombstoneOf } from './installations.ts';

/**
 * The behaviour every {@link InstallationStore} must have, as one suite run against each store,
 * so the memory store used in tests cannot drift from the SQLite store the app uses.
 *
 * @param open Returns a new, empty store each call.
 *
 * @example
 * describeStoreContract('memory store', () => createMemoryStore())
 */
export function describeStoreContract(name: string, open: () => InstallationStore): void {
  describe(`${name}: the InstallationStore contract`, () => {
    const opened: InstallationStore[] = [];
    function fresh(): InstallationStore {
      const store = open();
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it('returns undefined for an unknown clientKey', async () => {
      const store = fresh();
      expect(await store.get('ari:cloud:bitbucket::app/{nobody}/jwt-grant-tutorial')).toBeUndefined();
    });

    it('returns what was saved, field for field', async () => {
      const store = fresh();
      const installation = makeInstallation('a');
      await store.save(installation);
      expect(await store.get(installation.clientKey)).toStrictEqual(installation);
    });

    it('keeps an installation without scopes or principal as it was given', async () => {
      const store = fresh();
      const { scopes: _scopes, ...withoutScopes } = makeInstallation('b', { principal: undefined });
      await store.save(withoutScopes);
      const found = await store.get(withoutScopes.clientKey);
      expect(found).toStrictEqual({ ...withoutScopes, principal: undefined });
      expect(found && 'scopes' in found).toBe(false);
    });

    it('keeps only the known fields of what it is given', async () => {
      const store = fresh();
      const installation = makeInstallation('c');
      await store.save({ ...installation, eventType: 'installed', publicKey: 'MIIB' } as Installation);
      expect(await store.get(installation.clientKey)).toStrictEqual(installation);
    });

    it('on re-install, replaces every field but keeps the first installedAt', async () => {
      const store = fresh();
      const first = makeInstallation('d');
      await store.save(first);
      const again = makeInstallation('d', {
        sharedSecret: 'a-rotated-shared-secret-value',
        principal: { type: 'user', account_id: '557058:1' },
        scopes: ['account'],
        installedAt: '2024-06-01T00:00:00.000Z',
        updatedAt: '2024-06-01T00:00:00.000Z',
      });
      await store.save(again);
      expect(await store.get(first.clientKey)).toStrictEqual({ ...again, installedAt: first.installedAt });
      expect(await store.list()).toHaveLength(1);
    });

    it('lists every installation ordered by clientKey, in code point order', async () => {
      const store = fresh();
      // UTF-16 order would put the astral '\u{1F600}' before '\uFF5E'; code point (UTF-8 byte) order does not.
      const keys = ['b', 'B', 'a', '\uFF5E', '\u{1F600}', 'a:1', 'A'];
      for (const key of keys) await store.save(makeInstallation(key, { clientKey: key }));
      expect((await store.list()).map((i) => i.clientKey)).toStrictEqual(['A', 'B', 'a', 'a:1', 'b', '\uFF5E', '\u{1F600}']);
    });

    it('deletes: true when there was one, false after', async () => {
      const store = fresh();
      const [a, b] = [makeInstallation('a'), makeInstallation('b')];
      await store.save(a);
      await store.save(b);
      expect(await store.delete(a.clientKey)).toBe(true);
      expect(await store.delete(a.clientKey)).toBe(false);
      expect(await store.get(a.clientKey)).toBeUndefined();
      expect(await store.list()).toStrictEqual([b]);
    });

    it('hands out copies: mutating a result or the saved object changes nothing stored', async () => {
      const store = fresh();
      const installation = makeInstallation('e');
      await store.save(installation);
      installation.sharedSecret = 'changed-after-save-0123456789';
      installation.principal!.display_name = 'changed after save';
      installation.scopes!.push('webhook');

      const got = await store.get(installation.clientKey);
      got!.principal!.display_name = 'changed by a reader';
      got!.scopes!.push('email');
      const [listed] = await store.list();
      (listed!.principal!.links as { avatar: { href: string } }).avatar.href = 'changed';

      expect(await store.get(installation.clientKey)).toStrictEqual(makeInstallation('e'));
    });

    it('keeps one consistent row when the same clientKey is saved concurrently', async () => {
      const store = fresh();
      const versions = Array.from({ length: 20 }, (_, n) =>
        makeInstallation('f', { sharedSecret: `secret-number-${n}-0123456789`, scopes: [`s${n}`] }),
      );
      await Promise.all(versions.map((v) => store.save(v)));
      const list = await store.list();
      expect(list).toHaveLength(1);
      const n = Number(/secret-number-(\d+)-/.exec(list[0]!.sharedSecret)?.[1]);
      expect(list[0]).toStrictEqual(versions[n]);
    });

    it('create stores an unknown clientKey and answers true', async () => {
      const store = fresh();
      const installation = makeInstallation('j');
      expect(await store.create(installation)).toBe(true);
      expect(await store.get(installation.clientKey)).toStrictEqual(installation);
      expect(await store.list()).toStrictEqual([installation]);
    });

    it('create answers false for a known clientKey and changes nothing, field for field', async () => {
      const store = fresh();
      const first = makeInstallation('k');
      await store.save(first);
      const intruder = makeInstallation('k', {
        sharedSecret: 'an-intruders-shared-secret-0123456789',
        principal: { type: 'user', account_id: '557058:intruder' },
        scopes: ['webhook'],
        installedAt: '2024-07-01T00:00:00.000Z',
        updatedAt: '2024-07-01T00:00:00.000Z',
      });
      expect(await store.create(intruder)).toBe(false);
      expect(await store.get(first.clientKey)).toStrictEqual(first);
      expect(await store.create(first)).toBe(false);
      expect(await store.list()).toStrictEqual([first]);
    });

    it('create stores again once the installation was deleted', async () => {
      const store = fresh();
      const [before, after] = [makeInstallation('l'), makeInstallation('l', { sharedSecret: 'after-the-uninstall-0123456789' })];
      expect(await store.create(before)).toBe(true);
      expect(await store.delete(before.clientKey)).toBe(true);
      expect(await store.create(after)).toBe(true);
      expect(await store.get(after.clientKey)).toStrictEqual(after);
    });

    it('create keeps a copy: mutating the given object afterwards changes nothing stored', async () => {
      const store = fresh();
      const installation = makeInstallation('m');
      await store.create(installation);
      installation.sharedSecret = 'changed-after-create-0123456789';
      installation.principal!.display_name = 'changed after create';
      expect(await store.get(installation.clientKey)).toStrictEqual(makeInstallation('m'));
    });

    it('of many concurrent creates for one clientKey exactly one answers true, and its secret is stored', async () => {
      const store = fresh();
      const contenders = Array.from({ length: 20 }, (_, n) =>
        makeInstallation('n', { sharedSecret: `contender-${n}-0123456789`, scopes: [`s${n}`] }),
      );
      const answers = await Promise.all(contenders.map((c) => store.create(c)));
      expect(answers.filter(Boolean)).toHaveLength(1);
      const winner = contenders[answers.indexOf(true)]!;
      expect(await store.list()).toStrictEqual([winner]);
    });

    describe('refuses an invalid installation, storing nothing', () => {
      const secret = 'do-not-print-this-secret-value';
      const cyclic: Record<string, unknown> = { type: 'team' };
      cyclic.self = cyclic;
      const cases: [string, Partial<Installation> | Record<string, unknown>, string][] = [
        ['an empty sharedSecret', { sharedSecret: '' }, 'sharedSecret'],
        ['a baseUrl that is not a URL', { baseUrl: 'bitbucket.org' }, 'baseUrl'],
        ['a baseApiUrl that is not http(s)', { baseApiUrl: 'ftp://api.bitbucket.org' }, 'baseApiUrl'],
        ['an installedAt that is not ISO 8601', { installedAt: 'yesterday' }, 'installedAt'],
        ['a principal without type', { principal: { uuid: '{x}' } }, 'principal.type'],
        ['a principal with a cycle', { principal: cyclic }, 'principal'],
        ['a huge principal', { principal: { type: 'team', blob: 'x'.repeat(70_000) } }, 'principal'],
        ['too many scopes', { scopes: Array.from({ length: 65 }, (_, n) => `s${n}`) }, 'scopes'],
        ['a secret that is too long', { sharedSecret: secret.repeat(40) }, 'sharedSecret'],
        ['a clientKey with a lone surrogate', { clientKey: 'ari:\uD800' }, 'clientKey'],
        ['a missing key', { key: undefined }, 'key'],
        ['an unknown state', { state: 'suspended' }, 'state'],
        ['an unknown origin', { origin: 'elsewhere' }, 'origin'],
        ['an uninstall time on an active installation', { uninstalledAt: '2024-06-01T00:00:00.000Z' }, 'uninstalledAt'],
        ['a tombstone without its uninstall time', { state: 'uninstalled' }, 'uninstalledAt'],
        ['a tombstone that keeps its principal', { state: 'uninstalled', uninstalledAt: '2024-06-01T00:00:00.000Z', scopes: undefined }, 'principal'],
      ];
      for (const operation of ['save', 'create'] as const) {
        for (const [what, overrides, field] of cases) {
          it(`${operation}, ${what}: ERR_STORE_INVALID_INSTALLATION naming ${field}`, async () => {
            const store = fresh();
            const error = await rejection(
              store[operation]({ ...makeInstallation('g', { sharedSecret: secret }), ...overrides } as Installation),
            );
            expect(isLabError(error, 'ERR_STORE_INVALID_INSTALLATION')).toBe(true);
            expect((error as Error).message).toContain(`${field}:`);
            expect((error as Error).message).not.toContain(secret);
            expect(await store.list()).toStrictEqual([]);
          });
        }

        it(`${operation}, something that is not an object at all`, async () => {
          const store = fresh();
          const error = await rejection(store[operation](null as unknown as Installation));
          expect(isLabError(error, 'ERR_STORE_INVALID_INSTALLATION')).toBe(true);
        });
      }
    });

    it('close() is idempotent and every later call rejects with ERR_STORE_CLOSED', async () => {
      const store = fresh();
      const installation = makeInstallation('h');
      await store.save(installation);
      await store.close();
      await store.close();
      const calls: [string, () => Promise<unknown>][] = [
        ['get', () => store.get(installation.clientKey)],
        ['create', () => store.create(makeInstallation('i'))],
        ['save', () => store.save(installation)],
        ['delete', () => store.delete(installation.clientKey)],
        ['list', () => store.list()],
        ['replace', () => store.replace({ clientKey: installation.clientKey, sharedSecret: installation.sharedSecret, state: 'active' }, undefined)],
        ['deleteStalePending', () => store.deleteStalePending('2030-01-01T00:00:00.000Z')],
        ['listInvalid', () => store.listInvalid()],
        ['count', () => store.count()],
      ];
      for (const [operation, call] of calls) {
        const error = await rejection(call());
        expect(isLabError(error, 'ERR_STORE_CLOSED')).toBe(true);
        expect((error as Error).message).toContain(`${operation}()`);
      }
    });

    it('keeps state, origin and a tombstone\'s uninstall time, field for field', async () => {
      const store = fresh();
      const pending = makeInstallation('q', { state: 'pending', origin: 'simulated' });
      const tombstone = tombstoneOf(makeInstallation('r'));
      await store.save(pending);
      await store.save(tombstone);
      expect(await store.get(pending.clientKey)).toStrictEqual(pending);
      expect(await store.get(tombstone.clientKey)).toStrictEqual(tombstone);
    });

    it('count and list narrow by state and origin; count counts rows, list orders them by clientKey', async () => {
      const store = fresh();
      const rows = [
        makeInstallation('a', { state: 'pending', origin: 'simulated' }),
        makeInstallation('b'),
        makeInstallation('c', { origin: 'simulated' }),
        tombstoneOf(makeInstallation('d')),
        makeInstallation('e', { state: 'pending' }),
      ];
      for (const row of rows) await store.save(row);
      expect(await store.count()).toBe(5);
      expect(await store.count({ state: 'pending' })).toBe(2);
      expect(await store.count({ origin: 'simulated' })).toBe(2);
      expect(await store.count({ state: 'active', origin: 'simulated' })).toBe(1);
      expect(await store.count({ state: 'uninstalled', origin: 'simulated' })).toBe(0);
      expect((await store.list({ state: 'pending' })).map((i) => i.clientKey)).toStrictEqual([rows[0]!.clientKey, rows[4]!.clientKey]);
      expect(await store.list({ origin: 'simulated', state: 'active' })).toStrictEqual([rows[2]]);
      expect(await store.listInvalid()).toStrictEqual([]);
    });

    describe('create with maxPending', () => {
      it('refuses a pending installation beyond the bound with ERR_PENDING_LIMIT, storing nothing', async () => {
        const store = fresh();
        await store.create(makeInstallation('p1', { state: 'pending' }), { maxPending: 2 });
        await store.create(makeInstallation('p2', { state: 'pending' }), { maxPending: 2 });
        const error = await rejection(store.create(makeInstallation('p3', { state: 'pending' }), { maxPending: 2 }));
        expect(isLabError(error, 'ERR_PENDING_LIMIT')).toBe(true);
        expect(await store.get(makeInstallation('p3').clientKey)).toBeUndefined();
        expect(await store.count({ state: 'pending' })).toBe(2);
      });

      it('counts pending rows only: active ones and tombstones never fill it, and it never bounds them', async () => {
        const store = fresh();
        await store.save(makeInstallation('a1'));
        await store.save(tombstoneOf(makeInstallation('t1')));
        await store.create(makeInstallation('p1', { state: 'pending' }), { maxPending: 1 });
        expect(await store.create(makeInstallation('a2'), { maxPending: 1 }), 'an active first install is not bounded').toBe(true);
        expect(await store.count()).toBe(4);
      });

      it('answers false for a taken clientKey, even when the bound is reached', async () => {
        const store = fresh();
        const pending = makeInstallation('p1', { state: 'pending' });
        await store.create(pending, { maxPending: 1 });
        expect(await store.create(makeInstallation('p1', { state: 'pending', sharedSecret: 'another-secret-0123456789' }), { maxPending: 1 })).toBe(false);
        expect(await store.get(pending.clientKey)).toStrictEqual(pending);
      });

      it('of many concurrent pending creates, never stores more than the bound', async () => {
        const store = fresh();
        const results = await Promise.allSettled(
          Array.from({ length: 30 }, (_, n) => store.create(makeInstallation(`flood-${n}`, { state: 'pending' }), { maxPending: 5 })),
        );
        expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(5);
        for (const result of results) if (result.status === 'rejected') expect(isLabError(result.reason, 'ERR_PENDING_LIMIT')).toBe(true);
        expect(await store.count({ state: 'pending' })).toBe(5);
      });
    });

    describe('replace (compare-and-set)', () => {
      const expectedOf = (i: Installation) => ({ clientKey: i.clientKey, sharedSecret: i.sharedSecret, state: i.state });

      it('replaces the row it expects, storing the next one as given (installedAt too)', async () => {
        const store = fresh();
        const pending = makeInstallation('s', { state: 'pending' });
        await store.save(pending);
        const active = makeInstallation('s', { state: 'active', installedAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' });
        expect(await store.replace(expectedOf(pending), active)).toBe(true);
        expect(await store.get(pending.clientKey)).toStrictEqual(active);
      });

      it('changes nothing when the stored secret, the state or the row itself is not what it expects', async () => {
        const store = fresh();
        const stored = makeInstallation('s');
        await store.save(stored);
        const next = tombstoneOf(stored);
        expect(await store.replace({ ...expectedOf(stored), sharedSecret: 'an-older-secret-0123456789' }, next)).toBe(false);
        expect(await store.replace({ ...expectedOf(stored), state: 'pending' }, next)).toBe(false);
        expect(await store.replace({ ...expectedOf(stored), sharedSecret: 'an-older-secret-0123456789' }, undefined)).toBe(false);
        expect(await store.get(stored.clientKey)).toStrictEqual(stored);
        const absent = makeInstallation('absent');
        expect(await store.replace(expectedOf(absent), absent)).toBe(false);
        expect(await store.get(absent.clientKey)).toBeUndefined();
      });

      it('deletes the row it expects when next is undefined', async () => {
        const store = fresh();
        const pending = makeInstallation('s', { state: 'pending' });
        await store.save(pending);
        expect(await store.replace(expectedOf(pending), undefined)).toBe(true);
        expect(await store.get(pending.clientKey)).toBeUndefined();
        expect(await store.replace(expectedOf(pending), undefined)).toBe(false);
      });

      it('refuses a next installation with another clientKey, or an invalid one, changing nothing', async () => {
        const store = fresh();
        const stored = makeInstallation('s');
        await store.save(stored);
        const other = await rejection(store.replace(expectedOf(stored), makeInstallation('t')));
        expect(isLabError(other, 'ERR_STORE_INVALID_INSTALLATION')).toBe(true);
        const invalid = await rejection(store.replace(expectedOf(stored), { ...stored, sharedSecret: '' }));
        expect(isLabError(invalid, 'ERR_STORE_INVALID_INSTALLATION')).toBe(true);
        expect(await store.list()).toStrictEqual([stored]);
      });

      it('of concurrent replaces from the same expectation, exactly one wins', async () => {
        const store = fresh();
        const stored = makeInstallation('s');
        await store.save(stored);
        const contenders = Array.from({ length: 20 }, (_, n) => makeInstallation('s', { sharedSecret: `rotated-${n}-0123456789` }));
        const answers = await Promise.all(contenders.map((next) => store.replace(expectedOf(stored), next)));
        expect(answers.filter(Boolean)).toHaveLength(1);
        expect(await store.get(stored.clientKey)).toStrictEqual(contenders[answers.indexOf(true)]);
      });
    });

    describe('deleteStalePending', () => {
      it('deletes pending rows updated before the time given, and nothing else', async () => {
        const store = fresh();
        const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();
        const rows = [
          makeInstallation('old-pending', { state: 'pending', updatedAt: at(0) }),
          makeInstallation('new-pending', { state: 'pending', updatedAt: at(10) }),
          makeInstallation('old-active', { updatedAt: at(0) }),
          tombstoneOf(makeInstallation('old-tombstone'), at(0)),
        ];
        for (const row of rows) await store.save(row);
        expect(await store.deleteStalePending(at(5))).toBe(1);
        expect((await store.list()).map((i) => i.clientKey).sort()).toStrictEqual(rows.slice(1).map((i) => i.clientKey).sort());
        expect(await store.deleteStalePending(at(5))).toBe(0);
      });

      it('refuses a time that is not one, with ERR_STORE_OPTIONS', async () => {
        const store = fresh();
        expect(isLabError(await rejection(store.deleteStalePending('five minutes ago')), 'ERR_STORE_OPTIONS')).toBe(true);
      });
    });

    it('behaves like a map under any sequence of creates, saves and deletes', async () => {
      const operation = fc.oneof(
        fc.record({ op: fc.constantFrom('save' as const, 'create' as const), id: fc.integer({ min: 0, max: 5 }), n: fc.nat(99) }),
        fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 5 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { maxLength: 25 }), async (operations) => {
          const store = open();
          try {
            const model = new Map<string, Installation>();
            for (const step of operations) {
              const id = `p${step.id}`;
              const clientKey = makeInstallation(id).clientKey;
              if (step.op === 'delete') {
                expect(await store.delete(clientKey)).toBe(model.delete(clientKey));
                continue;
              }
              const time = new Date(Date.UTC(2025, 0, 1, 0, 0, step.n)).toISOString();
              const next = makeInstallation(id, { sharedSecret: `secret-${step.n}-0123456789`, installedAt: time, updatedAt: time });
              const existing = model.get(clientKey);
              if (step.op === 'create') {
                expect(await store.create(next)).toBe(!existing);
                if (!existing) model.set(clientKey, next);
                continue;
              }
              model.set(clientKey, existing ? { ...next, installedAt: existing.installedAt } : next);
              await store.save(next);
            }
            const expected = [...model.values()].sort((a, b) => (a.clientKey < b.clientKey ? -1 : 1));
            expect(await store.list()).toStrictEqual(expected);
          } finally {
            await store.close();
          }
        }),
        { numRuns: 40 },
      );
    });
  });
}
