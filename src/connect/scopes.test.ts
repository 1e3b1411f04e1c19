import { describe, expect, it } from 'vitest';
import { KNOWN_SCOPES, missingContextScopes, suggestScope } from './scopes.ts';

describe('KNOWN_SCOPES', () => {
  it('is the list of docs/protocol.md section 7, and cannot be changed at run time', () => {
    expect(KNOWN_SCOPES).toEqual(
      'account account:write repository repository:write repository:admin repository:delete pullrequest pullrequest:write issue issue:write wiki webhook snippet snippet:write email project project:admin pipeline pipeline:write pipeline:variable runner runner:write'.split(
        ' ',
      ),
    );
    expect(Object.isFrozen(KNOWN_SCOPES)).toBe(true);
  });
});

describe('suggestScope', () => {
  it.each([
    ['repositories', 'repository'],
    ['Repository', 'repository'],
    ['pull_request', 'pullrequest'],
    ['pullrequests:write', 'pullrequest:write'],
    ['repo', 'repository'],
    ['acount', 'account'],
    ['read:repository:bitbucket', 'repository'],
    ['write:pullrequest:bitbucket', 'pullrequest:write'],
    ['admin:project:bitbucket', 'project:admin'],
  ])('%s -> %s', (typo, expected) => {
    expect(suggestScope(typo)).toBe(expected);
  });

  it.each(['banana', 'x', 'admin', 'write:everything:bitbucket'])('has no suggestion for %j', (name) => {
    expect(suggestScope(name)).toBeUndefined();
  });
});

describe('missingContextScopes', () => {
  it('names each context parameter whose scope is not declared', () => {
    expect(missingContextScopes('/p?r={repository.uuid}&u={user.uuid}&pr={pullrequest.id}', ['account'])).toEqual([
      { parameter: 'repository.uuid', scope: 'repository' },
      { parameter: 'pullrequest.id', scope: 'pullrequest' },
    ]);
  });

  it('accepts scopes that grant the needed one', () => {
    expect(missingContextScopes('/p?r={repository.uuid}', ['repository'])).toEqual([]);
    expect(missingContextScopes('/p?r={repository.uuid}', ['repository:write'])).toEqual([]);
    expect(missingContextScopes('/p?r={repository.uuid}', ['pullrequest'])).toEqual([]);
    expect(missingContextScopes('/p?w={workspace.slug}', ['account:write'])).toEqual([]);
  });

  it('ignores parameters it does not know, and plain URLs', () => {
    expect(missingContextScopes('/p?x={constructor.name}&y={something}', [])).toEqual([]);
    expect(missingContextScopes('/oauth-callback', [])).toEqual([]);
  });
});
