import { afterAll, beforeAll, describe, it } from 'vitest';
import { repositoryFixtures } from '../../../../mocks/fixtures/repositories.ts';
import { startMockServer, type MockServer } from '../../../../mocks/server.ts';
import { createMemoryStore } from '../../../../src/store/memory.ts';
import { expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { BITBUCKET_URL, fixtureInstallation, NOW, tokenEndpointJwt } from '../offline-bitbucket.ts';
import { tokenRequest } from './token-request.ts';

/** Known to the mock, which plays Bitbucket. */
const installation = fixtureInstallation('practice-token-secret-0123456789-abcdefghijkl');
const REPOSITORY = repositoryFixtures()[0]!;
/** Stands in for a JWT where only its place in the request matters. */
const JWT = 'header.claims.signature';
const freshJwt = () => tokenEndpointJwt(installation);

/** The request's form fields, whatever the learner made of the body. */
const formOf = (body: unknown) => Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : ''));

/** Sends the learner's request to the offline Bitbucket; a refusal fails the rule with the mock's words. */
async function send(options: Parameters<typeof tokenRequest>[0]): Promise<Record<string, unknown>> {
  const { url, ...init } = tokenRequest(options);
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return failRule('200 from the token endpoint', `no answer: ${(error as Error).message.split('\n')[0]}`, `${init.method} ${url}`);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200) {
    failRule('200 with an access token', `${response.status} ${String(body.error ?? '')}: ${String(body.error_description ?? '')}`, `${init.method} ${url} (the offline Bitbucket answered)`);
  }
  return body;
}

describe('token-request', () => {
  let server: MockServer;
  beforeAll(() => {
    server = startMockServer({ installations: createMemoryStore([installation]), now: () => NOW });
  });
  afterAll(() => server.stop());

  it('1. it is a POST to the token endpoint', () => {
    const { method, url } = tokenRequest({ bitbucketUrl: BITBUCKET_URL, jwt: JWT });
    expectRule({ method, url }, { method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token' }, "tokenRequest({ bitbucketUrl: 'https://bitbucket.org', jwt })");
  });

  it('2. the JWT travels as Authorization: JWT <jwt>', () => {
    const { headers } = tokenRequest({ bitbucketUrl: BITBUCKET_URL, jwt: JWT });
    expectRule(new Headers(headers).get('authorization'), `JWT ${JWT}`, 'the Authorization header');
  });

  it('3. the body is a form with grant_type=urn:bitbucket:oauth2:jwt', () => {
    const { headers, body } = tokenRequest({ bitbucketUrl: BITBUCKET_URL, jwt: JWT });
    expectRule(new Headers(headers).get('content-type'), 'application/x-www-form-urlencoded', 'the Content-Type header');
    expectRule(formOf(body), { grant_type: 'urn:bitbucket:oauth2:jwt' }, 'the form fields of the body');
  });

  it('4. scope: one field, the names space-separated', () => {
    const { body } = tokenRequest({ bitbucketUrl: BITBUCKET_URL, jwt: JWT, scope: ['repository', 'account'] });
    expectRule(formOf(body), { grant_type: 'urn:bitbucket:oauth2:jwt', scope: 'repository account' }, "tokenRequest({ ..., scope: ['repository', 'account'] }): the form fields");
    expectRule(formOf(tokenRequest({ bitbucketUrl: BITBUCKET_URL, jwt: JWT, scope: [] }).body), { grant_type: 'urn:bitbucket:oauth2:jwt' }, 'scope: [] (no narrowing): the form fields');
  });

  it('5. bitbucket_repository: the repository UUID', () => {
    const { body } = tokenRequest({ bitbucketUrl: BITBUCKET_URL, jwt: JWT, repository: REPOSITORY.uuid });
    expectRule(formOf(body), { grant_type: 'urn:bitbucket:oauth2:jwt', bitbucket_repository: REPOSITORY.uuid }, `tokenRequest({ ..., repository: '${REPOSITORY.uuid}' }): the form fields`);
  });

  it('6. the offline Bitbucket answers 200 with an access token', async () => {
    const body = await send({ bitbucketUrl: BITBUCKET_URL, jwt: await freshJwt() });
    expectRule(typeof body.access_token, 'string', 'typeof the answer\'s access_token');
  });

  it('7. a token narrowed to one scope and one repository', async () => {
    const body = await send({ bitbucketUrl: BITBUCKET_URL, jwt: await freshJwt(), scope: ['repository'], repository: REPOSITORY.uuid });
    const issued = server.mock.state.tokens.get(String(body.access_token));
    expectRule({ scopes: body.scopes, repository: issued?.repository }, { scopes: 'repository', repository: REPOSITORY.uuid }, 'what the mock issued: scopes, and the repository the token is for');
  });
});
