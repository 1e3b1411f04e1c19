import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError, isLabError } from '../../src/errors.ts';
import { sendRequest } from '../../src/http/send.ts';
import { exchangeJwtForToken } from '../../src/oauth/exchange.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { clientKeyFor, installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { openSimulatedRegistry } from '../../mocks/registry.ts';
import { defineLesson, type Lesson, type LessonContext } from './lesson.ts';
import { runLessonCli, type CliIo } from './main.ts';
import type { Prompts } from './prompts.ts';
import { readProgress } from './progress.ts';

/** Fixture lessons: what each part of the runner needs, nothing more. */
const LESSONS: Record<number, Lesson> = {
  1: defineLesson({
    flags: { 'base-url': { type: 'string', description: 'A URL to print.' } },
    steps: [
      {
        title: 'Say hello',
        async run(ctx) {
          ctx.say('Hello from **step one**.');
          ctx.show('Base URL', ctx.flags['base-url'] ?? ctx.config.baseUrl);
        },
      },
    ],
  }),
  2: defineLesson({
    steps: [
      {
        title: 'Store an installation',
        async run(ctx) {
          const sharedSecret = randomBytes(32).toString('base64url');
          ctx.secret(sharedSecret);
          const payload = installedPayload({ appKey: ctx.config.appKey, sharedSecret });
          ctx.show('Installed payload', payload);
          // Both sides: the app's store, and the simulated Bitbucket's record of what it installed.
          await ctx.store.save(installationFromPayload(payload));
          await ctx.registry?.register(installationFromPayload(payload));
        },
      },
    ],
  }),
  3: defineLesson({
    requires: 'installation',
    steps: [
      {
        title: 'Exchange a JWT for an access token',
        async run(ctx) {
          const token = await exchangeJwtForToken({ installation: await ctx.installation(), fetch: ctx.fetch, now: ctx.now });
          ctx.state.token = token.accessToken;
          // Careless on purpose: the runner must redact what it saw on the wire.
          ctx.show('Access token', token.accessToken);
        },
      },
      {
        title: 'Call the REST API',
        async run(ctx) {
          const response = await ctx.fetch(`${ctx.config.bitbucketApiUrl}/2.0/user`, {
            headers: { Authorization: `Bearer ${String(ctx.state.token)}` },
          });
          if (!response.ok) throw new Error(`status ${response.status}`);
        },
      },
    ],
  }),
  4: defineLesson({
    steps: [
      { title: 'Pass', run: async () => {} },
      {
        title: 'Fail with a lesson pointer',
        run: async () => {
          throw new LabError('ERR_EXAMPLE', 'The qsh does not match: sign the request you send.', { lesson: 3 });
        },
      },
      { title: 'Never reached', run: async () => {} },
    ],
  }),
  5: defineLesson({
    requires: 'installation',
    mock: 'state',
    steps: [
      {
        title: 'List a page of repositories',
        async run(ctx) {
          ctx.show('Scenario', ctx.mock?.state.scenario ?? 'live');
          const token = await exchangeJwtForToken({ installation: await ctx.installation(), fetch: ctx.fetch, now: ctx.now });
          const response = await ctx.fetch(`${ctx.config.bitbucketApiUrl}/2.0/repositories/teamsinspace`, {
            headers: { Authorization: `Bearer ${token.accessToken}` },
          });
          if (!response.ok) throw new Error(`status ${response.status}`);
        },
      },
    ],
  }),
  6: defineLesson({
    steps: [{ title: 'Read ctx.mock without declaring it', run: async (ctx) => ctx.show('Mock', ctx.mock?.state.scenario) }],
  }),
  7: defineLesson({
    steps: [
      {
        title: 'Call Bitbucket with the global fetch',
        async run() {
          await fetch('https://api.bitbucket.org/2.0/user');
        },
      },
    ],
  }),
  8: defineLesson({
    mock: 'intercept',
    steps: [
      {
        title: 'Call Bitbucket with the global fetch, intercepted',
        async run(ctx) {
          ctx.show('Status', (await fetch('https://api.bitbucket.org/2.0/user')).status);
          ctx.show('API calls the mock saw', ctx.mock?.state.counts.apiCalls ?? 0);
        },
      },
    ],
  }),
  9: defineLesson({
    requires: 'installation',
    steps: [
      {
        title: 'Time out twice',
        async run(ctx) {
          const token = await exchangeJwtForToken({ installation: await ctx.installation(), fetch: ctx.fetch, now: ctx.now });
          for (const path of ['/2.0/user', '/2.0/workspaces/teamsinspace']) {
            const url = `${ctx.config.bitbucketApiUrl}${path}`;
            const init = { headers: { Authorization: `Bearer ${token.accessToken}` } };
            try {
              await sendRequest({ fetch: ctx.fetch, url, init, timeoutMs: 50, maxBodyBytes: 1 << 20, target: `GET ${url}`, lesson: 5 });
            } catch (error) {
              if (!isLabError(error, 'ERR_TIMEOUT')) throw error;
              ctx.say(`The client caught ${error.code}.`);
            }
          }
        },
      },
    ],
  }),
};

/** inquirer's own class, as it is thrown when the learner presses Ctrl-C at a prompt. */
class ExitPromptError extends Error {
  override name = 'ExitPromptError';
}

/** What `installApp` used to do with a failed fetch: any error inside the request becomes "could not deliver". */
async function deliver(ctx: LessonContext): Promise<Response> {
  try {
    return await ctx.fetch('http://127.0.0.1:9/installed', { method: 'POST', body: '{}' });
  } catch (cause) {
    throw new LabError('ERR_INSTALL_UNREACHABLE', `Bitbucket could not deliver the lifecycle callback: ${(cause as Error).message}`, { lesson: 2, cause });
  }
}

const INTERRUPTIBLE: Record<number, Lesson> = {
  10: defineLesson({
    steps: [
      { title: 'Deliver the installed callback', run: async (ctx) => void (await deliver(ctx)) },
      { title: 'Never reached', run: async (ctx) => ctx.say('after the interrupt') },
    ],
  }),
  11: defineLesson({
    steps: [
      {
        title: 'Catch every failure and carry on',
        async run(ctx) {
          await deliver(ctx).catch(() => ctx.say('The delivery failed; carrying on.'));
          await ctx.confirm('Carry on?');
          ctx.say('Carried on after Ctrl-C.');
        },
      },
    ],
  }),
};

function fixtureLessonsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runner-lessons-'));
  const manifest = [
    { number: 1, slug: 'hello', title: 'Hello' },
    { number: 2, slug: 'install', title: 'Install', provides: 'installation' },
    { number: 3, slug: 'grant', title: 'The grant' },
    { number: 4, slug: 'broken', title: 'Broken' },
    { number: 5, slug: 'mocked', title: 'Mocked' },
    { number: 6, slug: 'undeclared', title: 'Undeclared' },
    { number: 7, slug: 'global', title: 'Global' },
    { number: 8, slug: 'intercept', title: 'Intercept' },
    { number: 9, slug: 'slow', title: 'Slow' },
    { number: 10, slug: 'interrupted', title: 'Interrupted' },
    { number: 11, slug: 'swallowed', title: 'Swallowed' },
  ];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  mkdirSync(join(dir, '01-hello'));
  writeFileSync(join(dir, '01-hello', 'notes.md'), '# Hello\n\nThe intro of lesson one.\n\n## Details\n\nNot in the intro.\n');
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dataDir: string;
  asked: string[];
}

async function runCli(
  argv: string[],
  o: { env?: NodeJS.ProcessEnv; dataDir?: string; prompts?: Partial<Prompts> & { asked?: string[] } } = {},
): Promise<Run> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'runner-data-'));
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const prompts: Prompts = {
    confirm: async (message, fallback) => {
      asked.push(message);
      return o.prompts?.confirm ? o.prompts.confirm(message, fallback) : fallback;
    },
    select: async (message, choices, fallback) => {
      asked.push(`${message} ${choices.map((c) => c.name).join(' | ')}`);
      return o.prompts?.select ? o.prompts.select(message, choices, fallback) : (fallback ?? 1);
    },
  };
  const io: CliIo = {
    argv,
    env: { DATA_DIR: dataDir, ...o.env },
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text) },
    interactive: o.prompts !== undefined,
    prompts: async () => prompts,
    lessonsDir: fixtureLessonsDir(),
    loadLesson: async (entry) => (LESSONS[entry.number] ?? INTERRUPTIBLE[entry.number])!,
  };
  const code = await runLessonCli(io);
  return { code, stdout, stderr, dataDir, asked };
}

async function storedSecrets(dataDir: string): Promise<string[]> {
  const store = openSqliteStore({ dataDir });
  try {
    return (await store.list()).map((i) => i.sharedSecret);
  } finally {
    await store.close();
  }
}

describe('runLessonCli: a lesson that passes', () => {
  it('prints title, intro, diagram, the step and what next; records progress; exits 0', async () => {
    const run = await runCli(['1', '--base-url=https://abc.ngrok.app']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Lesson 1 of 11: Hello');
    expect(run.stdout, 'the intro is the text under the H1').toContain('The intro of lesson one.');
    expect(run.stdout).not.toContain('Not in the intro.');
    expect(run.stdout, 'the flow diagram marks where the lesson is').toContain('◀ you are here');
    expect(run.stdout).toContain('Base URL: https://abc.ngrok.app');
    expect(run.stdout).toMatch(/^✓ Step 1: Say hello$/m);
    expect(run.stdout).toContain('Next: npm run lesson 2  (Install)');
    expect(run.stdout).toContain('Read more: npm run notes 1');
    expect(run.stdout, 'no terminal: no escape codes').not.toMatch(/\x1b/);
    expect(readProgress(run.dataDir).completed).toEqual([1]);
  });

  it('writes the transcript even without HTTP exchanges, but does not point to an empty one', async () => {
    const run = await runCli(['1']);
    expect(readFileSync(join(run.dataDir, 'lesson-01.http'), 'utf8')).toMatch(/^# npm run lesson 1: Hello\n/);
    expect(run.stdout).not.toContain('Transcript of the HTTP exchanges');
  });
});

describe('runLessonCli: a step that fails', () => {
  it('prints ✗, the message and where to read more, never a stack; later steps are listed as not run; exits 1', async () => {
    const run = await runCli(['4']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✓ Step 1: Pass$/m);
    expect(run.stdout).toMatch(/^✗ Step 2: Fail with a lesson pointer$/m);
    expect(run.stdout).toContain('  The qsh does not match: sign the request you send.\n  See lesson 3: npm run notes 3');
    expect(run.stdout).toContain('- Step 3: Never reached (not run)');
    expect(run.stdout).toContain('✗ Lesson 4 stopped at step 2 of 3.');
    expect(`${run.stdout}${run.stderr}`, 'no stack trace').not.toMatch(/^\s+at /m);
    expect(readProgress(run.dataDir).completed, 'a failed lesson is not done').toEqual([]);
  });
});

describe('runLessonCli: usage and configuration errors exit 2', () => {
  it('names the valid lessons for an unknown one', async () => {
    const run = await runCli(['12']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown lesson "12". Lessons: 1 (Hello), 2 (Install), 3 (The grant), 4 (Broken), 5 (Mocked),');
  });

  it('names the valid flags, the lesson\'s included, for an unknown one', async () => {
    const run = await runCli(['1', '--colour']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown flag --colour. Valid flags here: --yes, --simulate, --reset, --no-color, --mine, --help, --base-url=<value>.');
  });

  it('refuses a lesson flag without its lesson', async () => {
    const run = await runCli(['--base-url=https://x.io']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown flag --base-url');
  });

  it('prints a configuration error as it is', async () => {
    const run = await runCli(['1'], { env: { SCENARIO: 'sunny' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SCENARIO="sunny" is not a known scenario. Use one of: happy,');
  });

  it('lists the lessons without a number when nobody can choose from a menu', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('▸ 1. Hello');
    expect(run.stdout).toContain('Run one with: npm run lesson <n>');
  });

  it('shows help with the lesson\'s flags, exit 0', async () => {
    const run = await runCli(['1', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Flags of lesson 1:\n  --base-url=<value>  A URL to print.');
    expect(run.stdout).toContain('  --simulate');
  });
});

describe('runLessonCli: lessons that need an installation', () => {
  it('offline with none and no terminal: says which lesson makes one, exits 1', async () => {
    const run = await runCli(['3'], { env: {} });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('No installation yet: run `npm run lesson 2` first (Install), or add --simulate to simulate it now.');
    expect(run.stdout).not.toContain('Step 1');
  });

  it('the installation lesson 2 made in another run is what the simulated Bitbucket knows, across processes (DATA_DIR)', async () => {
    const provided = await runCli(['2']);
    expect(provided.code).toBe(0);
    const registry = openSimulatedRegistry({ dataDir: provided.dataDir });
    try {
      expect((await registry.list()).map((i) => i.sharedSecret)).toEqual(await storedSecrets(provided.dataDir));
    } finally {
      await registry.close();
    }
    const run = await runCli(['3'], { dataDir: provided.dataDir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('← 200 OK');
  });

  it('adopts what an older lab installed (its mock read the app store): the token endpoint answers for it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runner-data-'));
    const store = openSqliteStore({ dataDir });
    try {
      await store.save(installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: 'an-older-labs-secret-0123456789abc' })));
    } finally {
      await store.close();
    }
    const run = await runCli(['3'], { dataDir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^✓ Step 1: Exchange a JWT for an access token$/m);
  });

  it('live, never uses an installation the simulated Bitbucket made: says so, and how to get a real one', async () => {
    const provided = await runCli(['2']);
    const run = await runCli(['3'], { dataDir: provided.dataDir, env: { LIVE: '1', BASE_URL: 'https://abc.ngrok.app' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("holds 1 installation made by the lab's simulated Bitbucket");
    expect(run.stdout).toContain('No installation from real Bitbucket yet');
    expect(run.stdout).not.toContain('Step 1');
  });

  it('--simulate runs the providing lesson silently, then the lesson; every secret stays redacted', async () => {
    const dump = join(mkdtempSync(join(tmpdir(), 'runner-dump-')), 'secrets.json');
    const run = await runCli(['3', '--simulate'], { env: { LAB_SECRETS_DUMP: dump } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('✓ Simulated lesson 2 (Install): an installation is stored.');
    expect(run.stdout, 'the simulated lesson prints nothing of its own').not.toContain('Installed payload');
    expect(run.stdout).toMatch(/^✓ Step 1: Exchange a JWT for an access token$/m);
    expect(run.stdout).toMatch(/^✓ Step 2: Call the REST API$/m);
    expect(run.stdout, 'the exchange is shown').toContain('→ POST https://bitbucket.org/site/oauth2/access_token');
    expect(run.stdout).toContain('← 200 OK');
    expect(run.stdout, 'a lesson that sent requests points to its transcript').toContain(`Transcript of the HTTP exchanges: ${join(run.dataDir, 'lesson-03.http')}`);

    const { registered, issued } = JSON.parse(readFileSync(dump, 'utf8')) as { registered: string[]; issued: string[] };
    const sharedSecrets = await storedSecrets(run.dataDir);
    expect(issued, 'the mock issued one token').toHaveLength(1);
    expect(sharedSecrets).toHaveLength(1);
    const transcript = readFileSync(join(run.dataDir, 'lesson-03.http'), 'utf8');
    expect(transcript).toContain('### Step 1: Exchange a JWT for an access token\nPOST https://bitbucket.org/site/oauth2/access_token');
    expect(transcript).toContain('### Step 2: Call the REST API\nGET https://api.bitbucket.org/2.0/user');
    for (const secret of [...sharedSecrets, ...issued, ...registered]) {
      expect(run.stdout.includes(secret), 'a secret in stdout').toBe(false);
      expect(transcript.includes(secret), 'a secret in the transcript').toBe(false);
    }
    expect(`${run.stdout}${transcript}`, 'no whole JWT').not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/);
  });

  it('live with none: says how to get one from Bitbucket, exits 1 without touching the network', async () => {
    const run = await runCli(['3'], { env: { LIVE: '1' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('npm start');
    expect(run.stdout).toContain('ngrok http 3000');
    expect(run.stdout).toContain('BASE_URL');
    expect(run.stdout).toContain('npm run notes 7');
    expect(run.stdout).toContain('February 2, 2026');
  });
});

describe('runLessonCli on a terminal', () => {
  it('offers to simulate the missing installation, and asks before each request', async () => {
    const run = await runCli(['3'], { prompts: {} });
    expect(run.code, run.stdout).toBe(0);
    expect(run.asked).toEqual(['Simulate lesson 2 now?', 'Send this request?', 'Send this request?']);
  });

  it('stops the step when a request is declined', async () => {
    const run = await runCli(['3', '--simulate'], { prompts: { confirm: async (message) => message !== 'Send this request?' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('You chose not to send POST https://bitbucket.org/site/oauth2/access_token');
  });

  it('--yes asks nothing', async () => {
    const run = await runCli(['3', '--yes'], { prompts: {} });
    expect(run.code).toBe(0);
    expect(run.asked).toEqual([]);
  });

  it('exits 130 when the learner presses Ctrl-C at a prompt', async () => {
    const run = await runCli(['3'], {
      prompts: {
        confirm: async () => {
          throw new ExitPromptError('User force closed the prompt with SIGINT');
        },
      },
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/\nInterrupted\.\n$/);
    expect(run.stderr).toBe('');
  });

  it('exits 130 on Ctrl-C at a prompt inside a request, however the step wrapped the error: "Interrupted.", no failure report', async () => {
    const run = await runCli(['10'], {
      prompts: {
        confirm: async () => {
          throw new ExitPromptError('User force closed the prompt with SIGINT');
        },
      },
    });
    expect(run.code, run.stdout).toBe(130);
    expect(run.asked).toEqual(['Send this request?']);
    expect(run.stdout, 'the request was shown before the question').toContain('→ POST http://127.0.0.1:9/installed');
    expect(run.stdout).toMatch(/\nInterrupted\.\n$/);
    expect(run.stdout, 'no step failure').not.toMatch(/✗|could not deliver|stopped at step|not run/);
    expect(run.stdout, 'the run stops there').not.toContain('Step 2 of 2');
    expect(run.stderr).toBe('');
    expect(readProgress(run.dataDir).completed).toEqual([]);
  });

  it('stops a step that caught the Ctrl-C and went on: no new question, nothing more printed, not completed', async () => {
    const run = await runCli(['11'], {
      prompts: {
        confirm: async () => {
          throw new ExitPromptError('User force closed the prompt with SIGINT');
        },
      },
    });
    expect(run.code).toBe(130);
    expect(run.asked, '"Carry on?" is not asked after Ctrl-C').toEqual(['Send this request?']);
    expect(run.stdout).not.toMatch(/carrying on|Carried on|✓ Step 1|complete/);
    expect(run.stdout).toMatch(/\nInterrupted\.\n$/);
    expect(readProgress(run.dataDir).completed).toEqual([]);
  });

  it('exits 130 on Ctrl-C at the menu', async () => {
    const run = await runCli([], {
      prompts: {
        select: async () => {
          throw new ExitPromptError('User force closed the prompt with SIGINT');
        },
      },
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('Interrupted.\n');
    expect(run.stderr).toBe('');
  });

  it('offers a menu with ✓ done and ▸ next, starting at the next lesson', async () => {
    const first = await runCli(['1']);
    let offered: number | undefined;
    const run = await runCli([], {
      dataDir: first.dataDir,
      prompts: {
        select: async (_message, _choices, fallback) => {
          offered = fallback;
          return 1;
        },
      },
    });
    expect(run.code).toBe(0);
    expect(offered).toBe(2);
    expect(run.asked[0]).toMatch(/^Which lesson\? ✓ 1\. Hello \| ▸ 2\. Install \|   3\. The grant \|   4\. Broken \|/);
  });
});

describe('runLessonCli --reset', () => {
  it('clears progress, transcripts and the offline installations without asking when nobody can answer', async () => {
    const first = await runCli(['2']);
    expect(await storedSecrets(first.dataDir)).toHaveLength(1);
    const run = await runCli(['--reset'], { dataDir: first.dataDir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Cleared progress, 1 transcript and 1 simulated installation in');
    expect(readProgress(first.dataDir).completed).toEqual([]);
    expect(await storedSecrets(first.dataDir)).toEqual([]);
  });

  it('keeps an installation captured from real Bitbucket, and says so', async () => {
    const dataDir = await dataDirWithRealInstallation();
    await runCli(['2'], { dataDir });
    expect(await storedSecrets(dataDir)).toHaveLength(2);
    let question = '';
    const run = await runCli(['--reset'], { dataDir, prompts: { confirm: async (message) => ((question = message), true) } });
    expect(run.code).toBe(0);
    expect(question).toBe(`Clear progress, transcripts and 1 simulated installation in ${dataDir} (1 installation captured from real Bitbucket will be kept)?`);
    expect(run.stdout).toContain(`Cleared progress, 1 transcript and 1 simulated installation in ${dataDir}. Kept 1 installation captured from real Bitbucket.`);
    expect(await storedSecrets(dataDir)).toEqual(['real-bitbucket-shared-secret-0123456789']);
  });

  it('asks first on a terminal, and a "no" clears nothing', async () => {
    const first = await runCli(['1']);
    const run = await runCli(['--reset'], { dataDir: first.dataDir, prompts: { confirm: async () => false } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Nothing cleared.');
    expect(readProgress(first.dataDir).completed).toEqual([1]);
  });
});

/** A DATA_DIR holding one installation captured from real Bitbucket (a random workspace UUID), as `npm start` stores it live. */
async function dataDirWithRealInstallation(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'runner-data-'));
  const uuid = '{6ae3c307-ae59-4135-9c72-bdd06eb2010a}';
  const payload = installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: 'real-bitbucket-shared-secret-0123456789' });
  const store = openSqliteStore({ dataDir });
  try {
    await store.save(
      installationFromPayload({ ...payload, clientKey: clientKeyFor(uuid, payload.key), principal: { ...payload.principal, uuid } }, { origin: 'bitbucket' }),
    );
  } finally {
    await store.close();
  }
  return dataDir;
}

describe('runLessonCli offline: the simulated Bitbucket', () => {
  it("gives ctx.mock to a lesson that declares mock: 'state', and shortens long bodies on the terminal, not in the transcript", async () => {
    const run = await runCli(['5', '--simulate'], { env: { SCENARIO: 'happy' } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Scenario: happy');
    const transcriptFile = join(run.dataDir, 'lesson-05.http');
    expect(run.stdout).toContain('      … 8 more values');
    expect(run.stdout).toContain(`(shortened; the whole body is in ${transcriptFile})`);
    expect(run.stdout, 'the third repository is left out on the terminal').not.toContain('teamsinspace/fuel-monitor');
    expect(readFileSync(transcriptFile, 'utf8'), 'the transcript has it').toContain('"full_name": "teamsinspace/fuel-monitor"');
  });

  it('refuses ctx.mock to a lesson that does not declare it, saying what to add', async () => {
    const run = await runCli(['6']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("this lesson reads ctx.mock but does not declare it: add mock: 'state'");
  });

  it('refuses the global fetch to Bitbucket: nothing leaves the machine, and the author learns to use ctx.fetch', async () => {
    const run = await runCli(['7']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Offline, GET https://api.bitbucket.org/2.0/user was not sent');
    expect(globalThis.fetch.name, 'the real fetch is back after the run').toBe('fetch');
  });

  it("answers the global fetch for a lesson that declares mock: 'intercept'", async () => {
    const run = await runCli(['8']);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('Status: 401');
    expect(run.stdout).toContain('API calls the mock saw: 1');
  });

  it('prints the outcome of a timed-out request before the next request (SCENARIO=slow)', async () => {
    const run = await runCli(['9', '--simulate'], { env: { SCENARIO: 'slow' } });
    expect(run.code, run.stdout).toBe(0);
    const lines = run.stdout.split('\n').map((line) => line.trim());
    const at = (prefix: string, from = 0) => lines.findIndex((line, i) => i >= from && line.startsWith(prefix));
    const first = at('→ GET https://api.bitbucket.org/2.0/user');
    const failed = at('✗ no response: timed out after', first);
    const caught = at('The client caught ERR_TIMEOUT.', failed);
    const second = at('→ GET https://api.bitbucket.org/2.0/workspaces/teamsinspace', caught);
    expect([first, failed, caught, second].every((i) => i >= 0), run.stdout).toBe(true);
    expect(lines[failed]).toMatch(/^✗ no response: timed out after \d+ ms \(TimeoutError\)$/);
    expect(at('✗ no response: timed out after', second), 'the second one too, in its place').toBeGreaterThan(second);
    expect(readFileSync(join(run.dataDir, 'lesson-09.http'), 'utf8')).toContain('# No response: timed out after');
  });
});
