/**
 * What an app keeps of one installation: the `installed` lifecycle payload, as Bitbucket sent it
 * (protocol.md, section 6), plus when it was stored.
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
 * await store.save(installation)
 * const found = await store.get(clientKey)
 */
export interface InstallationStore {
  get(clientKey: string): Promise<Installation | undefined>;
  /** Inserts or replaces the installation with this clientKey, atomically. */
  save(installation: Installation): Promise<void>;
  /** True when there was one to delete. */
  delete(clientKey: string): Promise<boolean>;
  /** Every installation, ordered by clientKey. */
  list(): Promise<Installation[]>;
  /** Releases the underlying resources (a database handle). Idempotent. */
  close(): Promise<void>;
}
