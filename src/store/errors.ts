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
        `Delete that row (npm run installations -- delete ${quote(clientKey)}) and install the app again (lesson 2).`,
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
 * A lifecycle call kept finding the stored installation changed between reading it (to verify the
 * JWT against it) and writing (the compare-and-set): other calls for the same clientKey installed,
 * rotated or uninstalled it in between, again and again. Nothing was changed by this call. It
 * takes others installing and uninstalling the app in a loop, so the call gives up rather than
 * retry for ever.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_STORE_CONTENDED')) console.error(error.message) } // then send it again
 */
export class StoreContendedError extends LabError {
  /** The installation that others kept changing. */
  readonly clientKey: string;

  constructor(clientKey: string, attempts: number) {
    super(
      'ERR_STORE_CONTENDED',
      `Could not apply the lifecycle call for ${quote(clientKey)}: ${attempts} times, another call changed the stored ` +
        'installation between the check of this call\'s JWT and its write. Nothing was changed. Send the call again; ' +
        'if this repeats, find what is installing and uninstalling the app in a loop (lesson 2 explains the lifecycle).',
      { lesson: LIFECYCLE_LESSON },
    );
    this.clientKey = clientKey;
  }
}

/**
 * A first install would store one `pending` installation more than the store allows: that many
 * installs are already waiting for their proof exchange. Real Bitbucket sends few first installs
 * and retries a lifecycle call that fails, so the app answers 503 and stores nothing; a flood of
 * forged installs cannot grow the store.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_PENDING_LIMIT')) res.status(503) }
 */
export class PendingLimitError extends LabError {
  readonly maxPending: number;
  /** When to try again: the app answers it as `Retry-After` (a minute: proofs take seconds, expiry five minutes). */
  readonly retryAfterMs = 60_000;

  constructor(maxPending: number) {
    super(
      'ERR_PENDING_LIMIT',
      `${maxPending} first installs are already waiting to be proven with a token exchange, the most this app keeps: ` +
        'nothing was stored. Bitbucket retries a refused lifecycle call, so a genuine install gets through once the ' +
        'others are proven or expire (a few minutes). Many at once usually means someone is posting forged installs. ' +
        'Lesson 2 explains how first installs are proven.',
      { lesson: LIFECYCLE_LESSON },
    );
    this.maxPending = maxPending;
  }
}

/**
 * The installation is a first install the app has not yet proven with a token exchange (or whose
 * proof failed): it may have been posted by anyone, so it serves nothing yet.
 *
 * @example
 * if (installation.state === 'pending') throw new InstallationPendingError(installation.clientKey)
 */
export class InstallationPendingError extends LabError {
  readonly clientKey: string;

  constructor(clientKey: string) {
    super(
      'ERR_INSTALLATION_PENDING',
      `The installation ${quote(clientKey)} is a first install the app has not proven yet: anyone can post an installed ` +
        'payload, so the app first exchanges a JWT signed with its secret at Bitbucket\'s token endpoint, which only ' +
        'answers for installations Bitbucket made. That takes a moment (a few minutes at most, when Bitbucket is slow); ' +
        'try again shortly. If it never becomes active, the app log says why ("install refused by Bitbucket"). ' +
        'Lesson 2 explains.',
      { lesson: LIFECYCLE_LESSON },
    );
    this.clientKey = clientKey;
  }
}

/**
 * The installation was uninstalled: the app keeps its last secret only (a tombstone), so that the
 * next install, which Bitbucket signs with it, can be checked. It serves nothing.
 *
 * @example
 * if (installation.state === 'uninstalled') throw new InstallationUninstalledError(installation.clientKey)
 */
export class InstallationUninstalledError extends LabError {
  readonly clientKey: string;

  constructor(clientKey: string) {
    super(
      'ERR_INSTALLATION_UNINSTALLED',
      `The app was uninstalled from ${quote(clientKey)}: only its last sharedSecret is kept, to check the next install. ` +
        'Install the app there again to use it. Lesson 2 explains uninstalls.',
      { lesson: LIFECYCLE_LESSON },
    );
    this.clientKey = clientKey;
  }
}

/**
 * Live mode was asked to use an installation the simulated Bitbucket made (offline lessons, the
 * fake Bitbucket). Real Bitbucket never issued its secret, so sending it to bitbucket.org can only
 * fail, and would send a made-up workspace there.
 *
 * @example
 * if (live && installation.origin === 'simulated') throw new SimulatedInstallationError(installation.clientKey)
 */
export class SimulatedInstallationError extends LabError {
  readonly clientKey: string;

  constructor(clientKey: string) {
    super(
      'ERR_INSTALLATION_SIMULATED',
      `The installation ${quote(clientKey)} was made by the lab's simulated Bitbucket, not by bitbucket.org, so live mode ` +
        '(LIVE=1) never uses it. To go live, install the app from real Bitbucket through an https tunnel (README, ' +
        '"Live mode"; lesson 7); to stay offline, run without LIVE=1. `npm run installations` shows where each ' +
        'installation came from.',
      { lesson: 7 },
    );
    this.clientKey = clientKey;
  }
}
