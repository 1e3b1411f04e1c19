import type { RequestHandler } from 'express';

/**
 * `GET /atlassian-connect.json`: the app descriptor Bitbucket reads at install time. Built and
 * validated once at start (createApp), so a broken descriptor stops the app instead of failing
 * installs; served uncached so Bitbucket always sees the current `baseUrl`.
 *
 * @example app.get('/atlassian-connect.json', descriptorRoute(buildDescriptor({ appKey, baseUrl })))
 */
export function descriptorRoute(descriptor: unknown): RequestHandler {
  const body = JSON.stringify(descriptor, null, 2);
  return (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.status(200).type('application/json').send(body);
  };
}
