import { describe, expect, it } from 'vitest';
import { describeStoreContract } from '../../test/support/store/contract.ts';
import { makeInstallation } from '../../test/support/store/installations.ts';
import { isLabError } from '../errors.ts';
import { createMemoryStore } from './memory.ts';

describeStoreContract('memory store', () => createMemoryStore());

describe('createMemoryStore(initial)', () => {
  it('starts with the given installations, as copies', async () => {
    const a = makeInstallation('a');
    const b = makeInstallation('b');
    const store = createMemoryStore([b, a]);
    a.sharedSecret = 'changed-after-create-0123456789';
    expect(await store.list()).toStrictEqual([makeInstallation('a'), b]);
  });

  it('applies save rules to the initial list: a repeated clientKey keeps the first installedAt', async () => {
    const first = makeInstallation('a');
    const second = makeInstallation('a', {
      sharedSecret: 'second-secret-0123456789',
      installedAt: '2030-01-01T00:00:00.000Z',
    });
    const store = createMemoryStore([first, second]);
    expect(await store.list()).toStrictEqual([{ ...second, installedAt: first.installedAt }]);
  });

  it('refuses an invalid initial installation with ERR_STORE_INVALID_INSTALLATION', () => {
    let caught: unknown;
    try {
      createMemoryStore([makeInstallation('a', { baseUrl: 'nope' })]);
    } catch (error) {
      caught = error;
    }
    expect(isLabError(caught, 'ERR_STORE_INVALID_INSTALLATION')).toBe(true);
  });
});
