/**
 * What an app keeps of one installation: the `installed` lifecycle payload, as Bitbucket sent it
 * (docs/protocol.md, section 6), plus when it was stored.
 */
export interface Installation {
  /** `ari:cloud:bitbucket::app/{workspace uuid}/app-key`: who installed the app. `sub` of app JWTs. */
  clientKey: string;
  /** The app key the installation is for (`key` in the payload). `iss` of app JWTs. */
  key: string;
  /** The HS256 secret shared with Bitbucket. Never logged whole. */
  sharedSecret: string;
  /** Bitbucket's web origin, e.g. `https://bitbucket.org`. */
  baseUrl: string;
  /** Bitbucket's API origin, e.g. `https://api.bitbucket.org`. */
  baseApiUrl: string;
  /** `bitbucket`. */
  productType: string;
  /** The workspace (`type: "team"`) or user the app is installed for, as Bitbucket sent it. */
  principal: Principal | undefined;
  /** The scopes the app was granted, when known (from the descriptor at install time). */
  scopes?: string[];
  /** ISO time of the first install. */
  installedAt: string;
  /** ISO time of the last (re-)install. */
  updatedAt: string;
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
 * Where installations live. Async so that a copied app can back it with any database.
 *
 * @example
 * const created = await store.create(installation) // false: someone installed first
 * await store.save(rotated) // after verifying against the stored secret
 * const found = await store.get(clientKey)
 */
export interface InstallationStore {
  get(clientKey: string): Promise<Installation | undefined>;
  /**
   * Inserts the installation only when none with its clientKey exists, as one atomic step: true
   * when it was stored, false (and nothing changed) when one was already there.
   *
   * Why: a first install is trusted on first use, checked only against the secret it brings. With
   * `get` then `save`, two first installs racing for one clientKey (a genuine one and a forgery,
   * or the app and a lesson script) would both see "absent", and the later `save` would silently
   * replace the first secret. With `create`, exactly one wins; the loser must then be verified
   * with the winner's stored secret, like any re-install (docs/protocol.md §6).
   *
   * @throws `ERR_STORE_INVALID_INSTALLATION` (nothing stored), `ERR_STORE_CLOSED`, and the
   *   store's own failures (`ERR_STORE_BUSY`, `ERR_STORE_UNWRITABLE`, ...).
   *
   * @example
   * if (!(await store.create(installation))) {
   *   const winner = await store.get(installation.clientKey) // verify against winner.sharedSecret
   * }
   */
  create(installation: Installation): Promise<boolean>;
  /**
   * Inserts or replaces the installation with this clientKey, atomically, keeping the first
   * `installedAt`. A lifecycle handler saves only after verifying against the stored secret (a
   * re-install); a first install goes through {@link InstallationStore.create}.
   */
  save(installation: Installation): Promise<void>;
  /** True when there was one to delete. */
  delete(clientKey: string): Promise<boolean>;
  /** Every installation, ordered by clientKey. */
  list(): Promise<Installation[]>;
  /** Releases the underlying resources (a database handle). Idempotent. */
  close(): Promise<void>;
}
