import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { defineLesson } from './lesson.ts';
import { asLive, dataDirWith, flat, lessonSteps, passedSteps, TEST_NOW, testInstallation } from './lesson-test-kit.ts';
import { createTestContext } from './test-context.ts';

const lesson = defineLesson({
  steps: [
    { title: 'Say hello', run: async (ctx) => ctx.say('Hello,\n  wrapped\n▌ world.') },
    { title: 'Fetch', run: async (ctx) => void (await ctx.fetch('https://bitbucket.org/site/oauth2/access_token', { method: 'POST' })) },
  ],
});

describe('the lesson test kit', () => {
  it('runs a step by title and returns what it added, folded on request; an unknown title lists the steps', async () => {
    const ctx = await createTestContext({ installations: [testInstallation(9)], now: () => TEST_NOW });
    try {
      const { step, run } = lessonSteps(lesson, { fold: true });
      expect((await run(ctx, 'Say hello')).out).toContain('Hello, wrapped world.');
      const fetched = await run(ctx, 'Fetch');
      expect(fetched.exchanges.map((e) => e.request.url)).toEqual(['https://bitbucket.org/site/oauth2/access_token']);
      expect(fetched.out, 'only what this step printed').not.toContain('Hello');
      expect(() => step('Say goodbye')).toThrow('no step "Say goodbye" in this lesson; its steps: "Say hello", "Fetch"');
    } finally {
      await ctx.close();
    }
  });

  it("gives each lesson its own installation and secret, at the tests' clock", () => {
    const four = testInstallation(4, { scopes: ['account'] });
    expect(four.sharedSecret).toBe('lesson-4-test-shared-secret-0123456789abcdef');
    expect(four.scopes).toEqual(['account']);
    expect(four.installedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(testInstallation(5).sharedSecret).not.toBe(four.sharedSecret);
  });

  it('puts a context in live mode without touching the original', async () => {
    const ctx = await createTestContext({ mock: false });
    try {
      const live = asLive(ctx);
      expect([live.live, live.config.live, ctx.live, ctx.config.live]).toEqual([true, true, false, false]);
    } finally {
      await ctx.close();
    }
  });

  it('stores installations in a fresh DATA_DIR, and counts passed steps', async () => {
    const installation = testInstallation(4);
    const dataDir = await dataDirWith([installation]);
    expect(readdirSync(dataDir)).toContain('installations.db');
    const store = openSqliteStore({ dataDir });
    try {
      expect(await store.get(installation.clientKey)).toMatchObject({ sharedSecret: installation.sharedSecret });
    } finally {
      await store.close();
    }
    expect(passedSteps('✓ Step 1: A\n✗ Step 2: B\n  ✓ Step 3 (indented)\n✓ Step 4: D\n')).toBe(2);
    expect(flat('a\n  ▌ b\tc')).toBe('a b c');
  });
});
