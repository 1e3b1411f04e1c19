import { http, HttpResponse, delay, type RequestHandler } from 'msw';
import { describe, expect, it } from 'vitest';
import { createBitbucketMock } from '../../mocks/bitbucket.ts';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { exchangeJwtForToken } from '../../src/oauth/exchange.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createMockFetch } from './mock-fetch.ts';

const BASE_URLS = ['https://bitbucket.org', 'https://api.bitbucket.org'];

function setup(handlers: () => RequestHandler[]) {
  const passed: string[] = [];
  let loads = 0;
  const fetch = createMockFetch({
    baseUrls: BASE_URLS,
    handlers: async () => {
      loads += 1;
      return handlers();
    },
    passthrough: async (input) => {
      passed.push((input as Request).url);
      return new Response('the lab app');
    },
  });
  return { fetch, passed, loads: () => loads };
}

describe('createMockFetch', () => {
  it("answers Bitbucket's origins with the mock's handlers: a whole JWT grant, then an API call", async () => {
    const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: 'mock-fetch-shared-secret-0123456789' }));
    const mock = createBitbucketMock({ installations: createMemoryStore([installation]) });
    const { fetch } = setup(() => mock.handlers);
    const token = await exchangeJwtForToken({ installation, fetch });
    expect(mock.state.tokens.has(token.accessToken), 'the mock issued it').toBe(true);
    const response = await fetch('https://api.bitbucket.org/2.0/workspaces/teamsinspace', { headers: { Authorization: `Bearer ${token.accessToken}` } });
    expect(response.status).toBe(200);
    expect(response.url, 'as fetch sets it').toBe('https://api.bitbucket.org/2.0/workspaces/teamsinspace');
    expect(((await response.json()) as { slug: string }).slug).toBe('teamsinspace');
  });

  it('sends loopback requests to the network without loading the mock', async () => {
    const { fetch, passed, loads } = setup(() => []);
    expect(await (await fetch('http://127.0.0.1:3000/installed', { method: 'POST', body: '{}' })).text()).toBe('the lab app');
    expect(passed).toEqual(['http://127.0.0.1:3000/installed']);
    expect(loads(), 'msw is not even imported for it').toBe(0);
  });

  it('refuses any other request with ERR_OFFLINE_REQUEST', async () => {
    const { fetch, passed, loads } = setup(() => []);
    await expect(fetch('https://example.com/')).rejects.toMatchObject({ code: 'ERR_OFFLINE_REQUEST' });
    expect(passed).toEqual([]);
    expect(loads()).toBe(0);
  });

  it('fails a Bitbucket request the mock has no handler for with ERR_MOCK_NO_ANSWER', async () => {
    const { fetch } = setup(() => [http.get('https://api.bitbucket.org/2.0/user', () => HttpResponse.json({}))]);
    const error = await fetch('https://api.bitbucket.org/2.0/snippets?q=1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MOCK_NO_ANSWER' });
    expect((error as Error).message).toContain('GET https://api.bitbucket.org/2.0/snippets:');
  });

  it('rejects a network-error answer with a TypeError, as fetch does', async () => {
    const { fetch } = setup(() => [http.get('https://api.bitbucket.org/2.0/user', () => HttpResponse.error())]);
    await expect(fetch('https://api.bitbucket.org/2.0/user')).rejects.toThrow(TypeError);
  });

  it("rejects with the signal's reason as soon as it aborts, while the handler still waits", async () => {
    const { fetch } = setup(() => [http.get('https://api.bitbucket.org/2.0/user', async () => {
      await delay('infinite');
      return HttpResponse.json({});
    })]);
    const controller = new AbortController();
    const pending = fetch('https://api.bitbucket.org/2.0/user', { signal: controller.signal });
    controller.abort(new DOMException('gave up', 'TimeoutError'));
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError', message: 'gave up' });
    await expect(fetch('https://api.bitbucket.org/2.0/user', { signal: AbortSignal.abort() }), 'already aborted').rejects.toMatchObject({ name: 'AbortError' });
  });
});
