import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { startOfflineApi, type OfflineApi } from '../offline-api.ts';
import { refreshOnce } from './refresh-once.ts';

/** A token provider as the lab's cache is one: token-1, a new token after each refresh; its calls recorded. */
function provider() {
  const calls: string[] = [];
  let current = 1;
  const token = async (o?: { refresh?: boolean }) => {
    calls.push(o?.refresh ? 'token({ refresh: true })' : 'token()');
    if (o?.refresh) current += 1;
    return `token-${current}`;
  };
  return { token, calls };
}

/** An API answering each call with the next of `statuses` (the last one repeats); the token of each call recorded. */
function api(...statuses: number[]) {
  const sent: string[] = [];
  const send = async (accessToken: string) => {
    sent.push(accessToken);
    return { status: statuses[Math.min(sent.length, statuses.length) - 1] ?? 500 };
  };
  return { send, sent };
}

const TOKEN = 'token-endpoint';
const WORKSPACE = 'workspace';

describe('refresh-once', () => {
  let offline: OfflineApi;
  beforeAll(() => {
    offline = startOfflineApi('practice-refresh-secret-0123456789-abcdefghij', 'expired-token');
  });
  afterAll(() => offline.stop());

  it("1. the call carries the provider's token", async () => {
    const { token } = provider();
    const { send, sent } = api(200);
    const answer = await refreshOnce(token, send);
    expectRule({ sent, status: answer.status }, { sent: ['token-1'], status: 200 }, 'an API that answers 200: the tokens sent, the answer returned');
  });

  it('2. any answer but a 401 is returned as it is: a new token would not change it', async () => {
    for (const status of [403, 404, 429, 500]) {
      const { token, calls } = provider();
      const { send, sent } = api(status);
      const answer = await refreshOnce(token, send);
      expectRule({ calls, sent, status: answer.status }, { calls: ['token()'], sent: ['token-1'], status }, `an API that answers ${status}`);
    }
  });

  it('3. after a 401, a fresh token is asked for: token({ refresh: true })', async () => {
    const { token, calls } = provider();
    await refreshOnce(token, api(401, 200).send);
    expectRule(calls, ['token()', 'token({ refresh: true })'], 'the token provider\'s calls, when the first answer is 401 (the cache would hand back the refused token to a plain token())');
  });

  it('4. the call is made again, with the fresh token', async () => {
    const { token } = provider();
    const { send, sent } = api(401, 200);
    const answer = await refreshOnce(token, send);
    expectRule({ sent, status: answer.status }, { sent: ['token-1', 'token-2'], status: 200 }, 'an API that answers 401, then 200');
  });

  it('5. only once: a second 401 is the answer (ERR_API_UNAUTHORIZED for the client)', async () => {
    const { token } = provider();
    const { send, sent } = api(401, 401, 200);
    let answer: { status: number } | undefined;
    try {
      answer = await refreshOnce(token, send);
    } catch (error) {
      failRule('the second 401, returned', `threw ${(error as Error).message.split('\n')[0]}`, 'an API that answers 401, 401, then 200');
    }
    expectRule({ sent, status: answer?.status }, { sent: ['token-1', 'token-2'], status: 401 }, 'an API that answers 401, 401, then 200: the tokens sent, the answer returned');
  });

  it("6. the lab's client with your refreshOnce gets past the offline Bitbucket's expired token", async () => {
    const before = offline.answered().length;
    await offline.getWorkspace({ refreshOnce }, 'the workspace, after one fresh token');
    const exchange = 'POST /site/oauth2/access_token → 200';
    expectRule(
      offline.answered().slice(before).map((line) => line.replace('GET /2.0/workspaces/{workspace}', WORKSPACE).replace(exchange, TOKEN)),
      [TOKEN, `${WORKSPACE} → 401`, TOKEN, `${WORKSPACE} → 200`],
      'what the offline Bitbucket answered: an exchange, the call (its token expired), a new exchange, the call again',
    );
  });
});
