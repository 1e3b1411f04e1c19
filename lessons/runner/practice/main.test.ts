import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPracticeCli, type PracticeIo } from './main.ts';
import type { TestRun } from './run-tests.ts';
import { readPracticeState } from './state.ts';

const START = "export function greet(): string {\n  // #region exercise: the greeting\n  // TODO (rule 1): say hello\n  return '';\n  // #endregion\n}\n";
const SOLUTION = "export function greet(): string {\n  // #region exercise: the greeting\n  return 'hello';\n  // #endregion\n}\n";
const FAILURE = { name: 'RuleError', message: 'Rule 1: it says hello\n  greet()\n  expected: "hello"\n  actual:   ""\n             ^ first difference, character 1' };

/** A checkout of one lesson with one exercise, its starting file committed to git. */
function sandbox() {
  const root = mkdtempSync(join(tmpdir(), 'practice-cli-'));
  const lessonsDir = join(root, 'lessons');
  const dir = join(lessonsDir, '01-demo', 'exercises', 'demo');
  mkdirSync(join(dir, 'solution'), { recursive: true });
  const manifest = [{ number: 1, slug: 'demo', title: 'Demo', exercises: [{ name: 'demo', file: 'demo.ts', hints: ['The idea.', 'The API.', 'The line.'] }] }];
  writeFileSync(join(lessonsDir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'demo.ts'), START);
  writeFileSync(join(dir, 'solution', 'demo.ts'), SOLUTION);
  writeFileSync(join(dir, 'demo.test.ts'), '// not run here: the tests fake the test run\n');
  writeFileSync(join(dir, 'README.md'), '# Demo\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', ...args], { cwd: root, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'start');
  return { root, lessonsDir, file: join(dir, 'demo.ts'), test: join(dir, 'demo.test.ts'), dataDir: join(root, '.data') };
}

type Sandbox = ReturnType<typeof sandbox>;

/** Runs the CLI in the sandbox; the test run answers `passing` or failing rule 1 of 2. */
async function practice(box: Sandbox, argv: string[], o: { passing?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const runs: string[][] = [];
  const io: PracticeIo = {
    argv,
    env: { DATA_DIR: box.dataDir },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    interactive: false,
    lessonsDir: box.lessonsDir,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    runTests: async (files): Promise<TestRun> => {
      runs.push([...files]);
      const rules: TestRun['modules'][number]['rules'] = o.passing
        ? [{ name: '1. it says hello', state: 'passed' }, { name: '2. it says it once', state: 'passed' }]
        : [{ name: '1. it says hello', state: 'failed', failure: FAILURE }, { name: '2. it says it once', state: 'passed' }];
      return { modules: [{ file: box.test, rules }], unhandled: [] };
    },
  };
  const code = await runPracticeCli(io);
  return { code, stdout, stderr, runs };
}

describe('npm run practice -- check', () => {
  it('exits 1 and shows the first broken rule in at most 15 lines, with the hint command; counts the failed check', async () => {
    const box = sandbox();
    const run = await practice(box, ['check', 'demo']);
    expect(run.code).toBe(1);
    expect(run.runs, 'the test run is the truth').toEqual([[box.test]]);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines[0]).toBe('✗ demo (lesson 1): 1/2 rules');
    expect(run.stdout).toContain('Rule 1: it says hello\n  greet()\n  expected: "hello"\n  actual:   ""');
    expect(lines.at(-1)).toBe('Hint: npm run practice -- hint demo');
    expect(readPracticeState(box.dataDir).failedChecks.demo).toBe(1);
    expect(readPracticeState(box.dataDir).results.demo, 'the result is kept for the lesson menu').toMatchObject({ passed: 1, total: 2 });
  });

  it('exits 0 when every rule passes, for a lesson number as for a name', async () => {
    const box = sandbox();
    const run = await practice(box, ['check', '1'], { passing: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ demo: 2/2 rules');
  });

  it.each([
    [['check'], 'check needs a lesson number or an exercise name'],
    [['check', '7'], 'Lesson 7 has no exercises. Lessons with exercises: 1.'],
    [['check', 'nope'], 'Unknown exercise "nope". Exercises: demo.'],
    [['check', 'demo', '--apply'], '--apply goes with the solution command only.'],
    [['check', 'demo', 'extra'], 'Too many arguments: extra.'],
    [['frobnicate'], 'Unknown command "frobnicate".'],
    [['list', '--colour'], 'Unknown flag --colour.'],
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const run = await practice(sandbox(), argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('npm run practice -- --help');
  });
});

describe('npm run practice -- list', () => {
  it('lists every exercise with the rules its tests pass now, and what is next; also with no command and no terminal', async () => {
    const box = sandbox();
    for (const argv of [['list'], []]) {
      const run = await practice(box, argv);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Lesson 1: Demo');
      expect(run.stdout).toMatch(/▸ demo {2}1\/2 rules/);
      expect(run.stdout).toContain('Next: npm run practice -- check demo');
    }
  });
});

describe('npm run practice -- hint', () => {
  it('gives the three hints in turn, remembered in DATA_DIR, then repeats the last and points to the solution', async () => {
    const box = sandbox();
    const shown = [];
    for (let i = 0; i < 4; i += 1) shown.push((await practice(box, ['hint', 'demo'])).stdout);
    expect(shown[0]).toContain('Hint 1 of 3 for demo (the idea):\nThe idea.');
    expect(shown[1]).toContain('Hint 2 of 3 for demo (the API):\nThe API.');
    expect(shown[2]).toContain('Hint 3 of 3 for demo (the line):\nThe line.');
    expect(shown[2]).toContain('npm run practice -- solution demo');
    expect(shown[3]).toContain('Hint 3 of 3');
    expect(readPracticeState(box.dataDir).hints.demo).toBe(3);
  });
});

describe('npm run practice -- solution and reset', () => {
  it('refuses the solution before the hints are used up or three checks failed, and says how to open it', async () => {
    const box = sandbox();
    const run = await practice(box, ['solution', 'demo']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('opens once you have seen its 3 hints (0 so far');
    expect(run.stdout).toContain('Or now: npm run practice -- solution demo --force.');
  });

  it('opens after three failed checks: a diff of the learner\'s file against the solution', async () => {
    const box = sandbox();
    for (let i = 0; i < 3; i += 1) await practice(box, ['check', 'demo']);
    const run = await practice(box, ['solution', 'demo']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(yours)');
    expect(run.stdout).toContain("-  return '';");
    expect(run.stdout).toContain("+  return 'hello';");
    expect(readFileSync(box.file, 'utf8'), 'showing changes nothing').toBe(START);
  });

  it('--apply --force sets the file to the solution and keeps the learner\'s as a backup; reset brings back the starting file', async () => {
    const box = sandbox();
    writeFileSync(box.file, START.replace("return '';", "return 'my try';"));
    const applied = await practice(box, ['solution', 'demo', '--apply', '--force']);
    expect(applied.code).toBe(0);
    expect(readFileSync(box.file, 'utf8')).toBe(SOLUTION);
    const backups = join(box.dataDir, 'practice-backups', 'demo');
    expect(readdirSync(backups).map((name) => readFileSync(join(backups, name), 'utf8'))).toEqual([START.replace("return '';", "return 'my try';")]);

    const reset = await practice(box, ['reset', 'demo']);
    expect(reset.code).toBe(0);
    expect(readFileSync(box.file, 'utf8'), 'the starting file is the committed one').toBe(START);
    expect(readdirSync(backups), 'the solved file is kept too').toHaveLength(2);
    expect((await practice(box, ['reset', 'demo'])).stdout).toContain('already the starting file');
  });

  it('cannot reset a file git has no commit of, and says why', async () => {
    const box = sandbox();
    execFileSync('rm', ['-rf', join(box.root, '.git')]);
    const run = await practice(box, ['reset', 'demo']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('its starting file is what git has committed');
    expect(existsSync(join(box.dataDir, 'practice-backups')), 'nothing was touched').toBe(false);
  });
});
