import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { exchangeJwtForToken } from '../../src/oauth/exchange.ts';
import { createTestContext } from './test-context.ts';

const sharedSecret = 'test-context-shared-secret-0123456789abcdef';
const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret }));

describe('createTestContext', () => {
  it('answers Bitbucket with the mock, records and prints the exchange, redacted', async () => {
    const ctx = await createTestContext({ installations: [installation] });
    try {
      const token = await exchangeJwtForToken({ installation: await ctx.installation(), fetch: ctx.fetch });
      expect(ctx.mock?.state.tokens.has(token.accessToken), 'the mock issued it').toBe(true);
      expect(ctx.exchanges).toHaveLength(1);
      expect(ctx.exchanges[0]?.request.url).toBe('https://bitbucket.org/site/oauth2/access_token');
      expect(ctx.output()).toContain('← 200 OK');
      expect(ctx.output()).not.toContain(token.accessToken);
    } finally {
      await ctx.close();
    }
  });

  it('never reaches the internet', async () => {
    const ctx = await createTestContext();
    try {
      await expect(ctx.fetch('https://example.com/')).rejects.toThrow();
    } finally {
      await ctx.close();
    }
  });

  it('answers questions with their defaults, or as told', async () => {
    const ctx = await createTestContext({ mock: false, answer: (question) => question.startsWith('Really') });
    const plain = await createTestContext({ mock: false });
    try {
      expect(await ctx.confirm('Really?', { default: false })).toBe(true);
      expect(await plain.confirm('Go on?', { default: false })).toBe(false);
      expect(await plain.confirm('Go on?')).toBe(true);
    } finally {
      await ctx.close();
      await plain.close();
    }
  });

  it('throws ERR_NO_INSTALLATION pointing at lesson 2 when the store is empty, and cleans up', async () => {
    const ctx = await createTestContext({ mock: false });
    await expect(ctx.installation()).rejects.toMatchObject({ code: 'ERR_NO_INSTALLATION', lesson: 2 });
    await ctx.close();
    expect(existsSync(ctx.config.dataDir), 'the temporary DATA_DIR is removed').toBe(false);
  });
});
