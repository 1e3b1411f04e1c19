import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { BodyMalformedError, BodyTooLargeError, UnsupportedMediaTypeError } from './errors.ts';

/**
 * The body size limit: a real `installed` payload is 2 to 4 KiB; 64 KiB leaves room and bounds
 * memory per request.
 *
 * @example router.post('/installed', ...jsonBody(JSON_BODY_LIMIT_BYTES), handler)
 */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/** The fields body-parser puts on the errors it raises. */
interface BodyParserError {
  type?: unknown;
  message?: unknown;
}

/** Turns body-parser's errors into the app's own, so the error table can answer them. */
const mapBodyErrors =
  (limitBytes: number): ErrorRequestHandler =>
  (error: BodyParserError, req, _res, next) => {
    switch (error?.type) {
      case 'entity.too.large':
        return next(new BodyTooLargeError(limitBytes));
      case 'entity.parse.failed':
        // The parser's message quotes the body, which may hold a sharedSecret: keep only its kind.
        return next(new BodyMalformedError('JSON syntax error'));
      case 'request.aborted':
      case 'request.size.invalid':
        return next(new BodyMalformedError('the body ended before its Content-Length'));
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return next(new UnsupportedMediaTypeError(`${req.get('content-type') ?? ''}; Content-Encoding: ${req.get('content-encoding') ?? 'identity'}`));
      default:
        return next(error);
    }
  };

/**
 * Middleware chain for a JSON body: refuses anything but `application/json` (415), parses at most
 * `limitBytes` (413) of uncompressed UTF-8, strictly (an object or array, else 400), and turns
 * parser failures into typed errors. `req.body` is then the parsed JSON.
 *
 * @example router.post('/installed', ...jsonBody(), handler)
 */
export function jsonBody(limitBytes: number = JSON_BODY_LIMIT_BYTES): Array<RequestHandler | ErrorRequestHandler> {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return next(new BodyMalformedError('the body is empty'));
    next(req.is('application/json') ? undefined : new UnsupportedMediaTypeError(req.get('content-type')));
  };
  return [
    requireJson,
    // inflate: false: Bitbucket never compresses lifecycle calls, and a compressed body would
    // make the size limit apply after decompression work.
    express.json({ type: ['application/json'], limit: limitBytes, strict: true, inflate: false }),
    mapBodyErrors(limitBytes),
  ];
}
