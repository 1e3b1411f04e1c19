/**
 * A framework-free HTTP request: `url` is the path and raw query as received (or absolute).
 * What extract.ts reads the token from and verify.ts checks the qsh against (its own file, so the
 * two need not import each other).
 *
 * @example const request: RequestLike = { method: req.method, url: req.originalUrl, headers: req.headers }
 */
export type RequestLike = {
  method: string;
  url: string;
  headers: Headers | Record<string, string | string[] | undefined>;
};
