import { describe, it } from 'vitest';
import { createBitbucketMock } from '../../../../mocks/bitbucket.ts';
import { tokenRequest } from '../../../../src/oauth/token-request.ts';
import { createMemoryStore } from '../../../../src/store/memory.ts';
import { createMockFetch } from '../../../runner/mock-fetch.ts';
import { failRule } from '../../../runner/practice/expect-rule.ts';
import { BITBUCKET_URL, fixtureInstallation, NOW, tokenEndpointJwt } from '../offline-bitbucket.ts';
import { predictions, type Answer, type Case } from './predictions.ts';

/** Known to the offline Bitbucket. */
const installation = fixtureInstallation('practice-predict-secret-0123456789-abcdefghij');
const mock = createBitbucketMock({ installations: createMemoryStore([installation]), now: () => NOW });
const send = createMockFetch({ baseUrls: [BITBUCKET_URL], handlers: async () => mock.handlers, passthrough: fetch });

/** What the offline Bitbucket answers to one of lesson 4's requests. */
async function mockAnswer(which: Case): Promise<Answer> {
  const request = tokenRequest({
    bitbucketUrl: BITBUCKET_URL,
    jwt: await tokenEndpointJwt(installation, which === 'expired' ? { now: NOW - 10 * 60_000 } : which === 'wrongSecret' ? { sharedSecret: 'stale-secret-from-before-the-last-reinstall-0000' } : {}),
  });
  const headers = new Headers(request.headers);
  if (which === 'bearer') headers.set('authorization', (headers.get('authorization') ?? '').replace(/^JWT /, 'Bearer '));
  const response = await send(request.url, { method: request.method, headers, body: which === 'noGrantType' ? '' : request.body });
  const body = (await response.json()) as { error?: unknown };
  return { status: response.status, error: typeof body.error === 'string' ? body.error : '' };
}

/** Your prediction against the mock's answer; `unsettled` when the mock's answer is its own choice. */
async function expectPredicted(which: Case, unsettled = false): Promise<void> {
  const answer = await mockAnswer(which);
  const predicted = predictions[which];
  if (predicted.status === answer.status && predicted.error === answer.error) return;
  const shown = (a: Answer) => `${a.status}${a.error ? ` ${a.error}` : ''}`;
  failRule(
    `${shown(answer)} (the offline Bitbucket${unsettled ? ': its own choice, real Bitbucket\'s answer is unsettled' : ''})`,
    `${shown(predicted)} (your prediction)`,
    `predictions.${which}`,
  );
}

describe('predict-answers', () => {
  it('1. a correct request gets a token', async () => {
    await expectPredicted('correct');
  });

  it('2. the Bearer scheme', async () => {
    await expectPredicted('bearer');
  });

  it('3. an expired JWT (unsettled)', async () => {
    await expectPredicted('expired', true);
  });

  it('4. a JWT signed with another secret (unsettled)', async () => {
    await expectPredicted('wrongSecret', true);
  });

  it('5. no grant_type', async () => {
    await expectPredicted('noGrantType');
  });
});
