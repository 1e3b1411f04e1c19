import { LabError } from '../errors.ts';

/**
 * The installation store's errors. Each names the file or installation concerned and says what to
 * do; none ever includes a `sharedSecret`.
 */

/** Lesson 2 (lifecycle) is where the app stores `clientKey` and `sharedSecret`, and why it must keep them. */
const LIFECYCLE_LESSON = 2;

/** Long values (a hand-edited clientKey) are cut so a message stays readable. */
function quote(value: string, max = 200): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/**
 * The data directory or the database file cannot be created or written: a permission problem, a
 * path that is a file rather than a directory, a read-only file system, a full disk.
 *
 * @example
 * try { openSqliteStore({ dataDir: '/readonly' }) }
 * catch (error) { if (isLabError(error, 'ERR_STORE_UNWRITABLE')) console.error(error.message) }
 */
export class StoreUnwritableError extends LabError {
  /** The directory or file that could not be written. */
  readonly path: string;

  constructor(path: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_STORE_UNWRITABLE',
      `The installation store cannot write to ${quote(path)}: ${reason}. ` +
        'Make that directory writable by this user, or set DATA_DIR to a directory that is (e.g. DATA_DIR=.data).',
      { lesson: LIFECYCLE_LESSON, cause: options.cause },
    );
    this.path = path;
  }
}

/**
 * The database file is not a SQLite database, or is damaged.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_STORE_CORRUPT')) console.error(error.message) }
 */
export class StoreCorruptError extends LabError {
  /** The damaged database file. */
  readonly file: string;

  constructor(file: string, detail: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_STORE_CORRUPT',
      `The installation store ${quote(file)} is not a usable SQLite database (${detail}). ` +
        'Stop the app, move the file aside (with its -wal and -shm files) so a fresh one is created, ' +
        'then install the app again so Bitbucket sends a new sharedSecret (lesson 2).',
      { lesson: LIFECYCLE_LESSON, cause: options.cause },
    );
    this.file = file;
  }
}

/**
 * The database was written by a newer release, whose schema this code does not know. The file is
 * left untouched, so the newer release can still use it.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_STORE_VERSION')) console.error(error.message) }
 */
export class StoreVersionError extends LabError {
  readonly file: string;
  /** The schema version found in the file (`PRAGMA user_version`). */
  readonly found: number;
  /** The newest schema version this code knows. */
  readonly supported: number;

  constructor(file: string, found: number, supported: number) {
    super(
      'ERR_STORE_VERSION',
      `The installation store ${quote(file)} has schema version ${found}, but this version of ` +
        `jwt-grant-lab only knows versions up to ${supported}: it was written by a newer release. ` +
        'Update jwt-grant-lab, or set DATA_DIR to another directory. The file was left untouched.',
      { lesson: LIFECYCLE_LESSON },
    );
    this.file = file;
    this.found = found;
    this.supported = supported;
  }
}

/**
 * Another process held the database's write lock for longer than the store waits for it.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_STORE_BUSY')) await sleep(1000) } // then try again
 */
export class StoreBusyError extends LabError {
  readonly file: string;

  constructor(file: string, waitedMs: number, options: { cause?: unknown } = {}) {
    super(
      'ERR_STORE_BUSY',
      `The installation store ${quote(file)} stayed locked by another process for ${waitedMs} ms. ` +
        'Close any sqlite3 shell or script holding it open in a transaction, then try again.',
      { lesson: LIFECYCLE_LESSON, cause: options.cause },
    );
    this.file = file;
  }
}

/**
 * The store was used after `close()`.
 *
 * @example
 * await store.close()
 * await store.get(clientKey) // rejects with ERR_STORE_CLOSED
 */
export class StoreClosedError extends LabError {
  constructor(operation: string) {
    super(
      'ERR_STORE_CLOSED',
      `installationStore.${operation}() was called after close(). Open the store again ` +
        '(openSqliteStore) and keep it open for as long as the app or lesson uses it.',
    );
  }
}

/**
 * `save()` was given something that is not a valid installation. Nothing was stored.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_STORE_INVALID_INSTALLATION')) console.error(error.message) }
 */
export class InvalidInstallationError extends LabError {
  /** What is wrong, one entry per field (`sharedSecret: ...`); never the values themselves. */
  readonly problems: string[];

  constructor(clientKey: unknown, problems: string[]) {
    const who = typeof clientKey === 'string' ? `with clientKey ${quote(clientKey)}` : 'without a clientKey';
    super(
      'ERR_STORE_INVALID_INSTALLATION',
      `Refusing to store the installation ${who}: ${problems.join('; ')}. ` +
        'Build it from the `installed` lifecycle payload as lesson 2 shows.',
      { lesson: LIFECYCLE_LESSON },
    );
    this.problems = problems;
  }
}

/**
 * A stored row no longer passes validation (someone edited the database by hand, or a bug wrote
 * it). Named here so the caller gets a clear error instead of a crash far from the cause.
 *
 * @example
 * catch (error) { if (error instanceof StoredInstallationInvalidError) await store.delete(error.clientKey) }
 */
export class StoredInstallationInvalidError extends LabError {
  /** The clientKey of the bad row: pass it to `store.delete()` to remove it. */
  readonly clientKey: string;
  readonly problems: string[];

  constructor(file: string, clientKey: string, problems: string[]) {
    super(
      'ERR_STORE_INVALID_ROW',
      `The installation ${quote(clientKey)} stored in ${quote(file)} is invalid: ${problems.join('; ')}. ` +
        'Delete that row (store.delete(clientKey)) and install the app again (lesson 2).',
      { lesson: LIFECYCLE_LESSON },
    );
    this.clientKey = clientKey;
    this.problems = problems;
  }
}

/**
 * `openSqliteStore` was given options it cannot use (a file name with a directory in it, a
 * negative timeout).
 *
 * @example
 * openSqliteStore({ dataDir, fileName: '../elsewhere.db' }) // throws ERR_STORE_OPTIONS
 */
export class StoreOptionsError extends LabError {
  constructor(message: string) {
    super('ERR_STORE_OPTIONS', message, { lesson: LIFECYCLE_LESSON });
  }
}

/**
 * A first install kept losing its `create` to another call for the same clientKey, and found no
 * installation when it then looked for the winner's: the winner was uninstalled in between, again
 * and again. Nothing was stored by this call. It takes others installing and uninstalling the app
 * in a loop, so the install gives up rather than retry for ever.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_STORE_CONTENDED')) console.error(error.message) } // then install again
 */
export class StoreContendedError extends LabError {
  /** The installation that others kept creating and deleting. */
  readonly clientKey: string;

  constructor(clientKey: string, attempts: number) {
    super(
      'ERR_STORE_CONTENDED',
      `Could not store the first install of ${quote(clientKey)}: ${attempts} times, another call installed it first ` +
        'and it was uninstalled again before its secret could be checked. Nothing was stored. Install the app again; ' +
        'if this repeats, find what is installing and uninstalling it in a loop (lesson 2 explains first installs).',
      { lesson: LIFECYCLE_LESSON },
    );
    this.clientKey = clientKey;
  }
}
