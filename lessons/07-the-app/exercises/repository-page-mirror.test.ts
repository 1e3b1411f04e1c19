import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../../mocks/fixtures/lifecycle.ts';
import { repositoryFixtures } from '../../../mocks/fixtures/repositories.ts';
import { startMockServer, type MockServer } from '../../../mocks/server.ts';
import { createApp } from '../../../src/app/create-app.ts';
import { loadConfig } from '../../../src/config.ts';
import { signProductJwt } from '../../../src/jwt/sign.ts';
import { createMemoryStore } from '../../../src/store/memory.ts';
import { createRepositoryPage } from './repository-page/solution/repository-page.ts';

/**
 * The solution of the exercise `repository-page` is not a copy of `src/`: it assembles the same
 * pieces as the app's repository page (src/app/routes/repo-page.ts), without the HTML. This test
 * keeps the two from drifting apart: for the same page loads, both send Bitbucket the same requests.
 */

const APP_BASE_URL = 'https://abc123.ngrok.app';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const SHARED_SECRET = 'mirror-page-secret-0123456789-abcdefghijklmnopq';
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SHARED_SECRET }), { now: () => NOW });
const [LAUNCH, ENGINE] = repositoryFixtures();

async function signedPath(repoUuid: string): Promise<string> {
  const path = `/oauth-callback?repoUuid=${encodeURIComponent(repoUuid)}`;
  const jwt = await signProductJwt({ clientKey: installation.clientKey, sharedSecret: SHARED_SECRET, method: 'GET', url: `${APP_BASE_URL}${path}`, baseUrl: APP_BASE_URL, now: () => NOW });
  return `${path}&jwt=${jwt}`;
}

describe("the repository-page solution and the app's repository page", () => {
  let bitbucket: MockServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'repository-page-mirror-'));
  beforeAll(() => {
    bitbucket = startMockServer({ installations: createMemoryStore([installation]), now: () => NOW });
  });
  afterAll(() => {
    bitbucket.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What Bitbucket received since `from`: each request, the repository its form or its token names, and the status. */
  function wire(from: number): string[] {
    return bitbucket.mock.state.log.slice(from).map((entry) => {
      const bearer = /^Bearer (.+)$/.exec(entry.headers.authorization ?? '')?.[1];
      const repository = entry.endpoint.startsWith('POST')
        ? new URLSearchParams(entry.body ?? '').get('bitbucket_repository')
        : bearer && bitbucket.mock.state.tokens.get(bearer)?.repository;
      return `${entry.method} ${new URL(entry.url).pathname} for ${repository ?? 'every repository'} → ${entry.status}`;
    });
  }

  const LOADS = [LAUNCH!.uuid, LAUNCH!.uuid, ENGINE!.uuid];

  it('send Bitbucket the same requests for the same page loads', async () => {
    const fromSolution = bitbucket.mock.state.log.length;
    const page = createRepositoryPage({ store: createMemoryStore([installation]), appBaseUrl: APP_BASE_URL, bitbucketUrl: 'https://bitbucket.org', apiUrl: 'https://api.bitbucket.org', now: () => NOW });
    for (const repoUuid of LOADS) await page({ method: 'GET', url: await signedPath(repoUuid), headers: {} });
    const solution = wire(fromSolution);

    const fromApp = bitbucket.mock.state.log.length;
    const config = loadConfig({ BASE_URL: APP_BASE_URL, DATA_DIR: dataDir, VERIFY_INSTALLS: '0' });
    const app = createApp({ config, store: createMemoryStore([installation]), now: () => NOW, logger: { info: () => {}, error: () => {} } });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const repoUuid of LOADS) {
        const response = await fetch(`http://127.0.0.1:${port}${await signedPath(repoUuid)}`);
        expect(response.status, await response.text()).toBe(200);
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const appWire = wire(fromApp);

    expect(solution, 'two loads of one repository, one of another: an exchange restricted to each, one API call a load').toHaveLength(5);
    expect(solution).toEqual(appWire);
  });
});
