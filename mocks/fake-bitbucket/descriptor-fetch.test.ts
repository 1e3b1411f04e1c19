import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { descriptorLocation, fetchDescriptor } from './descriptor-fetch.ts';

const URL_ = 'http://127.0.0.1:3000/atlassian-connect.json';

/** A fetch answering every request with `response()`, remembering what it was asked. */
function answering(response: () => Response) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetcher: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init });
    return response();
  };
  return { fetcher, calls };
}

describe('descriptorLocation', () => {
  it('takes an app base URL, with or without a trailing slash', () => {
    expect(descriptorLocation(' http://127.0.0.1:3000/ ')).toEqual({ appUrl: 'http://127.0.0.1:3000', descriptorUrl: URL_ });
    expect(descriptorLocation('https://abc.ngrok.app/app')).toEqual({
      appUrl: 'https://abc.ngrok.app/app',
      descriptorUrl: 'https://abc.ngrok.app/app/atlassian-connect.json',
    });
  });

  it('takes a descriptor URL as it is', () => {
    expect(descriptorLocation('http://127.0.0.1:3000/app/descriptor.json?v=2')).toEqual({
      appUrl: 'http://127.0.0.1:3000/app',
      descriptorUrl: 'http://127.0.0.1:3000/app/descriptor.json?v=2',
    });
  });

  it.each([
    ['', 'is empty'],
    ['127.0.0.1:3000', 'start it with http://'],
    ['ftp://example.com', 'http or https'],
    ['http://user:pw@example.com', 'user name or password'],
    ['http://example.com/#x', 'fragment'],
    ['http://example.com/?a=1', 'query string'],
    [`http://example.com/${'a'.repeat(2100)}`, 'longer than'],
  ])('refuses %j with a message saying what to type', (input, problem) => {
    expect(() => descriptorLocation(input)).toThrow(expect.objectContaining({ code: 'ERR_FAKE_APP_URL', message: expect.stringContaining(problem) }));
    expect(() => descriptorLocation(input)).toThrow(/http:\/\/127\.0\.0\.1:3000/);
  });

  it('refuses a value that is not text', () => {
    expect(() => descriptorLocation(['http://a', 'http://b'])).toThrow(expect.objectContaining({ code: 'ERR_FAKE_APP_URL' }));
  });
});

describe('fetchDescriptor', () => {
  it('GETs the descriptor without following redirects, and hashes its body', async () => {
    const body = '{"key":"demo"}';
    const { fetcher, calls } = answering(() => new Response(body, { headers: { 'content-type': 'application/json' } }));
    const fetched = await fetchDescriptor(URL_, { fetch: fetcher });
    expect(fetched.json).toEqual({ key: 'demo' });
    expect(fetched.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(calls[0]?.url).toBe(URL_);
    expect(calls[0]?.init?.redirect).toBe('manual');
    const again = await fetchDescriptor(URL_, { fetch: answering(() => new Response('{"key":"other"}')).fetcher });
    expect(again.sha256).not.toBe(fetched.sha256);
  });

  it('reports an HTTP error, a redirect and a body that is not JSON', async () => {
    await expect(fetchDescriptor(URL_, { fetch: answering(() => new Response('nope', { status: 404 })).fetcher })).rejects.toMatchObject({
      code: 'ERR_FAKE_DESCRIPTOR_RESPONSE',
      message: expect.stringContaining('HTTP 404'),
    });
    const redirect = () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/d.json' } });
    await expect(fetchDescriptor(URL_, { fetch: answering(redirect).fetcher })).rejects.toMatchObject({
      message: expect.stringContaining('redirect (HTTP 302 to https://elsewhere.example/d.json)'),
    });
    const html = () => new Response('<html>', { headers: { 'content-type': 'text/html' } });
    await expect(fetchDescriptor(URL_, { fetch: answering(html).fetcher })).rejects.toMatchObject({
      code: 'ERR_FAKE_DESCRIPTOR_RESPONSE',
      message: expect.stringContaining('not JSON (text/html'),
    });
  });

  it('refuses a body larger than the limit, declared or streamed', async () => {
    const declared = () => new Response('{}', { headers: { 'content-length': '999999' } });
    await expect(fetchDescriptor(URL_, { fetch: answering(declared).fetcher, maxBytes: 1000 })).rejects.toMatchObject({
      message: expect.stringContaining('999999 bytes'),
    });
    const streamed = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(400)));
            controller.close();
          },
        }),
      );
    await expect(fetchDescriptor(URL_, { fetch: answering(streamed).fetcher, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'ERR_FAKE_DESCRIPTOR_RESPONSE',
      message: expect.stringContaining('more than the 1000 bytes'),
    });
  });

  it('says why the app could not be reached', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:3000') });
    };
    await expect(fetchDescriptor(URL_, { fetch: refused })).rejects.toMatchObject({
      code: 'ERR_FAKE_DESCRIPTOR_UNREACHABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    await expect(fetchDescriptor(URL_, { fetch: hanging, timeoutMs: 20 })).rejects.toMatchObject({
      message: expect.stringContaining('no answer within 20 ms'),
    });
  });
});
