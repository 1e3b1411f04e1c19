import { LabError } from '../../src/errors.ts';

/**
 * The offline Bitbucket let a repository-restricted token do something real Bitbucket refuses
 * (see another repository, or the workspace): the mock no longer enforces `bitbucket_repository`.
 * A bug of the project, not of the learner.
 *
 * @example
 * throw new RestrictionNotEnforcedError('read the repository teamsinspace/docs')
 */
export class RestrictionNotEnforcedError extends LabError {
  constructor(what: string) {
    super(
      'ERR_MOCK_RESTRICTION_IGNORED',
      `The offline Bitbucket let a token restricted to one repository ${what}, which Bitbucket refuses. ` +
        'The mock (mocks/rest-api.ts) has stopped enforcing bitbucket_repository: run `npx vitest run mocks` and report the failure.',
      { lesson: 5 },
    );
  }
}
