/**
 * Lesson tests: a context like the CLI's, with a memory store, the mock started, output captured
 * and nobody at a terminal. See lessons/runner/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { renderMarkdownToTerminal } from '../../src/notes/terminal.ts';
import type { Installation } from '../../src/store/installation.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createMemoryRegistry } from '../../mocks/registry.ts';
import { createLessonContext } from './context.ts';
import type { HttpExchange } from './exchange.ts';
import type { LessonContext } from './lesson.ts';
import { startOfflineMock } from './mock.ts';
import { createOutput } from './output.ts';
import type { Pieces } from './practice/pieces.ts';

/** Options of {@link createTestContext}. */
export interface TestContextOptions {
  /**
   * The store's installations to start with. Default none. The active ones are also what the
   * simulated Bitbucket made (`ctx.registry`), so its token endpoint answers for them.
   */
  installations?: Installation[];
  /** The lesson's flags, as the CLI would parse them: `{ 'base-url': 'https://x.ngrok.app' }`. */
  flags?: Record<string, string | boolean>;
  /** Environment for `loadConfig` (`BASE_URL`, `SCENARIO`, ...). `LIVE` is ignored: tests never leave the process. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Start the Bitbucket mock (default true). A lesson that makes no request can skip it. */
  mock?: boolean;
  /** What `ctx.confirm` answers; default: each question's default (as with no terminal). */
  answer?: (question: string, defaultValue: boolean) => boolean;
  /** `ctx.mine`: pieces standing in for src/, as `--mine` loads them (e.g. `loadPieces(...)`). Default none. */
  mine?: Partial<Pieces>;
}

/** A lesson context for tests, plus what the learner would have seen. */
export interface TestContext extends LessonContext {
  /** Everything printed so far, redacted, without colour. */
  output(): string;
  /** The HTTP exchanges made through `ctx.fetch`, unredacted, for assertions. */
  exchanges: HttpExchange[];
  /** Stops the mock, closes the store, removes the temporary DATA_DIR. */
  close(): Promise<void>;
}

/**
 * Creates a context for testing a lesson's steps one by one.
 *
 * @example
 * const ctx = await createTestContext({ flags: { 'base-url': 'https://abc.ngrok.app' } })
 * afterAll(() => ctx.close())
 * it('Step 1: Build the descriptor', async () => {
 *   await lesson.steps[0]!.run(ctx)
 *   expect(ctx.output()).toContain('"baseUrl": "https://abc.ngrok.app"')
 * })
 */
export async function createTestContext(o: TestContextOptions = {}): Promise<TestContext> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lesson-test-'));
  const config = loadConfig({ ...o.env, DATA_DIR: dataDir, LIVE: '' });
  const store = createMemoryStore(o.installations ?? []);
  const registry = createMemoryRegistry((o.installations ?? []).filter((installation) => installation.state === 'active'));
  const now = o.now ?? Date.now;
  const chunks: string[] = [];
  const output = createOutput({ write: (text) => chunks.push(text), color: false, width: 100, markdown: renderMarkdownToTerminal });
  const exchanges: HttpExchange[] = [];
  const { answer } = o;
  const offline = o.mock === false ? undefined : await startOfflineMock({ config, registry, now });
  const ctx = createLessonContext({
    config,
    flags: o.flags ?? {},
    store,
    now,
    mock: offline?.mock,
    registry,
    output,
    ask: answer && (async (question: string, fallback: boolean) => answer(question, fallback)),
    yes: false,
    onExchange: (exchange) => exchanges.push(exchange),
    mine: o.mine,
  });
  return {
    ...ctx,
    output: () => chunks.join(''),
    exchanges,
    async close() {
      await offline?.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
