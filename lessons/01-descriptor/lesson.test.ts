import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import lesson from './lesson.ts';

function step(title: string) {
  const found = lesson.steps.find((s) => s.title === title);
  if (!found) throw new Error(`lesson 1 has no step "${title}"`);
  return found;
}

describe('Lesson 1: the app descriptor (BASE_URL default, offline)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ mock: false });
  });
  afterAll(() => ctx.close());

  it('has its steps in teaching order', () => {
    expect(lesson.steps.map((s) => s.title), 'the runner prints the steps in this order').toEqual([
      'Build the descriptor for your base URL',
      'Follow the URLs Bitbucket builds from it',
      'Validate it as Bitbucket would',
      'See three descriptors Bitbucket refuses',
    ]);
  });

  it('Step 1: Build the descriptor for your base URL', async () => {
    await step('Build the descriptor for your base URL').run(ctx);
    const out = ctx.output();
    expect(out, 'the descriptor is printed for the configured BASE_URL').toContain('"baseUrl": "http://localhost:3000"');
    expect(out, 'the key is the app key: iss of every JWT the app signs').toContain('"key": "jwt-grant-tutorial"');
    expect(out, 'Bitbucket signs its calls to the app with a JWT').toContain('"type": "jwt"');
    expect(out, 'the repository page carries the repository UUID as a context parameter').toContain(
      '"url": "/oauth-callback?repoUuid={repository.uuid}"',
    );
    expect(out, 'the lifecycle hook where the sharedSecret arrives').toContain('"installed": "/installed"');
  });

  it('Step 2: Follow the URLs Bitbucket builds from it', async () => {
    await step('Follow the URLs Bitbucket builds from it').run(ctx);
    const out = ctx.output();
    expect(out, 'Bitbucket concatenates baseUrl and the lifecycle path').toContain('POST http://localhost:3000/installed');
    expect(out, 'the context parameter is filled in URL-encoded, braces included').toMatch(
      /\/oauth-callback\?repoUuid=%7B[0-9a-f-]{36}%7D&jwt=/,
    );
    expect(out, 'the install link names the descriptor URL and the way back, not addon_key (Marketplace apps only)').toContain(
      'https://bitbucket.org/site/addons/authorize?descriptor_uri=http%3A%2F%2Flocalhost%3A3000%2Fatlassian-connect.json' +
        '&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Finstall-complete',
    );
    expect(out).not.toContain('addon_key=jwt-grant-tutorial');
    expect(out, 'where Bitbucket sends the admin back').toContain('http://localhost:3000/install-complete');
  });

  it('Step 3: Validate it as Bitbucket would', async () => {
    await step('Validate it as Bitbucket would').run(ctx);
    const out = ctx.output();
    expect(out, 'an http localhost baseUrl is fine offline').toContain('Valid for the **offline** lessons');
    expect(out, 'but live Bitbucket only calls apps over TLS, and cannot reach localhost').toContain(
      'is http, and Bitbucket only installs apps served over https',
    );
  });

  it('Step 4: See three descriptors Bitbucket refuses', async () => {
    await step('See three descriptors Bitbucket refuses').run(ctx);
    const out = ctx.output();
    expect(out, 'the baseUrl must be https: Bitbucket only calls apps over TLS').toContain('"http://abc123.ngrok.app" is http');
    expect(out, 'a trailing slash turns /installed into //installed').toContain('ends with "/"');
    expect(out, 'an unknown scope fails the install, and the closest known one is suggested').toContain(
      'did you mean "repository"?',
    );
  });
});

describe('Lesson 1 with --base-url', () => {
  it('Step 1 and step 3: a public https base URL is valid for live Bitbucket too', async () => {
    const ctx = await createTestContext({ mock: false, flags: { 'base-url': 'https://abc123.ngrok.app' } });
    try {
      await step('Build the descriptor for your base URL').run(ctx);
      await step('Validate it as Bitbucket would').run(ctx);
      expect(ctx.output(), 'the flag wins over BASE_URL').toContain('"baseUrl": "https://abc123.ngrok.app"');
      expect(ctx.output(), 'https, public, no trailing slash: what live Bitbucket accepts').toContain('Valid for live Bitbucket too');
    } finally {
      await ctx.close();
    }
  });

  it('Step 1 fails with every problem listed when the base URL has a trailing slash', async () => {
    const ctx = await createTestContext({ mock: false, flags: { 'base-url': 'https://abc123.ngrok.app/' } });
    try {
      await expect(step('Build the descriptor for your base URL').run(ctx), 'a trailing slash breaks every URL Bitbucket builds').rejects.toMatchObject({
        code: 'ERR_DESCRIPTOR_INVALID',
        lesson: 1,
      });
    } finally {
      await ctx.close();
    }
  });

  it('Step 3 applies the live rules in live mode: an http base URL fails', async () => {
    const ctx = await createTestContext({ mock: false });
    try {
      // Live mode without the network: only the validation step, which makes no request.
      const live = { ...ctx, live: true, config: { ...ctx.config, live: true } };
      await expect(step('Validate it as Bitbucket would').run(live), 'live Bitbucket refuses an http baseUrl').rejects.toMatchObject({
        code: 'ERR_DESCRIPTOR_INVALID',
      });
    } finally {
      await ctx.close();
    }
  });
});
