import { describe, expect, it } from 'vitest';
import { createRequestRecorder, type RecordedRequest } from './request-recorder.ts';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g';

function fakeFetch(status = 200): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (input) => {
      calls.push(String(input));
      return new Response('{}', { status });
    },
  };
}

describe('createRequestRecorder', () => {
  it('records the requests of one task, with authorization redacted, and their status', async () => {
    const real = fakeFetch(201);
    const recorder = createRequestRecorder(real.fetch);
    const requests: RecordedRequest[] = [];
    await recorder.record(async () => {
      await recorder.fetch('https://bitbucket.org/site/oauth2/access_token', {
        method: 'post',
        headers: { Authorization: `JWT ${JWT}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:bitbucket:oauth2:jwt' }),
      });
      await recorder.fetch(new URL('https://api.bitbucket.org/2.0/user'), { headers: { Authorization: 'Bearer opaque-access-token-value' } });
    }, requests);
    expect(real.calls).toHaveLength(2);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ method: 'POST', url: 'https://bitbucket.org/site/oauth2/access_token', status: 201, body: 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt' });
    const recorded = JSON.stringify(requests);
    expect(recorded).not.toContain('c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g');
    expect(recorded).not.toContain('opaque-access-token-value');
    expect(requests[1]!.headers).toContainEqual(['authorization', expect.stringMatching(/^Bearer opaq…\(\d+ chars\)$/)]);
  });

  it('keeps concurrent tasks apart and records nothing outside a task', async () => {
    const recorder = createRequestRecorder(fakeFetch().fetch);
    const a: RecordedRequest[] = [];
    const b: RecordedRequest[] = [];
    await Promise.all([
      recorder.record(async () => void (await recorder.fetch('https://example.test/a')), a),
      recorder.record(async () => void (await recorder.fetch('https://example.test/b')), b),
      recorder.fetch('https://example.test/outside'),
    ]);
    expect(a.map((r) => r.url)).toEqual(['https://example.test/a']);
    expect(b.map((r) => r.url)).toEqual(['https://example.test/b']);
  });

  it('records a request that got no answer without a status, and rethrows', async () => {
    const recorder = createRequestRecorder(async () => {
      throw new TypeError('fetch failed');
    });
    const requests: RecordedRequest[] = [];
    await expect(recorder.record(() => recorder.fetch('https://example.test/x'), requests)).rejects.toThrow('fetch failed');
    expect(requests).toEqual([expect.objectContaining({ url: 'https://example.test/x', status: undefined })]);
  });
});
