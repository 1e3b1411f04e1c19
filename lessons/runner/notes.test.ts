import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNotesCli } from './notes.ts';

async function notes(argv: string[], o: { lessonsDir?: string; isTTY?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runNotesCli({
    argv,
    env: o.env ?? {},
    stdout: { write: (text: string) => (stdout += text), isTTY: o.isTTY ?? false, columns: 72 },
    stderr: { write: (text: string) => (stderr += text) },
    ...(o.lessonsDir ? { lessonsDir: o.lessonsDir } : {}),
  });
  return { code, stdout, stderr };
}

describe('runNotesCli', () => {
  it("renders lesson 1's notes for the terminal, with no escape codes when piped", async () => {
    const run = await notes(['1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Lesson 1: The app descriptor');
    expect(run.stdout, 'the notes say plainly that new Connect apps can no longer be installed').toContain('February 2, 2026');
    expect(run.stdout).toContain('Run the lesson: npm run lesson 1');
    expect(run.stdout).not.toMatch(/\x1b/);
    expect(run.stdout.split('\n').filter((line) => !line.startsWith('  │')).every((line) => line.length <= 72), 'wrapped to the terminal width').toBe(true);
  });

  it('colours on a terminal, unless NO_COLOR or --no-color', async () => {
    expect((await notes(['1'], { isTTY: true })).stdout).toMatch(/\x1b\[/);
    expect((await notes(['1'], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(/\x1b/);
    expect((await notes(['1', '--no-color'], { isTTY: true })).stdout).not.toMatch(/\x1b/);
  });

  it('exits 2 for an unknown lesson, a missing number or an unknown flag, saying what is valid', async () => {
    expect(await notes(['42'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown lesson "42". Lessons: 1 (The app descriptor)') });
    expect(await notes([])).toMatchObject({ code: 2, stderr: expect.stringContaining('npm run notes <n>') });
    expect(await notes(['1', '--yes'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Valid flags here: --no-color, --help') });
  });

  it('exits 1 naming the file when the notes are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notes-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ number: 1, slug: 'x', title: 'X' }]));
    mkdirSync(join(dir, '01-x'));
    const run = await notes(['1'], { lessonsDir: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The notes file ${join(dir, '01-x', 'notes.md')} does not exist`);
  });
});
