import { describe, expect, it } from 'vitest';
import type { Principal } from './installation.ts';
import { fixtureUuid, guessOrigin } from './simulated-accounts.ts';

const appKey = 'jwt-grant-tutorial';
const clientKeyOf = (uuid: string) => `ari:cloud:bitbucket::app/${uuid}/${appKey}`;
/** How the simulated Bitbucket's fixtures name their accounts (mocks/fixtures/accounts.ts). */
const teamsInSpace = fixtureUuid('workspace:teamsinspace');
const simulated = {
  clientKey: clientKeyOf(teamsInSpace),
  principal: { type: 'team', uuid: teamsInSpace, username: 'teamsinspace', display_name: 'Teams in Space' } as Principal,
};
/** What real Bitbucket posts: the same names, a random UUID. */
const realUuid = '{6ae3c307-ae59-4135-9c72-bdd06eb2010a}';

describe('fixtureUuid', () => {
  it('derives the same version-4-shaped UUID, in braces, from the same seed', () => {
    expect(fixtureUuid('workspace:teamsinspace')).toBe(teamsInSpace);
    expect(teamsInSpace).toMatch(/^\{[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\}$/);
    expect(fixtureUuid('workspace:other')).not.toBe(teamsInSpace);
  });
});

describe('guessOrigin (rows stored before the store recorded origin)', () => {
  it('recognises what the simulated Bitbucket installed: a workspace or a user whose UUID derives from its name', () => {
    expect(guessOrigin(simulated)).toBe('simulated');
    const user = fixtureUuid('user:ada');
    expect(guessOrigin({ clientKey: clientKeyOf(user), principal: { type: 'user', uuid: user, nickname: 'ada' } })).toBe('simulated');
  });

  it('takes an installation with a real (random) UUID for a real one, even in a workspace with a fixture\'s name', () => {
    expect(guessOrigin({ clientKey: clientKeyOf(realUuid), principal: { ...simulated.principal!, uuid: realUuid } })).toBe('bitbucket');
  });

  it('answers bitbucket when in doubt: no principal, a principal of another account, no name, an unusual clientKey', () => {
    expect(guessOrigin({ ...simulated, principal: undefined })).toBe('bitbucket');
    expect(guessOrigin({ ...simulated, principal: { ...simulated.principal!, uuid: realUuid } })).toBe('bitbucket');
    expect(guessOrigin({ ...simulated, principal: { type: 'team', uuid: teamsInSpace } }), 'no name to derive the UUID from').toBe('bitbucket');
    expect(guessOrigin({ ...simulated, clientKey: 'some-other-client-key' })).toBe('bitbucket');
  });
});
