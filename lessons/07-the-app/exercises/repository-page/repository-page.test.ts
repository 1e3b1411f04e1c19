import { afterAll, beforeAll, describe, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../../../mocks/fixtures/lifecycle.ts';
import { repositoryFixtures } from '../../../../mocks/fixtures/repositories.ts';
import { startMockServer, type MockServer } from '../../../../mocks/server.ts';
import { signProductJwt } from '../../../../src/jwt/sign.ts';
import { createMemoryStore } from '../../../../src/store/memory.ts';
import { expectRefusal, expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { createRepositoryPage, type PageLoad } from './repository-page.ts';

const APP_BASE_URL = 'https://abc123.ngrok.app';
const NOW = Date.parse('2026-01-01T00:00:00Z');
/** A fixture secret, not a real one. */
const SHARED_SECRET = 'practice-page-secret-0123456789-abcdefghijklmno';
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: SHARED_SECRET }), { now: () => NOW });
const [LAUNCH, ENGINE] = repositoryFixtures();
const SLUGS = new Map(repositoryFixtures().map((repository) => [repository.uuid, repository.slug]));

/** A page load as Bitbucket's iframe makes it: the page URL, signed with `secret`, the JWT appended. */
async function pageLoad(repoUuid: string, secret = SHARED_SECRET): Promise<PageLoad> {
  const path = `/oauth-callback?repoUuid=${encodeURIComponent(repoUuid)}`;
  const jwt = await signProductJwt({ clientKey: installation.clientKey, sharedSecret: secret, method: 'GET', url: `${APP_BASE_URL}${path}`, baseUrl: APP_BASE_URL, now: () => NOW });
  return { method: 'GET', url: `${path}&jwt=${jwt}`, headers: { accept: 'text/html' } };
}

/** A fresh page, as an app makes one when it starts. */
function newPage() {
  return createRepositoryPage({ store: createMemoryStore([installation]), appBaseUrl: APP_BASE_URL, bitbucketUrl: 'https://bitbucket.org', apiUrl: 'https://api.bitbucket.org', now: () => NOW });
}

describe('repository-page', () => {
  let bitbucket: MockServer;
  beforeAll(() => {
    bitbucket = startMockServer({ installations: createMemoryStore([installation]), now: () => NOW });
  });
  afterAll(() => bitbucket.stop());

  /**
   * What the offline Bitbucket saw since `from` (an index in its log), one line a request: an
   * exchange and the repository its token is for, or an API call and the repository its token works on.
   */
  function wire(from: number): string[] {
    const name = (uuid: string | null | undefined) => (uuid ? `for ${SLUGS.get(uuid) ?? uuid}` : 'unrestricted');
    return bitbucket.mock.state.log.slice(from).map((entry) => {
      if (entry.endpoint.startsWith('POST')) return `exchange ${name(new URLSearchParams(entry.body ?? '').get('bitbucket_repository'))} → ${entry.status}`;
      const bearer = /^Bearer (.+)$/.exec(entry.headers.authorization ?? '')?.[1];
      const issued = bearer === undefined ? undefined : bitbucket.mock.state.tokens.get(bearer);
      const repository = decodeURIComponent(new URL(entry.url).pathname.split('/').at(-1) ?? '');
      return `GET ${SLUGS.get(repository) ?? repository} with a token ${issued ? name(issued.repository) : 'Bitbucket never issued'} → ${entry.status}`;
    });
  }

  /** Loads a page; a failure breaks the rule with what the page threw. */
  async function load(page: ReturnType<typeof newPage>, repoUuid: string) {
    try {
      return await page(await pageLoad(repoUuid));
    } catch (error) {
      return failRule('the page', `${(error as { code?: string }).code ?? 'an error'}: ${(error as Error).message.split('\n')[0]}`, `a page load for ${SLUGS.get(repoUuid)}, signed by Bitbucket`);
    }
  }

  it('1. a page load whose JWT does not verify is refused, before anything is sent', async () => {
    const from = bitbucket.mock.state.log.length;
    await expectRefusal(async () => newPage()(await pageLoad(LAUNCH!.uuid, 'not-the-shared-secret-of-this-installation')), 'ERR_JWT_SIGNATURE', 'a page load signed with another secret');
    expectRule(wire(from), [], 'what the offline Bitbucket received meanwhile');
  });

  it('2. a genuine page load shows its repository', async () => {
    const view = await load(newPage(), LAUNCH!.uuid);
    expectRule({ clientKey: view.clientKey, full_name: view.repository.full_name }, { clientKey: installation.clientKey, full_name: LAUNCH!.full_name }, `the page for ${LAUNCH!.slug}`);
  });

  it("3. one token, restricted to the page's repository, for the API call", async () => {
    const from = bitbucket.mock.state.log.length;
    await load(newPage(), LAUNCH!.uuid);
    expectRule(wire(from), [`exchange for ${LAUNCH!.slug} → 200`, `GET ${LAUNCH!.slug} with a token for ${LAUNCH!.slug} → 200`], `what Bitbucket received for one load of ${LAUNCH!.slug}`);
  });

  it('4. two loads of the page, one exchange: the token cache outlives a load', async () => {
    const page = newPage();
    const from = bitbucket.mock.state.log.length;
    await load(page, LAUNCH!.uuid);
    await load(page, LAUNCH!.uuid);
    expectRule(
      wire(from),
      [`exchange for ${LAUNCH!.slug} → 200`, `GET ${LAUNCH!.slug} with a token for ${LAUNCH!.slug} → 200`, `GET ${LAUNCH!.slug} with a token for ${LAUNCH!.slug} → 200`],
      `what Bitbucket received for two loads of ${LAUNCH!.slug}`,
    );
  });

  it("5. another repository's page gets a token of its own", async () => {
    const page = newPage();
    await load(page, LAUNCH!.uuid);
    const from = bitbucket.mock.state.log.length;
    const view = await load(page, ENGINE!.uuid);
    expectRule(
      { wire: wire(from), full_name: view.repository.full_name },
      { wire: [`exchange for ${ENGINE!.slug} → 200`, `GET ${ENGINE!.slug} with a token for ${ENGINE!.slug} → 200`], full_name: ENGINE!.full_name },
      `the page for ${ENGINE!.slug}, after one for ${LAUNCH!.slug}`,
    );
  });

  it('6. a token Bitbucket refuses is replaced once, restricted the same way', async () => {
    const page = newPage();
    await load(page, LAUNCH!.uuid);
    bitbucket.mock.setScenario('expired-token');
    const from = bitbucket.mock.state.log.length;
    try {
      await load(page, LAUNCH!.uuid);
    } finally {
      bitbucket.mock.setScenario('happy');
    }
    expectRule(
      wire(from),
      [`GET ${LAUNCH!.slug} with a token for ${LAUNCH!.slug} → 401`, `exchange for ${LAUNCH!.slug} → 200`, `GET ${LAUNCH!.slug} with a token for ${LAUNCH!.slug} → 200`],
      `the second load of ${LAUNCH!.slug}, its cached token expired (SCENARIO=expired-token)`,
    );
  });
});
