/**
 * Where an installation stands.
 * - `pending`: a first install, stored but not yet proven to come from Bitbucket (the app proves it
 *   with one token exchange, src/connect/install-verifier.ts). Never used to serve anything, and
 *   never in the way of a later first install for the same clientKey.
 * - `active`: proven (or accepted with `VERIFY_INSTALLS=0`), or re-installed with the stored secret.
 * - `uninstalled`: a tombstone. Bitbucket signs the first install after an uninstall with the
 *   preceding secret (protocol.md §6), so the last secret is kept; everything that could be served
 *   (principal, scopes) is dropped.
 *
 * @example const state: InstallationState = 'pending'
 */
export type InstallationState = 'pending' | 'active' | 'uninstalled';

/**
 * Which Bitbucket sent the installation: `bitbucket` (the real one, in live mode) or `simulated`
 * (the lab's mock, the fake Bitbucket). Live mode never uses a simulated installation.
 *
 * @example const origin: InstallationOrigin = config.live ? 'bitbucket' : 'simulated'
 */
export type InstallationOrigin = 'bitbucket' | 'simulated';

/**
 * What an app keeps of one installation: the `installed` lifecycle payload, as Bitbucket sent it
 * (docs/protocol.md, section 6), plus where it stands, where it came from and when it was stored.
 */
export interface Installation {
  /** `ari:cloud:bitbucket::app/{workspace uuid}/app-key`: who installed the app. `sub` of app JWTs. */
  clientKey: string;
  /** The app key the installation is for (`key` in the payload). `iss` of app JWTs. */
  key: string;
  /** The HS256 secret shared with Bitbucket (of a tombstone: the last one). Never logged whole. */
  sharedSecret: string;
  /** Bitbucket's web origin, e.g. `https://bitbucket.org`. */
  baseUrl: string;
  /** Bitbucket's API origin, e.g. `https://api.bitbucket.org`. */
  baseApiUrl: string;
  /** `bitbucket`. */
  productType: string;
  /** The workspace (`type: "team"`) or user the app is installed for. Always absent on a tombstone. */
  principal: Principal | undefined;
  /** The scopes the app was granted, when known (from the descriptor at install time). Never on a tombstone. */
  scopes?: string[];
  /** Where the installation stands: see {@link InstallationState}. */
  state: InstallationState;
  /** Which Bitbucket sent it: see {@link InstallationOrigin}. */
  origin: InstallationOrigin;
  /** ISO time of the first install. */
  installedAt: string;
  /** ISO time of the last change (install, re-install, uninstall). */
  updatedAt: string;
  /** ISO time of the uninstall: set on tombstones (`state: 'uninstalled'`) only. */
  uninstalledAt?: string;
}

export interface Principal {
  type: string;
  uuid?: string;
  username?: string;
  display_name?: string;
  account_id?: string;
  [key: string]: unknown;
}

/**
 * Narrows `list` and `count`: every field given must match.
 *
 * @example await store.count({ state: 'pending' })
 */
export interface InstallationFilter {
  state?: InstallationState;
  origin?: InstallationOrigin;
}

/**
 * What a compare-and-set ({@link InstallationStore.replace}) expects to find: the row the caller
 * read and verified a JWT against.
 *
 * @example const expected: ExpectedInstallation = { clientKey, sharedSecret: stored.sharedSecret, state: stored.state }
 */
export interface ExpectedInstallation {
  clientKey: string;
  sharedSecret: string;
  state: InstallationState;
}

/**
 * A stored row that does not pass validation (edited by hand, or written by a bug): its clientKey
 * and what is wrong with it, never its values.
 *
 * @example for (const { clientKey, problems } of await store.listInvalid()) console.log(clientKey, problems.join('; '))
 */
export interface InvalidStoredRow {
  clientKey: string;
  problems: string[];
}

/**
 * Where installations live. Async so that a copied app can back it with any database; every
 * method is one atomic step (the SQLite store: one IMMEDIATE transaction; a SQL database: one
 * statement or transaction), so the lifecycle can read, verify a JWT against what it read, and
 * then write only if nothing changed in between.
 *
 * @example
 * const stored = await store.get(clientKey)
 * // ... verify the request's JWT with stored.sharedSecret ...
 * const written = await store.replace(expectationOf(stored), next) // false: it changed meanwhile, read again
 */
export interface InstallationStore {
  /**
   * The installation with this clientKey, whatever its state, or undefined.
   *
   * @throws `ERR_STORE_INVALID_ROW` when that row no longer passes validation (names the clientKey).
   */
  get(clientKey: string): Promise<Installation | undefined>;
  /**
   * Inserts the installation only when no row with its clientKey exists, as one atomic step: true
   * when it was stored, false (and nothing changed) when one was already there. A `pending`
   * installation is refused when `maxPending` pending rows exist already.
   *
   * Why: a first install is checked only against the secret it brings. With `get` then `save`, two
   * first installs racing for one clientKey would both see "absent" and the later would silently
   * replace the first; with `create`, exactly one wins and the loser reads the winner's row.
   *
   * @throws `ERR_STORE_INVALID_INSTALLATION` (nothing stored), `ERR_PENDING_LIMIT` (a pending
   *   installation over `maxPending`; nothing stored), `ERR_STORE_CLOSED`, and the store's own
   *   failures (`ERR_STORE_BUSY`, `ERR_STORE_UNWRITABLE`, ...).
   *
   * @example
   * if (!(await store.create(pending, { maxPending: 50 }))) {
   *   const winner = await store.get(pending.clientKey) // judge the install against this row
   * }
   */
  create(installation: Installation, options?: { maxPending?: number }): Promise<boolean>;
  /**
   * Compare-and-set: replaces the row with `next` (or deletes it when `next` is undefined) only if
   * the stored row still has `expected`'s clientKey, sharedSecret and state. True when it did; false
   * (nothing changed) when the row is gone or differs. `next` is stored as given (its
   * `installedAt` too) and must have `expected.clientKey`.
   *
   * Why: the lifecycle verifies a JWT against the row it read. Writing unconditionally would let
   * a call verified against an older secret overwrite or delete a row stored since under another.
   *
   * @throws `ERR_STORE_INVALID_INSTALLATION` (nothing changed), and the store's failures.
   *
   * @example
   * await store.replace({ clientKey, sharedSecret: stored.sharedSecret, state: 'active' }, tombstone)
   */
  replace(expected: ExpectedInstallation, next: Installation | undefined): Promise<boolean>;
  /**
   * Inserts or replaces the installation with this clientKey, unconditionally, keeping the first
   * `installedAt`. For fixtures, imports and tools: the lifecycle writes with `create` and
   * `replace`, which check what they overwrite.
   */
  save(installation: Installation): Promise<void>;
  /** Deletes the row, whatever its state; true when there was one. For tools (`npm run installations`). */
  delete(clientKey: string): Promise<boolean>;
  /**
   * Deletes the `pending` rows last updated before `before` (an ISO time): installs that were never
   * proven within the verification window. Returns how many it deleted. Never touches other states.
   *
   * @example await store.deleteStalePending(new Date(now() - 5 * 60_000).toISOString())
   */
  deleteStalePending(before: string): Promise<number>;
  /**
   * The valid installations matching `filter` (all without one), ordered by clientKey. A row that
   * no longer passes validation is left out, never fails the whole list: {@link listInvalid} names it.
   */
  list(filter?: InstallationFilter): Promise<Installation[]>;
  /** The stored rows that do not pass validation, ordered by clientKey. Empty for a store that cannot hold one. */
  listInvalid(): Promise<InvalidStoredRow[]>;
  /**
   * How many rows match `filter` (all without one), counted by the database (`SELECT COUNT(*)`),
   * without reading or validating them.
   */
  count(filter?: InstallationFilter): Promise<number>;
  /** Releases the underlying resources (a database handle). Idempotent. */
  close(): Promise<void>;
}
