import { LabError } from '../../src/errors.ts';

/**
 * The offline Bitbucket issued a token for a request that real Bitbucket refuses: the mock no
 * longer checks what the lesson teaches. A bug of the project, not of the learner.
 *
 * @example
 * throw new MistakeAcceptedError('the Bearer scheme instead of JWT')
 */
export class MistakeAcceptedError extends LabError {
  constructor(mistake: string) {
    super(
      'ERR_MOCK_ACCEPTED_MISTAKE',
      `The offline Bitbucket gave an access token for a request with ${mistake}, which Bitbucket refuses. ` +
        'The mock (mocks/token-endpoint.ts) has stopped checking it: run `npx vitest run mocks` and report the failure.',
      { lesson: 4 },
    );
  }
}
