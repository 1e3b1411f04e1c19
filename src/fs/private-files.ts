import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The lab's files hold secrets or traces of them (installations, transcripts, progress): its data
 * directory is owner-only, and every file in it is written whole or not at all, without following
 * a link someone else planted.
 */

/** Random names collide about never; a few tries cover the freak case without looping forever. */
const MAX_TEMP_TRIES = 5;

/**
 * Creates `dir` (and missing parents) owner-only, mode 0700. The mode is set explicitly on the
 * directory created, because `mkdir`'s mode is filtered by the umask. An existing directory is
 * left as it is: its owner chose its mode.
 *
 * @example ensurePrivateDir(config.dataDir) // .data, drwx------
 */
export function ensurePrivateDir(dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
}

/**
 * Replaces `path` with `text`, atomically and owner-only (0600): the text goes to a new file with
 * a random name in the same directory, created exclusively (`O_CREAT | O_EXCL`: it fails rather
 * than open an existing file or follow a symlink planted at that name), flushed to disk, then
 * renamed over `path`. A reader sees the old file or the new one, never half of one; a crash
 * leaves at most a stray `.<name>.<random>.tmp`. The directory is created with
 * {@link ensurePrivateDir} when missing.
 *
 * @example writePrivateFileAtomic(join(dataDir, 'progress.json'), `${JSON.stringify(progress)}\n`)
 */
export function writePrivateFileAtomic(path: string, text: string): void {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  let temporary = '';
  let fd: number | undefined;
  for (let attempt = 1; fd === undefined; attempt += 1) {
    temporary = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= MAX_TEMP_TRIES) throw error;
    }
  }
  try {
    const bytes = Buffer.from(text, 'utf8');
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}
