import { describe, expect, it } from 'vitest';
import { buildDescriptor } from '../../src/connect/descriptor.ts';
import { installationFromPayload, installedPayload } from '../fixtures/lifecycle.ts';
import { createAppRegistry, type InstalledApp } from './registry.ts';

function installed(appKey: string) {
  const payload = installedPayload({ appKey, sharedSecret: `secret-of-${appKey}-0123456789` });
  const installation = installationFromPayload(payload, { scopes: ['account', 'repository'] });
  const app: InstalledApp = {
    clientKey: payload.clientKey,
    appKey,
    descriptor: buildDescriptor({ appKey, baseUrl: 'http://127.0.0.1:3000' }),
    descriptorUrl: 'http://127.0.0.1:3000/atlassian-connect.json',
    appUrl: 'http://127.0.0.1:3000',
    payload,
    installedAt: '2025-01-01T00:00:00.000Z',
  };
  return { app, installation };
}

describe('createAppRegistry', () => {
  it("keeps each app and Bitbucket's record of its installation", async () => {
    const registry = createAppRegistry();
    const { app, installation } = installed('app-one');
    await registry.add(app, installation);
    expect(registry.get(app.clientKey)?.appKey).toBe('app-one');
    expect((await registry.installations.get(app.clientKey))?.sharedSecret).toBe('secret-of-app-one-0123456789');
    expect(registry.list().map((a) => a.appKey)).toEqual(['app-one']);
  });

  it('hands out copies', async () => {
    const registry = createAppRegistry();
    const { app, installation } = installed('app-one');
    await registry.add(app, installation);
    const copy = registry.get(app.clientKey);
    if (copy) copy.appUrl = 'http://changed';
    expect(registry.get(app.clientKey)?.appUrl).toBe('http://127.0.0.1:3000');
  });

  it('lists the latest install last, and forgets a removed app and its installation', async () => {
    const registry = createAppRegistry();
    const one = installed('app-one');
    const two = installed('app-two');
    await registry.add(one.app, one.installation);
    await registry.add(two.app, two.installation);
    await registry.add(one.app, one.installation);
    expect(registry.list().map((a) => a.appKey)).toEqual(['app-two', 'app-one']);
    expect(await registry.remove(one.app.clientKey)).toBe(true);
    expect(await registry.remove(one.app.clientKey)).toBe(false);
    expect(await registry.installations.get(one.app.clientKey)).toBeUndefined();
    expect(registry.list().map((a) => a.appKey)).toEqual(['app-two']);
  });

  it('refuses an app whose clientKey is not its installation’s, and more apps than the bound', async () => {
    const registry = createAppRegistry({ maxApps: 1 });
    const one = installed('app-one');
    const two = installed('app-two');
    await expect(registry.add(one.app, two.installation)).rejects.toMatchObject({ code: 'ERR_FAKE_OPTIONS' });
    await registry.add(one.app, one.installation);
    await expect(registry.add(two.app, two.installation)).rejects.toMatchObject({ code: 'ERR_FAKE_OPTIONS', message: expect.stringContaining('at most 1') });
    // Updating an installed app is not a new one.
    await registry.add(one.app, one.installation);
    expect(registry.list()).toHaveLength(1);
  });
});
