import type { Config } from '../../src/config.ts';
import type { InstallationStore } from '../../src/store/installation.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import type { BitbucketRegistry } from '../../mocks/registry.ts';
import { LessonDefinitionError } from './errors.ts';
import { formatRequestForTerminal, formatResponseForTerminal, type HttpExchange, type RecordedRequest } from './exchange.ts';
import { noInstallationError, latestInstallation } from './installation.ts';
import type { LessonContext } from './lesson.ts';
import type { ManifestEntry } from './manifest.ts';
import type { Output } from './output.ts';
import type { Style } from './style.ts';
import type { Pieces } from './practice/pieces.ts';
import { createRecordingFetch } from './recording-fetch.ts';

/**
 * A request in brief: its line, and the scheme of its Authorization header (which says whether and
 * how it is signed), never a part of the credentials: a cut secret would escape redaction.
 */
function briefRequest(request: RecordedRequest, style: Style): string[] {
  const authorization = request.headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const scheme = authorization?.trim().split(/\s+/)[0];
  return [`${style.cyan('→')} ${style.bold(`${request.method} ${request.url}`)}${scheme ? `  ${style.dim('authorization:')} ${scheme} …` : ''}`];
}

/** What {@link createLessonContext} builds a context from. */
export interface LessonContextOptions {
  config: Config;
  flags: Record<string, string | boolean>;
  store: InstallationStore;
  now: () => number;
  /**
   * Offline, the mock for `ctx.mock`; `'undeclared'` when the lesson did not declare `mock` (then
   * reading `ctx.mock` throws ERR_LESSON_DEFINITION, rather than look like a live run). Absent live.
   */
  mock?: BitbucketMock | 'undeclared';
  /** Offline, the simulated Bitbucket's registry (`ctx.registry`). Absent live. */
  registry?: BitbucketRegistry;
  /** Where narration and exchanges are printed. */
  output: Output;
  /**
   * Asks the learner; absent when nobody can answer (no terminal, or `--yes`). `signal` withdraws
   * the question (a request's caller gave up while the learner was reading it).
   */
  ask?: (question: string, defaultValue: boolean, signal?: AbortSignal) => Promise<boolean>;
  /** `--yes`: every question is answered yes. */
  yes: boolean;
  /** The lesson that stores an installation, named when there is none. */
  provider?: ManifestEntry;
  /** The fetch that sends; default `globalThis.fetch`, looked up at each request. */
  fetch?: typeof fetch;
  /** Each finished exchange, e.g. for the transcript. */
  onExchange?: (exchange: HttpExchange) => void;
  /** The transcript file, named where a long body is shortened on the terminal. */
  transcript?: string;
  /** `--mine`: the learner's pieces, for `ctx.mine`. Default none. */
  mine?: Partial<Pieces>;
}

/**
 * Builds the context a lesson's steps run with: one object for the whole run, so steps can pass
 * values along in `ctx.state`. Used by the CLI and by `createTestContext`.
 *
 * @example
 * const ctx = createLessonContext({ config, flags: {}, store, now: Date.now, output, yes: true })
 * await lesson.steps[0].run(ctx)
 */
export function createLessonContext(o: LessonContextOptions): LessonContext {
  const { output } = o;
  const ask = async (question: string, fallback: boolean, signal?: AbortSignal) => {
    if (o.yes) return true;
    return o.ask ? o.ask(question, fallback, signal) : fallback;
  };
  const confirm = (question: string, options: { default?: boolean } = {}) => ask(question, options.default ?? true);
  const bodies = o.transcript === undefined ? {} : { transcript: o.transcript };
  /** Full: each exchange printed whole (long bodies shortened). Brief: one line each way; the transcript has all of it. */
  const recordingFetch = (brief: boolean) =>
    createRecordingFetch({
      fetch: o.fetch,
      onSecret: (value) => output.secret(value),
      onRequest: (request) =>
        output.line((brief ? briefRequest(request, output.style) : formatRequestForTerminal(request, output.style, bodies)).join('\n')),
      confirm: (_request, signal) => ask('Send this request?', true, signal),
      onExchange: (exchange) => {
        const lines = formatResponseForTerminal(exchange, output.style, bodies);
        output.line(brief ? (lines[0] ?? '') : `${lines.join('\n')}\n`);
        o.onExchange?.(exchange);
      },
    });
  const { mock } = o;
  return {
    config: o.config,
    live: o.config.live,
    flags: o.flags,
    store: o.store,
    fetch: recordingFetch(false),
    briefFetch: recordingFetch(true),
    now: o.now,
    get mock() {
      if (mock === 'undeclared') {
        throw new LessonDefinitionError(
          "this lesson reads ctx.mock but does not declare it: add mock: 'state' to its defineLesson({ ... }) (offline, the simulated Bitbucket is loaded up front only for lessons that say so).",
        );
      }
      return mock;
    },
    registry: o.registry,
    state: {},
    mine: o.mine ?? {},
    async installation() {
      const installation = await latestInstallation(o.store, { live: o.config.live });
      if (!installation) throw await noInstallationError(o.config, o.provider, o.store);
      output.secret(installation.sharedSecret);
      return installation;
    },
    secret: (value) => output.secret(value),
    say: (markdown) => output.say(markdown),
    show: (label, value) => output.show(label, value),
    confirm,
  };
}
