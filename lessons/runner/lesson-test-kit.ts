/**
 * What the lesson tests share beyond `createTestContext`: the fixed clock, a lesson's own
 * installation, running one step by its title, live mode without the network, and a DATA_DIR
 * for `runLessonScript`. See lessons/runner/README.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Installation } from '../../src/store/installation.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import type { HttpExchange } from './exchange.ts';
import type { Lesson, LessonContext, Step } from './lesson.ts';
import type { TestContext } from './test-context.ts';

/**
 * The clock of the lesson tests: 2026-01-01T00:00:00Z, epoch milliseconds.
 *
 * @example createTestContext({ now: () => TEST_NOW })
 */
export const TEST_NOW = Date.parse('2026-01-01T00:00:00Z');

/**
 * The installation a lesson's tests start with: Teams in Space as Bitbucket installs the lab's app
 * (`jwt-grant-tutorial`), at {@link TEST_NOW}, with a shared secret of that lesson's own
 * (`lesson-N-test-shared-secret-…`, 44 characters), so one lesson's secret never shows in another's output.
 *
 * @param o.scopes What the descriptor named; default every scope (a descriptor naming none).
 *
 * @example
 * const installation = testInstallation(4, { scopes: [...DEFAULT_SCOPES] })
 * const ctx = await createTestContext({ installations: [installation], now: () => TEST_NOW })
 */
export function testInstallation(lesson: number, o: { scopes?: string[] } = {}): Installation {
  const sharedSecret = `lesson-${lesson}-test-shared-secret-0123456789abcdef`;
  return installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret }), { ...o, now: () => TEST_NOW });
}

/**
 * Output with its wrapping undone: line breaks, indentation and the quote bars of callouts (`▌`)
 * as one space, so a phrase matches wherever the narration wrapped it.
 *
 * @example expect(flat(ctx.output())).toContain('signed with the stored secret')
 */
export function flat(text: string): string {
  return text.replace(/[\s▌]+/g, ' ');
}

/**
 * What one step added: its output and the HTTP exchanges it made.
 *
 * @example const { out, exchanges } = await run(ctx, 'Start the app in this process')
 */
export interface StepRun {
  /** The output the step added (redacted, no colour); with `fold`, {@link flat}. */
  out: string;
  exchanges: HttpExchange[];
}

/**
 * A lesson's steps by title: `step(title)` (an unknown title fails the test, listing the steps),
 * and `run(ctx, title, as?)`, which runs it with `as` (default `ctx`) and returns what it added.
 *
 * @param o.fold `out` with its wrapping undone ({@link flat}).
 *
 * @example
 * const { step, run } = lessonSteps(lesson, { fold: true })
 * const { out } = await run(ctx, 'Verify the page request as the app does')
 */
export function lessonSteps(
  lesson: Lesson,
  o: { fold?: boolean } = {},
): { step(title: string): Step; run(ctx: TestContext, title: string, as?: LessonContext): Promise<StepRun> } {
  function step(title: string): Step {
    const found = lesson.steps.find((s) => s.title === title);
    if (!found) throw new Error(`no step "${title}" in this lesson; its steps: ${lesson.steps.map((s) => `"${s.title}"`).join(', ')}`);
    return found;
  }
  async function run(ctx: TestContext, title: string, as: LessonContext = ctx): Promise<StepRun> {
    const printed = ctx.output().length;
    const exchanged = ctx.exchanges.length;
    await step(title).run(as);
    const out = ctx.output().slice(printed);
    return { out: o.fold ? flat(out) : out, exchanges: ctx.exchanges.slice(exchanged) };
  }
  return { step, run };
}

/**
 * The context in live mode, without the network: for steps that must send nothing live (a test
 * asserts `ctx.exchanges` stays empty).
 *
 * @example for (const title of mistakes) await step(title).run(asLive(ctx))
 */
export function asLive<C extends LessonContext>(ctx: C): C {
  return { ...ctx, live: true, config: { ...ctx.config, live: true } };
}

/**
 * A fresh DATA_DIR whose SQLite store holds `installations`, for `runLessonScript`.
 *
 * @example const run = await runLessonScript(4, [], { dataDir: await dataDirWith([installation]) })
 */
export async function dataDirWith(installations: readonly Installation[]): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lesson-test-'));
  const store = openSqliteStore({ dataDir });
  try {
    for (const installation of installations) await store.save(installation);
  } finally {
    await store.close();
  }
  return dataDir;
}

/**
 * How many `✓ Step N: ...` lines a run printed: one per step that passed.
 *
 * @example expect(passedSteps(run.stdout)).toBe(lesson.steps.length)
 */
export function passedSteps(stdout: string): number {
  return stdout.split('\n').filter((line) => line.startsWith('✓ Step ')).length;
}
