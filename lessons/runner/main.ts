/**
 * `npm run lesson [n] [-- flags]`: the lesson runner, as a function of its inputs and outputs so
 * that it can be tested in-process. `cli.ts` wires it to the real process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../../src/config.ts';
import { LESSON_ARROWS, renderFlowDiagram } from '../../src/notes/diagram.ts';
import type { InstallationStore } from '../../src/store/installation.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import type { BitbucketRegistry } from '../../mocks/registry.ts';
import { RUNNER_FLAGS, checkFlags, formatFlagHelp, parseArgs, type ParsedArgs } from './args.ts';
import { createLessonContext } from './context.ts';
import { UsageError } from './errors.ts';
import { latestInstallation, liveNoInstallationMessage, offlineNoInstallationMessage } from './installation.ts';
import { createInterrupt, interruptiblePrompts, type Interrupt } from './interrupt.ts';
import { notesIntro } from './intro.ts';
import type { Lesson } from './lesson.ts';
import { listExercises } from './practice/exercises.ts';
import type { Pieces } from './practice/pieces.ts';
import { practiceSummary, readPracticeState } from './practice/state.ts';
import { importLesson } from './load-lesson.ts';
import { LESSONS_DIR, findLesson, lessonDir, loadManifest, type ManifestEntry } from './manifest.ts';
import { startOfflineBitbucket, type OfflineBitbucket } from './offline.ts';
import { createOutput, type MarkdownRenderer, type Output, type OutputOptions } from './output.ts';
import { markCompleted, nextLesson, readProgress, type Progress } from './progress.ts';
import { isPromptExit, loadTerminalPrompts, type Prompts } from './prompts.ts';
import { describeError, runSteps, type StepsResult } from './run-steps.ts';
import { useColor } from './style.ts';
import { createTranscript, transcriptPath } from './transcript.ts';

/** The process as the runner sees it; tests pass their own. */
export interface CliIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  /** stdin and stdout are both terminals, so a person can answer prompts. */
  interactive: boolean;
  /** Default: @inquirer/prompts, imported on first use. */
  prompts?: () => Promise<Prompts>;
  /** Default: this checkout's `lessons/`. */
  lessonsDir?: string;
  /** Default: import `lessons/NN-slug/lesson.ts`. */
  loadLesson?: (entry: ManifestEntry) => Promise<Lesson>;
  now?: () => number;
}

/**
 * The exit codes of `npm run lesson` (lessons/runner/README.md).
 *
 * @example
 * if (code === EXIT.usage) console.error('see npm run lesson -- --help')
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * Runs the lesson CLI and returns its exit code: 0 success, 1 a failed step (or no installation),
 * 2 a usage or configuration error, 130 Ctrl-C at a prompt.
 *
 * Ctrl-C at a prompt is recorded as it happens (interrupt.ts): from then on nothing more is
 * printed or asked, and the run ends with `Interrupted.` and 130, whatever error the step made
 * of it. (Ctrl-C elsewhere is a SIGINT, which `runProcess` turns into the same line and code.)
 *
 * @example
 * process.exitCode = await runLessonCli({ argv: ['1', '--yes'], env: process.env, stdout: process.stdout,
 *   stderr: process.stderr, interactive: false })
 */
export async function runLessonCli(io: CliIo): Promise<number> {
  const errors = createOutput({ write: (text) => io.stderr.write(text), color: false });
  const modules = runModules();
  let store: InstallationStore | undefined;
  let registry: BitbucketRegistry | undefined;
  const open = {
    store: async (config: Config) => (store ??= (await modules.sqlite()).openSqliteStore({ dataDir: config.dataDir })),
    // The simulated Bitbucket's own record of what it installed, in DATA_DIR: offline runs only.
    registry: async (config: Config) => (registry ??= (await import('../../mocks/registry.ts')).openSimulatedRegistry({ dataDir: config.dataDir })),
  };
  const interrupt = createInterrupt();
  const interrupted = () => {
    io.stdout.write('Interrupted.\n');
    return EXIT.interrupted;
  };
  try {
    const code = await run(io, modules, open, interrupt);
    return interrupt.interrupted ? interrupted() : code;
  } catch (error) {
    if (isPromptExit(error)) interrupt.record();
    if (interrupt.interrupted) return interrupted();
    errors.line(describeError(error).join('\n'));
    if (error instanceof UsageError) errors.line('Run `npm run lesson -- --help` for usage.');
    return error instanceof UsageError || error instanceof ConfigError ? EXIT.usage : EXIT.failed;
  } finally {
    await store?.close();
    await registry?.close();
  }
}

/** Opens, once per run, the app's store and the simulated Bitbucket's registry. */
interface Openers {
  store(config: Config): Promise<InstallationStore>;
  registry(config: Config): Promise<BitbucketRegistry>;
}

/**
 * The heavy modules of a lesson run, imported on first use: the store (better-sqlite3, zod) and the
 * markdown renderer (markdown-it), which `--help`, the menu and usage errors do without.
 */
interface RunModules {
  sqlite(): Promise<typeof import('../../src/store/sqlite.ts')>;
  terminal(): Promise<typeof import('../../src/notes/terminal.ts')>;
  /** Starts both imports now, so they load side by side with the lesson module; a failure shows where they are awaited. */
  start(): void;
}

function runModules(): RunModules {
  let sqlite: ReturnType<RunModules['sqlite']> | undefined;
  let terminal: ReturnType<RunModules['terminal']> | undefined;
  const modules: RunModules = {
    sqlite: () => (sqlite ??= import('../../src/store/sqlite.ts')),
    terminal: () => (terminal ??= import('../../src/notes/terminal.ts')),
    start() {
      modules.sqlite().catch(() => {});
      modules.terminal().catch(() => {});
    },
  };
  return modules;
}

async function run(io: CliIo, modules: RunModules, open: Openers, interrupt: Interrupt): Promise<number> {
  const parsed = parseArgs(io.argv);
  const runner = checkFlags(new Map([...parsed.flags].filter(([name]) => Object.hasOwn(RUNNER_FLAGS, name))), RUNNER_FLAGS);
  const color = useColor({ isTTY: io.stdout.isTTY, env: io.env, noColorFlag: runner['no-color'] === true });
  // After Ctrl-C, silence: the step unwinding (its error, its cleanup) is not news to the learner.
  const write = (text: string) => {
    if (!interrupt.interrupted) io.stdout.write(text);
  };
  const outputOptions: OutputOptions = { write, color, width: io.stdout.columns || 80 };
  // Menus, help and reset print lines only; a lesson run makes its own output, with markdown.
  const output = createOutput(outputOptions);
  const config = loadConfig(io.env);
  const lessonsDir = io.lessonsDir ?? LESSONS_DIR;
  const manifest = loadManifest(lessonsDir);
  const loadLesson = io.loadLesson ?? ((entry: ManifestEntry) => importLesson(entry, lessonsDir));
  if (parsed.positionals.length > 1) {
    throw new UsageError(`Give one lesson number, not ${parsed.positionals.length} arguments (${parsed.positionals.join(' ')}).`);
  }
  const entry = parsed.positionals[0] === undefined ? undefined : findLesson(manifest, parsed.positionals[0]);

  if (runner.help) {
    const lesson = entry ? await loadLesson(entry) : undefined;
    output.line(helpText(manifest, readProgress(config.dataDir), entry, lesson).join('\n'));
    return EXIT.ok;
  }

  const interactive = io.interactive && runner.yes !== true;
  let prompts: Promise<Prompts> | undefined;
  const getPrompts = () => (prompts ??= (io.prompts ?? loadTerminalPrompts)().then((loaded) => interruptiblePrompts(loaded, interrupt)));
  const ask = interactive
    ? async (question: string, fallback: boolean, signal?: AbortSignal) => (await getPrompts()).confirm(question, fallback, signal)
    : undefined;
  const load = async (chosen: ManifestEntry) => {
    const lesson = await loadLesson(chosen);
    return { entry: chosen, lesson, flags: lessonFlags(parsed, lesson) };
  };
  if (entry) modules.start();
  // Every flag is checked before anything is changed: with a lesson, against its flags too.
  let selected = entry ? await load(entry) : undefined;
  if (!selected) checkFlags(parsed.flags, RUNNER_FLAGS);

  if (runner.reset) {
    const { countInstallations, resetLessonData } = await import('./reset.ts');
    const store = await open.store(config);
    const { simulated, real } = await countInstallations(store);
    const what = `progress, transcripts and ${plural(simulated, 'simulated installation')}`;
    const keeping = real ? ` (${plural(real, 'installation')} captured from real Bitbucket will be kept)` : '';
    if (ask && !(await ask(`Clear ${what} in ${config.dataDir}${keeping}?`, false))) {
      output.line('Nothing cleared.');
      return EXIT.ok;
    }
    const result = await resetLessonData({ dataDir: config.dataDir, store, registry: await open.registry(config) });
    output.line(
      `Cleared progress, ${plural(result.transcripts, 'transcript')} and ${plural(result.installations, 'simulated installation')} in ${config.dataDir}.` +
        (result.keptInstallations ? ` Kept ${plural(result.keptInstallations, 'installation')} captured from real Bitbucket.` : ''),
    );
    if (!selected) return EXIT.ok;
  }

  if (!selected) {
    const progress = readProgress(config.dataDir);
    const lines = menuLines(manifest, progress, practiceSummary(listExercises(manifest, lessonsDir), readPracticeState(config.dataDir)));
    if (!interactive) {
      output.line(['Lessons:', ...lines.map((l) => `  ${l.name}`), '', 'Run one with: npm run lesson <n>   (options: npm run lesson -- --help)'].join('\n'));
      return EXIT.usage;
    }
    const next = nextLesson(manifest.map((e) => e.number), progress) ?? manifest[0]?.number;
    const number = await (await getPrompts()).select('Which lesson?', lines, next);
    selected = await load(findLesson(manifest, String(number)));
  }
  return runLesson({
    io,
    config,
    manifest,
    ...selected,
    outputOptions,
    markdown: (await modules.terminal()).renderMarkdownToTerminal,
    ask,
    interrupt,
    yes: runner.yes === true,
    simulate: runner.simulate === true,
    mine: runner.mine === true,
    store: await open.store(config),
    registry: config.live ? undefined : await open.registry(config),
    lessonsDir,
    loadLesson,
  });
}

/** `1 transcript`, `2 transcripts`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function lessonFlags(parsed: ParsedArgs, lesson: Lesson): Record<string, string | boolean> {
  const all = checkFlags(parsed.flags, { ...RUNNER_FLAGS, ...lesson.flags });
  return Object.fromEntries(Object.entries(all).filter(([name]) => !Object.hasOwn(RUNNER_FLAGS, name)));
}

/**
 * The menu: ✓ done, ▸ next; beside a lesson with exercises, how many of them its last test runs
 * passed (`npm run practice` keeps those results in DATA_DIR).
 */
function menuLines(
  manifest: ManifestEntry[],
  progress: Progress,
  practice: ReadonlyMap<number, { done: number; total: number }> = new Map(),
): { name: string; value: number }[] {
  const next = nextLesson(manifest.map((e) => e.number), progress);
  return manifest.map((e) => {
    const mark = progress.completed.includes(e.number) ? '✓' : e.number === next ? '▸' : ' ';
    const exercises = practice.get(e.number);
    const done = exercises ? `  · exercises ${exercises.done}/${exercises.total}` : '';
    return { name: `${mark} ${e.number}. ${e.title}${done}`, value: e.number };
  });
}

function helpText(manifest: ManifestEntry[], progress: Progress, entry: ManifestEntry | undefined, lesson: Lesson | undefined): string[] {
  return [
    'Usage:',
    '  npm run lesson                  choose a lesson from a menu (on a terminal)',
    '  npm run lesson <n> [-- flags]   run lesson n',
    '  npm run notes <n>               read lesson n\'s notes',
    '',
    'Flags (after --, e.g. npm run lesson 3 -- --yes):',
    ...formatFlagHelp(RUNNER_FLAGS),
    ...(entry && lesson?.flags && Object.keys(lesson.flags).length > 0
      ? ['', `Flags of lesson ${entry.number}:`, ...formatFlagHelp(lesson.flags)]
      : []),
    '',
    'Lessons (✓ done, ▸ next):',
    ...menuLines(manifest, progress).map((l) => `  ${l.name}`),
    '',
    'Environment: LIVE=1 (real Bitbucket), DATA_DIR (default .data), SCENARIO (offline failures), NO_COLOR=1.',
    'Exit codes: 0 done, 1 a step failed, 2 usage or configuration error, 130 interrupted.',
  ];
}

interface RunLessonOptions {
  io: CliIo;
  config: Config;
  manifest: ManifestEntry[];
  entry: ManifestEntry;
  lesson: Lesson;
  flags: Record<string, string | boolean>;
  outputOptions: OutputOptions;
  markdown: MarkdownRenderer;
  ask: ((question: string, fallback: boolean, signal?: AbortSignal) => Promise<boolean>) | undefined;
  interrupt: Interrupt;
  yes: boolean;
  simulate: boolean;
  /** `--mine`: the learner's exercise code in place of src/ (lessons/runner/practice/pieces.ts). */
  mine: boolean;
  store: InstallationStore;
  /** Offline: the simulated Bitbucket's registry. */
  registry: BitbucketRegistry | undefined;
  lessonsDir: string;
  loadLesson: (entry: ManifestEntry) => Promise<Lesson>;
}

/** The run of one lesson, once its output (with markdown) is made. */
type LessonRun = RunLessonOptions & { output: Output };

/** `--mine`: the learner's pieces this lesson declares, loaded; a usage error for a lesson that takes none. */
async function loadMine(o: LessonRun): Promise<{ pieces: Partial<Pieces>; description: string }> {
  const { describeLoaded, lessonsWithPieces, loadPieces } = await import('./practice/pieces.ts');
  const exercises = listExercises(o.manifest, o.lessonsDir);
  if (!o.lesson.mine?.length) {
    throw new UsageError(
      `Lesson ${o.entry.number} runs none of your exercise code, so --mine changes nothing. It works with lessons ${lessonsWithPieces(exercises).join(', ')}.`,
    );
  }
  const { pieces, loaded } = await loadPieces(o.lesson.mine, exercises);
  return { pieces, description: describeLoaded(loaded) };
}

/** What both lessons of a `--simulate` run need of the simulated Bitbucket: the most of the two. */
function strongestNeed(...needs: Lesson['mock'][]): Lesson['mock'] {
  if (needs.includes('intercept')) return 'intercept';
  return needs.includes('state') ? 'state' : undefined;
}

async function runLesson(options: RunLessonOptions): Promise<number> {
  const output = createOutput({ ...options.outputOptions, markdown: options.markdown });
  const o: LessonRun = { ...options, output };
  const { config, entry, store, registry } = o;
  const style = output.style;
  const now = o.io.now ?? Date.now;
  const provider = o.manifest.find((e) => e.provides === 'installation');
  let offline: OfflineBitbucket | undefined;
  // Before anything runs: a learner's file that does not load stops the run here, with what to do.
  const mine = o.mine ? await loadMine(o) : undefined;
  try {
    await registerStoredSecrets(store, output);
    let simulated: Lesson | undefined;
    // What an older lab installed (its mock read the app's store) becomes the simulated Bitbucket's.
    if (registry) await (await import('../../mocks/registry.ts')).adoptSimulatedInstallations(registry, store);
    if (o.lesson.requires === 'installation' && !(await latestInstallation(store, { live: config.live }))) {
      if (config.live) {
        output.line(liveNoInstallationMessage(config, await store.count({ state: 'active', origin: 'simulated' })));
        return EXIT.failed;
      }
      output.line(offlineNoInstallationMessage(provider));
      const simulate = o.simulate || o.yes || (o.ask ? await o.ask(`Simulate lesson ${provider?.number} now?`, true) : false);
      if (!provider || !simulate) return EXIT.failed;
      simulated = await o.loadLesson(provider);
    }
    // Offline, nothing leaves the process: the simulated Bitbucket is in place before any step runs.
    if (registry) offline = await startOfflineBitbucket({ config, registry, now, need: strongestNeed(o.lesson.mock, simulated?.mock) });

    if (provider && simulated) {
      const failure = await simulateLesson(o, simulated, offline, now);
      if (failure) {
        output.line(`${style.red('✗')} Simulating lesson ${provider.number} failed at ${failure.label}:`);
        output.child('  ').line(describeError(failure.error).join('\n'));
        return EXIT.failed;
      }
      output.line(`${style.green('✓')} Simulated lesson ${provider.number} (${provider.title}): an installation is stored.\n`);
    }

    printHeader(o);
    if (mine) output.line(`${style.yellow(mine.description)}\n`);
    let current = '';
    const transcript = createTranscript({
      path: transcriptPath(config.dataDir, entry.number),
      heading: [
        `npm run lesson ${entry.number}: ${entry.title}`,
        `${new Date(now()).toISOString()}, ${config.live ? 'live Bitbucket' : `offline mock (SCENARIO=${config.scenario})`}`,
        'Secrets are redacted: each shows its first 4 characters and its length.',
      ],
      redact: (text) => output.redact(text),
    });
    transcript.write();
    const ctx = createLessonContext({
      config,
      flags: o.flags,
      store,
      now,
      ...offlineParts(o.lesson, offline),
      registry,
      output: output.child('  '),
      ask: o.ask,
      yes: o.yes,
      provider,
      onExchange: (exchange) => transcript.add(current, exchange),
      transcript: transcript.path,
      mine: mine?.pieces,
    });
    const result = await runSteps(o.lesson, ctx, {
      output,
      interrupt: o.interrupt,
      onStep: (label) => {
        current = label;
      },
    });
    // Installations stored during the run (lesson 2) are secrets too, from now on and in the file.
    await registerStoredSecrets(store, output);
    transcript.write();
    if (result.interrupted) return EXIT.interrupted;
    printOutcome(o, result, transcript.exchanges > 0 ? transcript.path : undefined);
    if (result.ok) markCompleted(config.dataDir, entry.number);
    if (result.ok) return EXIT.ok;
    // A step that finds its lesson's flag unusable (lesson 3's --url) throws a UsageError: exit 2, as for any usage error.
    return result.failure?.error instanceof UsageError ? EXIT.usage : EXIT.failed;
  } finally {
    dumpSecrets(o.io.env, output, offline);
    await offline?.stop();
  }
}

/** What a lesson's context gets of the simulated Bitbucket: its fetch, and the mock if the lesson declared it. */
function offlineParts(lesson: Lesson, offline: OfflineBitbucket | undefined): { fetch?: typeof fetch; mock?: BitbucketMock | 'undeclared' } {
  if (!offline) return {};
  return { fetch: offline.fetch, mock: lesson.mock ? offline.mock() : 'undeclared' };
}

/** Runs the lesson that stores an installation, printing nothing; returns the failure, if any. */
async function simulateLesson(
  o: LessonRun,
  lesson: Lesson,
  offline: OfflineBitbucket | undefined,
  now: () => number,
): Promise<{ label: string; error: unknown } | undefined> {
  const ctx = createLessonContext({
    config: o.config,
    flags: {},
    store: o.store,
    now,
    ...offlineParts(lesson, offline),
    registry: o.registry,
    output: o.output.quiet(),
    yes: true,
  });
  for (const [index, step] of lesson.steps.entries()) {
    try {
      await step.run(ctx);
    } catch (error) {
      return { label: `step ${index + 1} (${step.title})`, error };
    }
  }
  await registerStoredSecrets(o.store, o.output);
  return undefined;
}

/** Every stored sharedSecret is redacted, whether or not the lesson prints it. */
async function registerStoredSecrets(store: InstallationStore, output: Output): Promise<void> {
  for (const installation of await store.list()) output.secret(installation.sharedSecret);
}

function printHeader(o: LessonRun): void {
  const { output, entry, config } = o;
  const style = output.style;
  output.line(style.bold(`Lesson ${entry.number} of ${o.manifest.length}: ${entry.title}`));
  output.line(
    style.dim(
      config.live
        ? `LIVE: real Bitbucket (${config.bitbucketUrl}), installations from ${config.dataDir}.`
        : `Offline: Bitbucket is simulated in this process (SCENARIO=${config.scenario}). LIVE=1 talks to the real one.`,
    ),
  );
  output.line();
  let notes = '';
  try {
    notes = readFileSync(join(lessonDir(entry, o.lessonsDir), 'notes.md'), 'utf8');
  } catch {
    // A lesson without notes still runs; `npm run notes` reports the missing file.
  }
  const intro = notesIntro(notes);
  if (intro) {
    output.say(intro);
    output.line();
  }
  const arrows = LESSON_ARROWS[entry.number];
  output.line(renderFlowDiagram({ ...(arrows ? { highlight: arrows } : {}), color: output.color }).replace(/\n+$/, ''));
  output.line();
}

function printOutcome(o: LessonRun, result: StepsResult, transcript: string | undefined): void {
  const { output, entry, manifest } = o;
  const style = output.style;
  const total = o.lesson.steps.length;
  if (result.failure) {
    output.line(style.red(`✗ Lesson ${entry.number} stopped at step ${result.failure.step} of ${total}.`));
    if (transcript) output.line(`Transcript of the HTTP exchanges: ${transcript}`);
    output.line(`Fix what the message above says, then run: npm run lesson ${entry.number}${o.mine ? ' -- --mine' : ''}`);
    if (o.mine) output.line(`Your code ran in this lesson: its exercises say which rule it breaks, npm run practice -- check ${entry.number}`);
    output.line(`More on this lesson: npm run notes ${entry.number}`);
    return;
  }
  const next = manifest[manifest.indexOf(entry) + 1];
  output.line(style.green(`✓ Lesson ${entry.number} complete: ${total} of ${total} steps passed.`));
  if (transcript) output.line(`Transcript of the HTTP exchanges: ${transcript}`);
  output.line(
    next
      ? `Next: npm run lesson ${next.number}  (${next.title})`
      : 'That was the last lesson. Next, rehearse it all in a browser: npm run rehearse',
  );
  output.line(`Read more: npm run notes ${entry.number}`);
}

/**
 * `LAB_SECRETS_DUMP=<file>`: for test/lessons-output.test.ts only. Writes the secrets this run knew
 * (registered, and every token the mock issued) so the test can check none leaked. Never set it
 * otherwise: the file holds the secrets in clear.
 */
function dumpSecrets(env: NodeJS.ProcessEnv, output: Output, offline: OfflineBitbucket | undefined): void {
  const path = env.LAB_SECRETS_DUMP;
  if (!path) return;
  const dump = { registered: output.secrets(), issued: offline?.issuedTokens() ?? [] };
  writeFileSync(path, `${JSON.stringify(dump, null, 2)}\n`, { mode: 0o600 });
}
