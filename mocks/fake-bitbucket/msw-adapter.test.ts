import express from 'express';
import { createServer } from 'node:http';
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mswMiddleware } from './msw-adapter.ts';
import { closeGracefully, listenOnLoopback } from './ports.ts';

describe('mswMiddleware', () => {
  const server = createServer();
  let url = '';
  const seen: { aborted: boolean; url: string; body: string; auth: string | null }[] = [];

  beforeAll(async () => {
    url = await listenOnLoopback(server, { port: 0, variable: 'PORT' });
    const handlers = [
      http.post(`${url}/api/echo`, async ({ request }) => {
        const body = await request.text();
        seen.push({ aborted: false, url: request.url, body, auth: request.headers.get('authorization') });
        return HttpResponse.json({ body }, { status: 201, headers: { 'X-Mock': 'yes' } });
      }),
      http.get(`${url}/api/hang`, async ({ request }) => {
        const entry = { aborted: false, url: request.url, body: '', auth: null };
        seen.push(entry);
        await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
        entry.aborted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    ];
    const app = express();
    app.use('/api', mswMiddleware({ handlers, origin: url, maxBodyBytes: 100 }));
    app.use((_req, res) => void res.status(404).send('not the mock'));
    server.on('request', app);
  });
  afterAll(() => closeGracefully(server, { timeoutMs: 100 }));

  it("answers with the handler's status, headers and body, at the origin the handlers know", async () => {
    const localhost = url.replace('127.0.0.1', 'localhost');
    const response = await fetch(`${localhost}/api/echo?x=1`, { method: 'POST', body: 'a=b', headers: { Authorization: 'JWT t' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-mock')).toBe('yes');
    expect(await response.json()).toEqual({ body: 'a=b' });
    expect(seen.at(-1)).toMatchObject({ url: `${url}/api/echo?x=1`, body: 'a=b', auth: 'JWT t' });
  });

  it('passes a request no handler matches to the next middleware', async () => {
    const response = await fetch(`${url}/api/nothing`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not the mock');
  });

  it("refuses a body over the limit with Bitbucket's error shape", async () => {
    const response = await fetch(`${url}/api/echo`, { method: 'POST', body: 'x'.repeat(101) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ type: 'error', error: { message: 'Request body larger than 100 bytes.' } });
  });

  it('aborts the handler when the client goes away', async () => {
    const controller = new AbortController();
    const pending = fetch(`${url}/api/hang`, { signal: controller.signal }).catch(() => 'gone');
    await expect.poll(() => seen.some((entry) => entry.url.endsWith('/api/hang'))).toBe(true);
    controller.abort();
    expect(await pending).toBe('gone');
    await expect.poll(() => seen.find((entry) => entry.url.endsWith('/api/hang'))?.aborted).toBe(true);
  });
});
