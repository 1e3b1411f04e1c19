import { join } from 'node:path';
import { writePrivateFileAtomic } from '../../src/fs/private-files.ts';
import { formatExchangeAsHttp, type HttpExchange } from './exchange.ts';

/** The `.http` transcript of one lesson run, rewritten after each exchange so it survives a crash. */
export interface Transcript {
  readonly path: string;
  /** How many exchanges it holds: a lesson that sends nothing has no transcript worth pointing to. */
  readonly exchanges: number;
  /** Records an exchange under its step's title and rewrites the file. */
  add(title: string, exchange: HttpExchange): void;
  /** Rewrites the file, redacting with the secrets known now (some may have been registered since the last write). */
  write(): void;
}

/**
 * `lesson-03.http` in the data directory.
 *
 * @example
 * transcriptPath('.data', 3) // '.data/lesson-03.http'
 */
export function transcriptPath(dataDir: string, lesson: number): string {
  return join(dataDir, `lesson-${String(lesson).padStart(2, '0')}.http`);
}

/**
 * Transcript file names, for `--reset`.
 *
 * @example
 * TRANSCRIPT_FILE.test('lesson-03.http') // true
 */
export const TRANSCRIPT_FILE = /^lesson-\d{2}\.http$/;

/**
 * Creates a transcript. Exchanges are kept raw in memory and redacted on every write with the
 * current secrets, so a secret registered after its exchange is still redacted in the file.
 * The file is replaced atomically and readable by its owner only (`writePrivateFileAtomic`: an
 * exclusive, randomly named temporary file, then a rename), in an owner-only data directory.
 *
 * @example
 * const transcript = createTranscript({ path: transcriptPath(dataDir, 4), heading: ['Lesson 4'], redact: output.redact })
 * transcript.add('Step 1: Exchange the JWT', exchange)
 */
export function createTranscript(o: { path: string; heading: string[]; redact: (text: string) => string }): Transcript {
  const entries: string[] = [];
  const write = () => {
    const head = o.heading.map((line) => `# ${line}`).join('\n');
    const text = o.redact([head, ...entries.map((entry) => entry.trimEnd())].join('\n\n'));
    writePrivateFileAtomic(o.path, text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    path: o.path,
    get exchanges() {
      return entries.length;
    },
    add(title, exchange) {
      entries.push(formatExchangeAsHttp(title, exchange));
      write();
    },
    write,
  };
}
