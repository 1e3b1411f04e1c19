import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDescriptor } from '../../src/connect/descriptor.ts';
import { decodeUnverified, verifyRequest } from '../../src/jwt/verify.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { collectLogs } from '../../test/support/collect-logs.ts';
import { guardNetwork } from '../../test/support/network-guard.ts';
import { startFakeBitbucket, type RunningFakeBitbucket } from './start.ts';
import { iframeSrc, installThroughPages } from './test-support.ts';

/**
 * The fake Bitbucket's HTTP surface on its own, without a browser and without the lab's app (the
 * two together: test/rehearsal.test.ts): its refusals, loopback-only hosts, the mock over HTTP and
 * the iframe JWT.
 */

let unguard: () => void;
beforeAll(() => {
  unguard = guardNetwork();
});
afterAll(() => unguard());

describe('the fake Bitbucket on its own', () => {
  let fake: RunningFakeBitbucket | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** A fetch that plays an app at http://app.test serving `descriptor`, answering lifecycle calls with `lifecycle`. */
  function appFetch(descriptor: unknown, lifecycle: () => Response = () => new Response(null, { status: 204 })): typeof fetch {
    return async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === 'http://app.test/atlassian-connect.json') return Response.json(descriptor);
      if (url.startsWith('http://app.test/')) return lifecycle();
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED (${url})`) });
    };
  }

  it('shows every problem of an invalid descriptor, and installs nothing', async () => {
    const descriptor = { ...buildDescriptor({ appKey: 'demo-app', baseUrl: 'http://app.test' }), baseUrl: 'http://app.test/', scopes: ['repositories', 'account'] };
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch(descriptor) });
    const response = await fetch(`${fake.url}/site/addons/authorize?descriptor_uri=http%3A%2F%2Fapp.test`);
    const page = await response.text();
    expect(response.status).toBe(422);
    expect(page).toContain('ERR_DESCRIPTOR_INVALID');
    const problems = page.match(/<ul class="problems">([\s\S]*?)<\/ul>/)?.[1] ?? '';
    expect(problems).toContain('did you mean &quot;repository&quot;?');
    expect(problems).toContain('ends with &quot;/&quot;');
    expect(problems.match(/<li>/g)?.length).toBeGreaterThanOrEqual(2);
    expect(page).not.toContain('Grant access');
    expect(fake.registry.list()).toEqual([]);
  });

  it('says when the app does not answer, or answers no descriptor', async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch({}) });
    const unreachable = await fetch(`${fake.url}/site/addons/authorize?descriptor_uri=${encodeURIComponent('http://down.test')}`);
    expect(unreachable.status).toBe(502);
    expect(await unreachable.text()).toContain('ERR_FAKE_DESCRIPTOR_UNREACHABLE');
    const typo = await fetch(`${fake.url}/site/addons/authorize?descriptor_uri=${encodeURIComponent('app.test')}`);
    expect(typo.status).toBe(400);
    expect(await typo.text()).toContain('start it with http://');
  });

  it("shows the app's refusal of the install, with what to do, and registers nothing", async () => {
    const descriptor = buildDescriptor({ appKey: 'demo-app', baseUrl: 'http://app.test' });
    const refusal = () => Response.json({ error: 'ERR_REINSTALL_UNAUTHENTICATED', message: 'signed with another secret' }, { status: 401 });
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch(descriptor, refusal) });
    const { granted } = await installThroughPages(fake.url, 'http://app.test');
    const page = await granted.text();
    expect(granted.status).toBe(502);
    expect(page).toContain('ERR_FAKE_INSTALL_REFUSED');
    expect(page).toContain('HTTP 401');
    expect(page).toContain('npm run rehearse');
    expect(page).toContain('ERR_REINSTALL_UNAUTHENTICATED');
    expect(fake.registry.list()).toEqual([]);
    expect(await fake.registry.bitbucket.list(), 'Bitbucket keeps no record of a refused install').toEqual([]);
  });

  it('answers only on loopback host names', async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket') });
    const port = Number(new URL(fake.url).port);
    // A raw request: fetch would not send a Host other than the URL's.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end(`GET / HTTP/1.1\r\nHost: rebound.example:${port}\r\nConnection: close\r\n\r\n`);
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('utf8')));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    const status = Number(answer.split(' ')[1]);
    expect(status).toBe(403);
    expect((await fetch(`http://localhost:${port}/healthcheck`)).status).toBe(200);
  });

  it("serves the mock's token endpoint and REST API over HTTP", async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket') });
    const token = await fetch(`${fake.url}/site/oauth2/access_token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt',
    });
    expect(token.status, 'no client credentials: 400, as captured (docs/protocol.md section 2)').toBe(400);
    expect(await token.json()).toMatchObject({ error: 'unauthorized_client' });
    const api = await fetch(`${fake.url}/2.0/repositories/teamsinspace`);
    expect(api.status, 'no credentials: public data only, as on bitbucket.org (docs/protocol.md section 8)').toBe(200);
    expect(((await api.json()) as { values: Array<{ is_private: boolean }> }).values.every((repo) => !repo.is_private)).toBe(true);
    expect(fake.mock.state.counts.exchanges).toBe(1);
    expect(fake.mock.state.counts.apiCalls).toBe(1);
  });

  it('signs the iframe JWT for the module URL only: another URL fails the qsh check', async () => {
    fake = await startFakeBitbucket({ port: 0, logger: collectLogs().logger('bitbucket'), fetch: appFetch(buildDescriptor({ appKey: 'demo-app', baseUrl: 'http://app.test' })) });
    const { granted } = await installThroughPages(fake.url, 'http://app.test');
    expect(granted.status).toBe(200);
    const src = iframeSrc(await (await fetch(`${fake.url}/teamsinspace/docs/addon/demo-app/jwt-grant`)).text());
    const jwt = new URL(src).searchParams.get('jwt') ?? '';
    expect(decodeUnverified(jwt).claims.iss).toMatch(/^ari:cloud:bitbucket::app\/\{.+\}\/demo-app$/);
    const store = { ...createMemoryStore(), get: fake.registry.installations.get };
    const tampered = src.replace('repoUuid=', 'repoUuid=x');
    const url = new URL(tampered);
    await expect(
      verifyRequest({ method: 'GET', url: `${url.pathname}${url.search}`, headers: {} }, { store, appBaseUrl: 'http://app.test' }),
    ).rejects.toMatchObject({ code: 'ERR_QSH_MISMATCH' });
  });
});
