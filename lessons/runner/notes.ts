/** `npm run notes <n>`: a lesson's notes, rendered for the terminal. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdownToTerminal } from '../../src/notes/terminal.ts';
import { checkFlags, formatFlagHelp, parseArgs, RUNNER_FLAGS } from './args.ts';
import { NotesMissingError, UsageError } from './errors.ts';
import { LESSONS_DIR, findLesson, lessonDir, loadManifest } from './manifest.ts';
import { describeError } from './run-steps.ts';
import { useColor } from './style.ts';
import type { CliIo } from './main.ts';

const NOTES_FLAGS = { 'no-color': RUNNER_FLAGS['no-color'], help: RUNNER_FLAGS.help };

/**
 * Prints lesson n's `notes.md` rendered for the terminal, and returns the exit code: 0, 1 when the
 * notes file is missing, 2 for a usage error (the message lists the lessons).
 *
 * @example
 * process.exitCode = await runNotesCli({ argv: ['3'], env: process.env, stdout: process.stdout, stderr: process.stderr })
 */
export async function runNotesCli(io: Pick<CliIo, 'argv' | 'env' | 'stdout' | 'stderr' | 'lessonsDir'>): Promise<number> {
  try {
    const parsed = parseArgs(io.argv);
    const flags = checkFlags(parsed.flags, NOTES_FLAGS);
    const lessonsDir = io.lessonsDir ?? LESSONS_DIR;
    const manifest = loadManifest(lessonsDir);
    const list = manifest.map((e) => `  ${e.number}. ${e.title}`);
    if (flags.help) {
      io.stdout.write([`Usage: npm run notes <n> [-- --no-color]`, '', 'Flags:', ...formatFlagHelp(NOTES_FLAGS), '', 'Lessons:', ...list, ''].join('\n'));
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      throw new UsageError(`Give the number of the lesson to read: npm run notes <n>. Lessons:\n${list.join('\n')}`);
    }
    const entry = findLesson(manifest, parsed.positionals[0] ?? '');
    const path = join(lessonDir(entry, lessonsDir), 'notes.md');
    let markdown: string;
    try {
      markdown = readFileSync(path, 'utf8');
    } catch {
      throw new NotesMissingError(path);
    }
    const color = useColor({ isTTY: io.stdout.isTTY, env: io.env, noColorFlag: flags['no-color'] === true });
    const rendered = renderMarkdownToTerminal(markdown, { width: io.stdout.columns || 80, color });
    io.stdout.write(`${rendered.replace(/\n+$/, '')}\n\nRun the lesson: npm run lesson ${entry.number}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`${describeError(error).join('\n')}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
