import { describe, it } from 'vitest';
import { createBitbucketMock } from '../../../../mocks/bitbucket.ts';
import { createMemoryStore } from '../../../../src/store/memory.ts';
import { createMockFetch } from '../../../runner/mock-fetch.ts';
import { expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { fillPlaceholders, parseHttpFile } from '../../../runner/practice/http-file.ts';
import { BITBUCKET_URL, fixtureInstallation, NOW, tokenEndpointJwt } from '../offline-bitbucket.ts';
import requests from './token-requests.http?raw';

/** Known to the offline Bitbucket. */
const installation = fixtureInstallation('practice-http-secret-0123456789-abcdefghijklm');
const mock = createBitbucketMock({ installations: createMemoryStore([installation]), now: () => NOW });
/** Bitbucket's origins answered by the mock in this process; anything else is refused. */
const send = createMockFetch({ baseUrls: [BITBUCKET_URL, 'https://api.bitbucket.org'], handlers: async () => mock.handlers, passthrough: fetch });

/** Sends request `n` of the file (1-based) as written, with a fresh JWT; a refusal fails the rule with the mock's answer. */
async function sendRequest(n: number): Promise<Record<string, unknown>> {
  const request = parseHttpFile(requests)[n - 1];
  if (!request) return failRule(`request ${n} in token-requests.http`, `the file has ${parseHttpFile(requests).length} requests`);
  const values = { jwt: await tokenEndpointJwt(installation) };
  const call = `request ${n} (line ${request.line}): ${request.method} ${request.url}`;
  let response: Response;
  try {
    response = await send(fillPlaceholders(request.url, values), {
      method: request.method,
      headers: request.headers.map(([name, value]): [string, string] => [name, fillPlaceholders(value, values)]),
      body: request.method === 'GET' ? undefined : fillPlaceholders(request.body, values),
    });
  } catch (error) {
    return failRule('200 with an access token', `not answered: ${(error as Error).message}`, call);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200) failRule('200 with an access token', `${response.status} ${String(body.error ?? '')}: ${String(body.error_description ?? '')}`, call);
  return body;
}

describe('fix-http', () => {
  it('1. request 1: the JWT travels with the scheme JWT', async () => {
    await sendRequest(1);
  });

  it('2. request 2: the body is a form, not JSON', async () => {
    await sendRequest(2);
  });

  it("3. request 3: the grant type is Bitbucket's own", async () => {
    await sendRequest(3);
  });

  it("4. request 4: scope names are Bitbucket's", async () => {
    const body = await sendRequest(4);
    expectRule(body.scopes, 'repository', 'request 4: the scopes of the token the mock issued');
  });

  it('5. request 5: bitbucket_repository is the repository UUID', async () => {
    const body = await sendRequest(5);
    expectRule(mock.state.tokens.get(String(body.access_token))?.repository, '{65fa11c2-8dfe-43d2-ac01-01c3c8ed00f1}', 'request 5: the repository the token is for');
  });

  it('6. request 6: the token endpoint is /site/oauth2/access_token', async () => {
    await sendRequest(6);
  });
});
