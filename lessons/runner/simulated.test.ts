import { describe, expect, it } from 'vitest';
import type { Installation } from '../../src/store/installation.ts';
import { PERSONAL_USER, userAccount } from '../../mocks/fixtures/accounts.ts';
import { fixtureUuid } from '../../mocks/fixtures/ids.ts';
import { clientKeyFor, installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { isSimulatedInstallation } from './simulated.ts';

const appKey = 'jwt-grant-tutorial';
const simulated = installationFromPayload(installedPayload({ appKey, sharedSecret: 'simulated-shared-secret-0123456789' }));
/** What real Bitbucket posts: the same names, a random UUID. */
const realUuid = '{6ae3c307-ae59-4135-9c72-bdd06eb2010a}';
const real: Installation = {
  ...simulated,
  clientKey: clientKeyFor(realUuid, appKey),
  principal: { ...simulated.principal!, uuid: realUuid },
};

describe('isSimulatedInstallation', () => {
  it('recognises what the simulated Bitbucket installed: Teams in Space, and lesson 2\'s throw-away workspace', () => {
    expect(isSimulatedInstallation(simulated)).toBe(true);
    const throwaway = { slug: 'throwaway-sandbox', name: 'Throw-away Sandbox', uuid: fixtureUuid('workspace:throwaway-sandbox'), createdOn: '2024-05-02T08:00:00.000000+00:00' };
    expect(isSimulatedInstallation(installationFromPayload(installedPayload({ appKey, sharedSecret: 'x'.repeat(32), workspace: throwaway })))).toBe(true);
  });

  it('recognises a fixture user account too', () => {
    expect(isSimulatedInstallation({ clientKey: clientKeyFor(PERSONAL_USER.uuid, appKey), principal: userAccount(PERSONAL_USER) })).toBe(true);
  });

  it('takes an installation with a real (random) UUID for a real one, even in a workspace with a fixture\'s name', () => {
    expect(real.principal?.username).toBe('teamsinspace');
    expect(isSimulatedInstallation(real)).toBe(false);
  });

  it('keeps, when in doubt: no principal, a principal of another account, an unusual clientKey', () => {
    expect(isSimulatedInstallation({ ...simulated, principal: undefined })).toBe(false);
    expect(isSimulatedInstallation({ ...simulated, principal: { ...simulated.principal!, uuid: realUuid } })).toBe(false);
    expect(isSimulatedInstallation({ ...simulated, principal: { type: 'team', uuid: simulated.principal!.uuid } }), 'no name to derive the UUID from').toBe(false);
    expect(isSimulatedInstallation({ ...simulated, clientKey: 'some-other-client-key' })).toBe(false);
  });
});
