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

/**
 * The offline Bitbucket refused a call without credentials, where real Bitbucket answers 200 with
 * public data (docs/protocol.md section 8): the mock no longer treats such calls as anonymous. A bug of
 * the project, not of the learner.
 *
 * @example
 * throw new AnonymousAccessRefusedError([401, 401])
 */
export class AnonymousAccessRefusedError extends LabError {
  constructor(statuses: number[]) {
    super(
      'ERR_MOCK_ANONYMOUS_REFUSED',
      `The offline Bitbucket answered calls without credentials with ${statuses.join(' and ')}; Bitbucket answers them with 200 ` +
        'and public data only. The mock (mocks/api-auth.ts) has stopped treating them as anonymous: run `npx vitest run mocks` and report the failure.',
      { lesson: 5 },
    );
  }
}
