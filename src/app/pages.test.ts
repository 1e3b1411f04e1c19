import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lessonDir, loadManifest } from '../../lessons/runner/manifest.ts';
import type { InstallationStore } from '../store/installation.ts';
import { createMemoryStore } from '../store/memory.ts';
import { startTestApp, tempDataDir, TEST_BASE_URL, type TestApp } from './test-support/harness.ts';

const SECRET = 'pages-test-secret-0123456789abcdef-LMN';

let app: TestApp | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A lessons directory with two lessons in the manifest, and notes for the first only. */
function fixtureLessons(): string {
  const { dir, remove } = tempDataDir();
  cleanups.push(remove);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([
      { number: 1, slug: 'descriptor', title: 'The app descriptor' },
      { number: 2, slug: 'lifecycle', title: 'The lifecycle' },
    ]),
  );
  mkdirSync(join(dir, '01-descriptor'));
  writeFileSync(join(dir, '01-descriptor', 'notes.md'), '# The descriptor\n\nThe app serves `atlassian-connect.json` <script>alert(1)</script>.\n');
  return dir;
}

describe('GET /atlassian-connect.json', () => {
  it('serves the descriptor with baseUrl from BASE_URL', async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/atlassian-connect.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const descriptor = (await response.json()) as Record<string, unknown>;
    expect(descriptor.baseUrl).toBe(TEST_BASE_URL);
    expect(descriptor.key).toBe('jwt-grant-tutorial');
    expect(descriptor.lifecycle).toEqual({ installed: '/installed', uninstalled: '/uninstalled' });
    expect(JSON.stringify(descriptor.modules)).toContain('/oauth-callback?repoUuid={repository.uuid}');
  });

  it('refuses to build an app whose descriptor is invalid for live mode (http BASE_URL)', async () => {
    await expect(startTestApp({ env: { LIVE: '1', BASE_URL: 'http://localhost:3000' } })).rejects.toMatchObject({ code: 'ERR_DESCRIPTOR_INVALID' });
  });
});

describe('GET /healthcheck', () => {
  it('answers OK in text/plain when the store answers', async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/healthcheck`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('OK');
  });

  it('answers 503 when the store fails', async () => {
    const store = createMemoryStore();
    app = await startTestApp({ deps: { store }, closeStore: false });
    await store.close();
    const response = await fetch(`${app.url}/healthcheck`);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/^ERR_STORE_UNAVAILABLE: /);
    expect(app.lines.some((line) => line.includes('healthcheck failed'))).toBe(true);
  });
});

describe('GET /: the landing page', () => {
  it('lists the lessons with progress, the flow, the URLs and the installation count, no secret', async () => {
    const lessonsDir = fixtureLessons();
    app = await startTestApp({ deps: { lessonsDir } });
    writeFileSync(join(app.config.dataDir, 'progress.json'), JSON.stringify({ completed: [1] }));
    await app.install({ sharedSecret: SECRET });
    const response = await fetch(`${app.url}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('1 of 2 completed');
    expect(html).toMatch(/<li value="1" class="done"><a href="\/lessons\/1">The app descriptor<\/a>/);
    expect(html).toMatch(/<li value="2"><a href="\/lessons\/2">The lifecycle<\/a>/);
    expect(html).toContain('class="flow-diagram"');
    expect(html).toContain(`${TEST_BASE_URL}/atlassian-connect.json`);
    // descriptor_uri, not addon_key (which works only for Marketplace apps), and the way back.
    expect(html).toContain(
      `https://bitbucket.org/site/addons/authorize?descriptor_uri=${encodeURIComponent(`${TEST_BASE_URL}/atlassian-connect.json`)}` +
        `&amp;redirect_uri=${encodeURIComponent(`${TEST_BASE_URL}/install-complete`)}`,
    );
    expect(html).toMatch(/Installations stored<\/th><td>1</);
    expect(html).not.toContain(SECRET);
  });

  it('shows no progress when progress.json is missing or malformed', async () => {
    app = await startTestApp({ deps: { lessonsDir: fixtureLessons() } });
    expect(await (await fetch(`${app.url}/`)).text()).toContain('0 of 2 completed');
    writeFileSync(join(app.config.dataDir, 'progress.json'), '{not json');
    const response = await fetch(`${app.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('0 of 2 completed');
  });
});

describe('GET /lessons/:n', () => {
  it('renders the notes as HTML with navigation, escaping raw HTML in the markdown', async () => {
    app = await startTestApp({ deps: { lessonsDir: fixtureLessons() } });
    const response = await fetch(`${app.url}/lessons/1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Lesson 1: The app descriptor');
    expect(html).toMatch(/<h1[^>]*>The descriptor/);
    expect(html).toContain('href="/lessons/2"');
    expect(html).not.toContain('<script>alert(1)</script>');
  });

  it('answers 404 for a lesson without notes and for one not in the manifest', async () => {
    app = await startTestApp({ deps: { lessonsDir: fixtureLessons() } });
    for (const n of ['2', '3', '99']) {
      const response = await fetch(`${app.url}/lessons/${n}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('ERR_NOT_FOUND');
    }
  });

  it('answers 400 for a malformed lesson number', async () => {
    app = await startTestApp({ deps: { lessonsDir: fixtureLessons() } });
    for (const n of ['abc', '01', '0', '1.5', '100', '1%00']) {
      const response = await fetch(`${app.url}/lessons/${n}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('ERR_PARAM_INVALID');
    }
  });

  it('serves every lesson of this checkout that has notes, and 404 for those without', async () => {
    app = await startTestApp();
    for (const entry of loadManifest()) {
      const hasNotes = existsSync(join(lessonDir(entry), 'notes.md'));
      const response = await fetch(`${app.url}/lessons/${entry.number}`);
      expect(response.status).toBe(hasNotes ? 200 : 404);
      if (hasNotes) expect(await response.text()).toContain(entry.title);
    }
  });
});

describe('unknown routes and failures', () => {
  it('answers 404 as JSON to API clients and as HTML to browsers', async () => {
    app = await startTestApp();
    const json = await fetch(`${app.url}/nope`, { headers: { Accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({ error: 'ERR_NOT_FOUND' });
    const html = await fetch(`${app.url}/nope`, { headers: { Accept: 'text/html' } });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const post = await fetch(`${app.url}/atlassian-connect.json`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('answers 400, not 500, for a malformed path', async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/lessons/%E0%A4%A`, { headers: { Accept: 'application/json' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'ERR_BAD_REQUEST' });
  });

  it('answers a real failure with 500 ERR_INTERNAL and the request id, and logs it redacted', async () => {
    const broken: InstallationStore = {
      ...createMemoryStore(),
      list: async () => {
        throw new Error(`database exploded near sharedSecret=${SECRET}`);
      },
    };
    app = await startTestApp({ deps: { store: broken, lessonsDir: fixtureLessons() } });
    const response = await fetch(`${app.url}/`, { headers: { Accept: 'application/json' } });
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id');
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('ERR_INTERNAL');
    expect(body.message).toContain(requestId);
    expect(JSON.stringify(body)).not.toContain('exploded');
    const logged = app.lines.find((line) => line.startsWith('internal error'));
    expect(logged).toContain(`id=${requestId}`);
    expect(logged).toContain('database exploded');
    expect(logged).not.toContain(SECRET);
  });

  it('sets the security headers on every response and no X-Powered-By', async () => {
    app = await startTestApp({ env: { BITBUCKET_URL: 'http://localhost:4000' } });
    const response = await fetch(`${app.url}/healthcheck`);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://bitbucket.org http://localhost:4000");
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the routes under the context path of BASE_URL too', async () => {
    app = await startTestApp({ env: { BASE_URL: `${TEST_BASE_URL}/app` } });
    expect((await fetch(`${app.url}/app/healthcheck`)).status).toBe(200);
    expect((await fetch(`${app.url}/healthcheck`)).status).toBe(200);
    const descriptor = (await (await fetch(`${app.url}/app/atlassian-connect.json`)).json()) as { baseUrl: string };
    expect(descriptor.baseUrl).toBe(`${TEST_BASE_URL}/app`);
  });
});
