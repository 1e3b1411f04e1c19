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
  it("keeps each app for the pages, and Bitbucket's record of its installation for the mock", async () => {
    const registry = createAppRegistry();
    const { app, installation } = installed('app-one');
    await registry.bitbucket.register(installation);
    registry.add(app);
    expect(registry.get(app.clientKey)?.appKey).toBe('app-one');
    expect((await registry.installations.get(app.clientKey))?.sharedSecret).toBe('secret-of-app-one-0123456789');
    expect(registry.list().map((a) => a.appKey)).toEqual(['app-one']);
  });

  it('hands out copies', () => {
    const registry = createAppRegistry();
    const { app } = installed('app-one');
    registry.add(app);
    const copy = registry.get(app.clientKey);
    if (copy) copy.appUrl = 'http://changed';
    expect(registry.get(app.clientKey)?.appUrl).toBe('http://127.0.0.1:3000');
  });

  it('lists the latest install last, and forgets a removed app', () => {
    const registry = createAppRegistry();
    const one = installed('app-one');
    const two = installed('app-two');
    registry.add(one.app);
    registry.add(two.app);
    registry.add(one.app);
    expect(registry.list().map((a) => a.appKey)).toEqual(['app-two', 'app-one']);
    expect(registry.remove(one.app.clientKey)).toBe(true);
    expect(registry.remove(one.app.clientKey)).toBe(false);
    expect(registry.list().map((a) => a.appKey)).toEqual(['app-two']);
  });

  it('an uninstalled record keeps its last secret, and the mock no longer answers for it', async () => {
    const registry = createAppRegistry();
    const { installation } = installed('app-one');
    await registry.bitbucket.register(installation);
    expect(await registry.bitbucket.markUninstalled(installation.clientKey, '2025-02-01T00:00:00.000Z')).toBe(true);
    expect(await registry.installations.get(installation.clientKey)).toBeUndefined();
    expect(await registry.bitbucket.record(installation.clientKey)).toMatchObject({ state: 'uninstalled', sharedSecret: installation.sharedSecret });
  });

  it('refuses more apps than the bound; updating an installed app is not a new one', () => {
    const registry = createAppRegistry({ maxApps: 1 });
    const one = installed('app-one');
    const two = installed('app-two');
    registry.add(one.app);
    expect(() => registry.checkRoom(two.app.clientKey)).toThrow(expect.objectContaining({ code: 'ERR_FAKE_OPTIONS', message: expect.stringContaining('at most 1') }));
    expect(() => registry.add(two.app)).toThrow(expect.objectContaining({ code: 'ERR_FAKE_OPTIONS' }));
    registry.checkRoom(one.app.clientKey);
    registry.add(one.app);
    expect(registry.list()).toHaveLength(1);
  });
});
