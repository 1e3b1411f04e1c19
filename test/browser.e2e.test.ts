import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsal, type Rehearsal } from '../scripts/lib/rehearsal.ts';
import { chromiumPath, isExecutable, launchChromium } from './support/chromium.ts';
import { appClaims, qshOf, referenceCanonical, signHs256 } from './fixtures/mistaken-signers.ts';
import { collectLogs } from './support/collect-logs.ts';
import { guardNetwork } from './support/network-guard.ts';
import { saveScreenshot } from './support/screenshots.ts';

/**
 * The rehearsal in a real browser: headless Chromium installs the app through the fake
 * Bitbucket's pages, opens a repository, clicks "JWT Authorization Grant", and reads the
 * repository the app fetched with its access token inside the iframe. Screenshots of each step
 * are saved in test-output/.
 *
 * Without Chromium the suite is skipped, and says so in its name; under CI=true it fails instead.
 */

const executablePath = chromiumPath();
const hasChromium = isExecutable(executablePath);
const inCi = process.env.CI === 'true';
const suiteName = hasChromium
  ? 'browser e2e'
  : inCi
    ? `browser e2e (CI=true: no Chromium at ${executablePath})`
    : `browser e2e (skipped: no Chromium at ${executablePath}; set CHROMIUM_PATH)`;

/** Generous: a cold Chromium start on a loaded CI machine takes seconds. */
const STEP_TIMEOUT_MS = 15_000;

describe.skipIf(!hasChromium && !inCi)(suiteName, () => {
  if (!hasChromium) {
    it('has a browser to drive', () => {
      throw new Error(
        `No Chromium at ${executablePath}, and CI=true makes that a failure, not a skip. ` +
          'Install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH to a Chromium binary.',
      );
    });
    return;
  }

  let dataDir: string;
  let rehearsal: Rehearsal;
  let browser: Browser;
  let unguard: () => void;
  const logs = collectLogs();

  beforeAll(async () => {
    unguard = guardNetwork();
    dataDir = mkdtempSync(join(tmpdir(), 'jwt-grant-e2e-'));
    rehearsal = await startRehearsal({ dataDir, appPort: 0, fakePort: 0, env: {}, logger: logs.logger });
    browser = await launchChromium(executablePath);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rehearsal?.close();
    unguard?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    return page;
  }

  it('installs the app through the UI, then shows the repository the app fetched in the iframe', async () => {
    const page = await newPage();
    try {
      await page.goto(rehearsal.fakeUrl);
      await page.getByRole('heading', { level: 1, name: 'Teams in Space' }).waitFor();
      await saveScreenshot(page, 'e2e-1-workspace');

      await page.getByRole('link', { name: 'Install app from URL' }).first().click();
      await page.getByLabel('App URL').fill(rehearsal.appUrl);
      await page.getByRole('button', { name: 'Install', exact: true }).click();

      await page.getByRole('heading', { level: 1, name: /wants access to Teams in Space/ }).waitFor();
      expect(await page.locator('.scopes').innerText()).toContain('Read your repositories');
      await saveScreenshot(page, 'e2e-2-grant-access');
      await page.getByRole('button', { name: 'Grant access' }).click();

      await page.getByText('is installed in Teams in Space').waitFor();
      expect(await page.locator('.message.success').innerText()).toContain('HTTP 204');
      await saveScreenshot(page, 'e2e-3-installed');
      // The app proves the (unsigned) first install with one token exchange at the fake: its outcome first.
      await rehearsal.installVerifier.idle();
      expect((await rehearsal.store.list({ state: 'active' })).length).toBe(1);

      await page.getByRole('link', { name: 'Workspace', exact: true }).click();
      await page.getByRole('link', { name: 'launch-control', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: /launch-control/ }).waitFor();
      await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('link', { name: /JWT Authorization Grant/ }).click();

      const frame = page.frameLocator('iframe.addon-frame');
      const fullName = frame.getByText('teamsinspace/launch-control').first();
      await fullName.waitFor();
      const framed = await frame.locator('body').innerText();
      expect(framed).toContain('teamsinspace/launch-control');
      expect(framed).toContain('launch-control');
      await saveScreenshot(page, 'e2e-4-jwt-authorization-grant');
      // The repository the REST call returned, further down the framed page.
      await fullName.scrollIntoViewIfNeeded();
      await saveScreenshot(page, 'e2e-5-iframe-repository', { fullPage: false });
    } finally {
      await page.close();
    }

    // The app reached Bitbucket over HTTP: the fake's own token endpoint and API answered.
    const { counts } = rehearsal.fake.mock.state;
    expect(counts.tokensIssued).toBeGreaterThanOrEqual(1);
    expect(counts.byEndpoint['GET /2.0/repositories/{workspace}/{repo_slug}']).toBeGreaterThanOrEqual(1);

    // Neither side logged the shared secret or an access token whole.
    const [app] = rehearsal.fake.registry.list();
    const installation = app && (await rehearsal.fake.registry.installations.get(app.clientKey));
    const secrets = [installation?.sharedSecret, ...rehearsal.fake.mock.state.tokens.keys()].filter((s): s is string => !!s);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    const logged = logs.lines.join('\n');
    for (const secret of secrets) expect(logged).not.toContain(secret);
  }, 90_000);

  it("renders the app's lesson 3 notes", async () => {
    const page = await newPage();
    try {
      const response = await page.goto(`${rehearsal.appUrl}/lessons/3`);
      expect(response?.status()).toBe(200);
      const heading = page.getByRole('heading', { level: 1 }).first();
      await heading.waitFor({ state: 'visible' });
      expect(await heading.innerText()).toMatch(/Lesson 3/);
      await saveScreenshot(page, 'e2e-6-lesson-3', { fullPage: false });
    } finally {
      await page.close();
    }
  }, 30_000);

  it('inspects a pasted JWT at /inspect and names the signer\'s mistake, the typed secret never shown', async () => {
    const url = 'https://api.bitbucket.org/2.0/repositories/teams-in-space?role=member&pagelen=50';
    const secret = 'browser-inspect-secret-0123456789';
    const qsh = qshOf(referenceCanonical({ method: 'GET', url }, ['query-not-sorted']));
    const token = signHs256(appClaims({ appKey: 'jwt-grant-tutorial', clientKey: 'ari:cloud:bitbucket::app/{e2e}/jwt-grant-tutorial', qsh, nowMs: Date.now() }), secret);
    const page = await newPage();
    try {
      await page.goto(`${rehearsal.appUrl}/inspect`);
      await page.fill('textarea[name=token]', token);
      await page.selectOption('select[name=method]', 'GET');
      await page.fill('input[name=url]', url);
      await page.fill('input[name=sharedSecret]', secret);
      await page.click('button[type=submit]');
      await page.getByRole('heading', { name: '✗ Invalid' }).waitFor({ state: 'visible' });
      const text = await page.locator('main').innerText();
      expect(text).toContain('QSH_QUERY_NOT_SORTED');
      expect(await page.content()).not.toContain(secret);
      expect(await page.inputValue('input[name=sharedSecret]')).toBe('');
      await saveScreenshot(page, 'e2e-7-inspect');
    } finally {
      await page.close();
    }
  }, 30_000);
});
