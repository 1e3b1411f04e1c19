import { createHash } from 'node:crypto';
import { InvalidOptionError } from '../http/errors.ts';
import type { Installation } from '../store/installation.ts';
import { assertUsable } from '../store/usable.ts';
import { exchangeJwtForToken } from './exchange.ts';
import type { AccessToken, ExchangeOptions } from './exchange.ts';

/**
 * What a token is narrowed to. Tokens for different restrictions are cached apart.
 *
 * @example
 * const onlyThisRepo: Restriction = { scope: ['repository'], repository: '{5a1b2c3d-0000-4000-8000-00000000abcd}' }
 */
export interface Restriction {
  scope?: string[];
  /** A repository UUID. */
  repository?: string;
}

/**
 * Gives a valid access token string on every call; `{ refresh: true }` forces a new one (after a
 * 401). What `createBitbucketClient` takes as `token`.
 *
 * @example
 * const token: TokenProvider = cache.provider(installation)
 * const client = createBitbucketClient({ apiUrl: installation.baseApiUrl, token })
 */
export type TokenProvider = (o?: { refresh?: boolean }) => Promise<string>;

/**
 * The cache {@link createTokenCache} returns.
 *
 * @example
 * const token = await cache.getToken(installation)
 * cache.invalidate(installation.clientKey) // after an uninstall
 */
export interface TokenCache {
  /** A cached token while it has more than the refresh margin to live, else a fresh exchange. */
  getToken(installation: Installation, restriction?: Restriction, o?: { refresh?: boolean }): Promise<AccessToken>;
  /** {@link TokenProvider} bound to one installation and restriction. */
  provider(installation: Installation, restriction?: Restriction): TokenProvider;
  /** Forgets tokens of one installation: those of one restriction, or (without it) all of them. */
  invalidate(clientKey: string, restriction?: Restriction): void;
  /** `exchanges`: exchanges started. `hits`: calls answered without starting one (cached or joined). */
  stats(): { exchanges: number; hits: number };
}

/**
 * Options of {@link createTokenCache}; all optional.
 *
 * @example
 * createTokenCache({ exchangeOptions: { bitbucketUrl: config.bitbucketUrl }, refreshMarginMs: 120_000 })
 */
export interface TokenCacheOptions {
  /** The exchange to call; default {@link exchangeJwtForToken}. */
  exchange?: (opts: ExchangeOptions) => Promise<AccessToken>;
  /** Passed to every exchange: `fetch`, `bitbucketUrl`, `timeoutMs`. */
  exchangeOptions?: Partial<ExchangeOptions>;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** Renew this long before expiry, so a token never dies mid-request; default 60 000. */
  refreshMarginMs?: number;
  /** Entries kept at most; the least recently used go first. Default 1000. */
  maxEntries?: number;
  /** Live mode: refuse installations the simulated Bitbucket made (`ERR_INSTALLATION_SIMULATED`). */
  live?: boolean;
}

interface Entry {
  clientKey: string;
  restrictionKey: string;
  token?: AccessToken;
  /** When the token was obtained: the margin never exceeds half its lifetime. */
  obtainedAt?: number;
  /** The exchange in flight, shared by every caller (single flight). */
  pending?: Promise<AccessToken>;
}

/**
 * An in-memory access-token cache for the JWT grant, one per process.
 *
 * - Keyed by installation (its clientKey and a SHA-256 of its sharedSecret, so a re-install with
 *   a rotated secret never gets the old token, and the secret itself is never a key) and by
 *   restriction (scope set, order and duplicates ignored; repository).
 * - A token is reused until `expiresAt - refreshMarginMs`; for tokens living less than twice the
 *   margin, until half their lifetime.
 * - Single flight: concurrent callers needing a token share one exchange; `refresh: true` forces a
 *   new exchange but still joins one already in flight (it is fresh by construction).
 * - Failures are not cached: the next call exchanges again.
 * - At most `maxEntries` entries; the least recently used are evicted first.
 * - Only for an installation the app may act for (`assertUsable`): never a pending first install
 *   (`ERR_INSTALLATION_PENDING`), an uninstalled one (`ERR_INSTALLATION_UNINSTALLED`), or, with
 *   `live`, one the simulated Bitbucket made (`ERR_INSTALLATION_SIMULATED`).
 *
 * @example
 * const cache = createTokenCache({ exchangeOptions: { timeoutMs: 5_000 } })
 * const { accessToken } = await cache.getToken(installation)
 * const readOnly = cache.provider(installation, { scope: ['repository'] })
 * await readOnly() // the token string
 */
export function createTokenCache(o: TokenCacheOptions = {}): TokenCache {
  const exchange = o.exchange ?? exchangeJwtForToken;
  const now = o.now ?? Date.now;
  const refreshMarginMs = o.refreshMarginMs ?? 60_000;
  const maxEntries = o.maxEntries ?? 1000;
  if (!Number.isFinite(refreshMarginMs) || refreshMarginMs < 0) {
    throw new InvalidOptionError(`refreshMarginMs=${refreshMarginMs} must be a number of milliseconds, 0 or more.`);
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidOptionError(`maxEntries=${maxEntries} must be a whole number, 1 or more.`);
  }
  // Map order is recency order: a use moves the entry to the end, eviction takes from the front.
  const entries = new Map<string, Entry>();
  let exchanges = 0;
  let hits = 0;

  function fresh(entry: Entry): boolean {
    const { token, obtainedAt } = entry;
    if (!token || obtainedAt === undefined) return false;
    const margin = Math.min(refreshMarginMs, (token.expiresAt - obtainedAt) / 2);
    return now() < token.expiresAt - margin;
  }

  function evict(): void {
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries) return;
      // An entry with an exchange in flight stays: its callers expect it to be stored.
      if (!entry.pending) entries.delete(key);
    }
  }

  function start(key: string, entry: Entry, installation: Installation, restriction: NormalRestriction): Promise<AccessToken> {
    exchanges += 1;
    const pending = exchange({
      ...o.exchangeOptions,
      installation,
      scope: restriction.scope,
      repository: restriction.repository,
      now,
    }).then(
      (token) => {
        const settled = Object.freeze({ ...token, scopes: Object.freeze([...token.scopes]) as string[] });
        // Invalidated meanwhile (an uninstall, a 401): hand the token to the callers, keep nothing.
        if (entries.get(key) === entry) {
          entry.token = settled;
          entry.obtainedAt = now();
          delete entry.pending;
        }
        return settled;
      },
      (error: unknown) => {
        if (entries.get(key) === entry) {
          delete entry.pending;
          if (!entry.token) entries.delete(key);
        }
        throw error;
      },
    );
    entry.pending = pending;
    evict();
    return pending;
  }

  async function getToken(installation: Installation, restriction?: Restriction, opts?: { refresh?: boolean }): Promise<AccessToken> {
    assertUsable(installation, { live: o.live });
    const normal = normaliseRestriction(restriction);
    const restrictionKey = keyOf(normal);
    const key = JSON.stringify([installation.clientKey, secretId(installation.sharedSecret), restrictionKey]);
    let entry = entries.get(key);
    if (entry) {
      entries.delete(key);
      entries.set(key, entry);
    } else {
      entry = { clientKey: installation.clientKey, restrictionKey };
      entries.set(key, entry);
    }
    if (entry.pending) {
      hits += 1;
      return entry.pending;
    }
    if (opts?.refresh) {
      // The caller saw this token refused: it must not be handed out again.
      delete entry.token;
      delete entry.obtainedAt;
    } else if (entry.token && fresh(entry)) {
      hits += 1;
      return entry.token;
    }
    return start(key, entry, installation, normal);
  }

  return {
    getToken,
    provider(installation, restriction) {
      return async (opts) => (await getToken(installation, restriction, opts)).accessToken;
    },
    invalidate(clientKey, restriction) {
      const restrictionKey = restriction && keyOf(normaliseRestriction(restriction));
      for (const [key, entry] of entries) {
        if (entry.clientKey === clientKey && (restrictionKey === undefined || entry.restrictionKey === restrictionKey)) {
          entries.delete(key);
        }
      }
    },
    stats: () => ({ exchanges, hits }),
  };
}

interface NormalRestriction {
  scope: string[] | undefined;
  repository: string | undefined;
}

/** Scope as a sorted set (an empty one means no narrowing, as in the exchange). */
function normaliseRestriction(restriction: Restriction | undefined): NormalRestriction {
  const scope = restriction?.scope && restriction.scope.length > 0 ? [...new Set(restriction.scope)].sort() : undefined;
  return { scope, repository: restriction?.repository || undefined };
}

function keyOf(restriction: NormalRestriction): string {
  return JSON.stringify([restriction.scope ?? null, restriction.repository ?? null]);
}

/** Tells secrets apart without keeping them: a rotated secret gives another id. */
function secretId(sharedSecret: string): string {
  // A missing secret still gets a key: the exchange then reports ERR_INSTALLATION_INCOMPLETE.
  return createHash('sha256').update(String(sharedSecret ?? ''), 'utf8').digest('hex');
}
