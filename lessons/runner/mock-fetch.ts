import { untilAborted } from '../../src/http/until-aborted.ts';
import type { RequestHandler } from 'msw';
import { MockNoAnswerError, OfflineRequestError } from './errors.ts';
import { isLoopbackUrl } from '../../src/http/loopback.ts';

/** Options of {@link createMockFetch}. */
export interface MockFetchOptions {
  /** Bitbucket's base URLs (web and API): requests to their origins are the mock's to answer. */
  baseUrls: readonly string[];
  /** The mock's msw handlers; called on the first request to Bitbucket, so a lesson without one never loads msw. */
  handlers: () => Promise<readonly RequestHandler[]>;
  /** Sends loopback requests (the lab's app on 127.0.0.1): the real `fetch`. */
  passthrough: typeof fetch;
}


/**
 * The `fetch` of an offline lesson: requests to Bitbucket's origins are answered by the mock's
 * handlers in this process (msw's `getResponse`, no interception of the process's own `fetch`),
 * loopback requests go to the network, anything else is refused with ERR_OFFLINE_REQUEST. A request
 * the mock has no handler for fails with ERR_MOCK_NO_ANSWER.
 *
 * As `fetch` does: an aborted signal rejects at once with its reason, a network-error answer
 * (`HttpResponse.error()`) rejects with a TypeError, and the response's `url` is the request's.
 *
 * @example
 * const fetch = createMockFetch({ baseUrls: [config.bitbucketUrl, config.bitbucketApiUrl],
 *   handlers: async () => mock.handlers, passthrough: globalThis.fetch })
 * await fetch('https://api.bitbucket.org/2.0/user') // 401 from the mock: no token
 */
export function createMockFetch(o: MockFetchOptions): typeof fetch {
  const origins = new Set(o.baseUrls.map((url) => new URL(url).origin));
  return async (input, init) => {
    const request = new Request(input, init);
    const { origin } = new URL(request.url);
    if (!origins.has(origin)) {
      if (isLoopbackUrl(request.url)) return o.passthrough(request);
      throw new OfflineRequestError(request.method, request.url, 'ctx.fetch');
    }
    // The caller's signal, held by the caller (request.signal follows it only weakly).
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    return signal ? untilAborted(signal, answer(request)) : answer(request);
  };

  async function answer(request: Request): Promise<Response> {
    const [{ getResponse }, handlers] = await Promise.all([import('msw'), o.handlers()]);
    const response = await getResponse([...handlers], request);
    if (!response) throw new MockNoAnswerError(request.method, request.url);
    if (response.type === 'error') {
      throw new TypeError('fetch failed', { cause: new Error('the simulated Bitbucket ended the exchange without an answer') });
    }
    Object.defineProperty(response, 'url', { value: request.url });
    return response;
  }
}
