import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../runner/test-context.ts';
import { withLocalApp } from './local-app.ts';

describe('withLocalApp', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('serves the lab\'s app on loopback, with the lesson\'s store, and collects its log', async () => {
    const seen = await withLocalApp(ctx, async (app) => {
      expect(app.url, 'loopback only, on a port the system picked').toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await ctx.fetch(`${app.url}/atlassian-connect.json`);
      const descriptor = (await response.json()) as { key: string; baseUrl: string };
      expect(descriptor.key, 'the app npm start serves, built from the lesson\'s config').toBe(ctx.config.appKey);
      expect(descriptor.baseUrl).toBe(ctx.config.baseUrl);
      return [...app.log];
    });
    expect(seen.join('\n'), 'the app logged the request instead of writing to the console').toMatch(
      /request method=GET path=\/atlassian-connect\.json status=200/,
    );
  });

  it('closes the app afterwards, also when the step throws', async () => {
    let url = '';
    await expect(
      withLocalApp(ctx, async (app) => {
        url = app.url;
        throw new Error('the step failed');
      }),
    ).rejects.toThrow('the step failed');
    await expect(fetch(`${url}/healthcheck`), 'nothing listens there any more').rejects.toThrow();
  });
});
