import type { RequestHandler as ExpressHandler, Request as ExpressRequest } from 'express';
import { getResponse, type RequestHandler as MswHandler } from 'msw';
import { apiError } from '../responses.ts';

/**
 * Serves msw handlers over real HTTP: each Express request becomes a fetch `Request`, msw's
 * `getResponse` finds the handler that answers it, and the `Response` is written back. This is how
 * `npm run fake-bitbucket` runs the very handlers the in-process mock uses (one mock, not two).
 *
 * Written on msw's `getResponse` rather than `@mswjs/http-middleware`, which brings Express 4 and
 * takes the request's origin from its `Host` header: here the origin is the one the handlers were
 * built for, whichever loopback name the client used.
 */

/** Headers that describe one hop, not the request: the `Request` gets its own. */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'expect']);

/** Token-endpoint forms are a few hundred bytes; nothing the mock serves takes more than this. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The request body, at most `maxBytes`; `undefined` when over (the caller answers 413). */
async function readBody(req: ExpressRequest, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function requestHeaders(req: ExpressRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

/**
 * Express middleware answering with the msw handlers; a request no handler matches goes on to the
 * next middleware (the fake's web pages). A client that disconnects aborts the request's signal,
 * so a `slow` scenario call ends at once instead of holding the server.
 *
 * @param o.origin The origin the handlers were built for (`http://127.0.0.1:4000`).
 * @param o.maxBodyBytes Larger bodies get Bitbucket's error shape with 413; default 64 KiB.
 *
 * @example
 * const mock = createBitbucketMock({ bitbucketUrl: url, apiUrl: url, installations })
 * app.use(mswMiddleware({ handlers: mock.handlers, origin: url }))
 */
export function mswMiddleware(o: { handlers: MswHandler[]; origin: string; maxBodyBytes?: number }): ExpressHandler {
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (req, res, next) => {
    try {
      const url = new URL(req.originalUrl, o.origin);
      const aborted = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) aborted.abort();
      });
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const body = hasBody ? await readBody(req, maxBodyBytes) : undefined;
      if (hasBody && body === undefined) {
        await send(res, apiError(413, `Request body larger than ${maxBodyBytes} bytes.`));
        return;
      }
      const request = new Request(url, {
        method: req.method,
        headers: requestHeaders(req),
        body: body === undefined ? undefined : new Uint8Array(body),
        signal: aborted.signal,
      });
      const response = await getResponse(o.handlers, request);
      if (!response) {
        next();
        return;
      }
      if (aborted.signal.aborted) return;
      await send(res, response);
    } catch (error) {
      next(error);
    }
  };
}

/** Writes a fetch `Response` to a Node response: status, every header, the whole body. */
async function send(res: import('express').Response, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.status(response.status);
  response.headers.forEach((value, name) => {
    // The body is written whole here: the length is ours to set.
    if (name !== 'content-length' && name !== 'transfer-encoding') res.append(name, value);
  });
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
