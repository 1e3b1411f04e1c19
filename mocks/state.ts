import type { ScenarioName } from '../src/config.ts';

/**
 * What the mock remembers: the tokens it issued, how often each endpoint was called and a log of
 * the requests. Lessons read it to show what Bitbucket saw; it redacts nothing, so whoever prints
 * it must (src/redact.ts).
 */

/** An access token the token endpoint issued. */
export interface IssuedToken {
  /** The installation it acts for. */
  clientKey: string;
  /** The scopes it carries (the app's, or the narrower `scope` asked for). */
  scopes: string[];
  /** The repository UUID it is restricted to (`bitbucket_repository`), if any. */
  repository: string | undefined;
  /** Epoch milliseconds. */
  issuedAt: number;
  /** Epoch milliseconds; the scenario `expired-token` may bring it forward. */
  expiresAt: number;
}

/** One request the mock answered. */
export interface MockLogEntry {
  /** Epoch milliseconds, by the mock's clock. */
  at: number;
  /** The endpoint it matched, as Bitbucket's docs name it: `GET /2.0/repositories/{workspace}`. */
  endpoint: string;
  method: string;
  url: string;
  /** Header names in lower case, values as received (secrets included). */
  headers: Record<string, string>;
  /** The raw request body, for requests that have one. */
  body: string | undefined;
  /** The status answered; `null` when the client went away first (an aborted slow request). */
  status: number | null;
}

/** Call counts. */
export interface MockCounts {
  /** Requests to the token endpoint, accepted or not. */
  exchanges: number;
  /** Tokens the token endpoint issued. */
  tokensIssued: number;
  /** Requests to the REST API, answered with success or not. */
  apiCalls: number;
  /** Requests by endpoint name (see {@link MockLogEntry.endpoint}). */
  byEndpoint: Record<string, number>;
}

/**
 * The mock's whole state. Mutable on purpose: it is the mock's memory, shared by its handlers.
 *
 * @example
 * const { state } = createBitbucketMock({ installations })
 * state.counts.exchanges // 0
 */
export interface MockState {
  /** The scenario being played. */
  scenario: ScenarioName;
  /** Issued tokens by token string. */
  tokens: Map<string, IssuedToken>;
  counts: MockCounts;
  /** The latest requests, oldest first, at most {@link MAX_LOG_ENTRIES}. */
  log: MockLogEntry[];
}

/** Log entries kept: a fake Bitbucket left running for days keeps a steady footprint. */
export const MAX_LOG_ENTRIES = 1000;
/** Issued tokens remembered, for the same reason. */
export const MAX_TOKENS = 10_000;

/**
 * A fresh, empty state.
 *
 * @example
 * const state = createMockState('happy')
 */
export function createMockState(scenario: ScenarioName): MockState {
  return {
    scenario,
    tokens: new Map(),
    counts: { exchanges: 0, tokensIssued: 0, apiCalls: 0, byEndpoint: {} },
    log: [],
  };
}

/**
 * Remembers an issued token, forgetting the oldest beyond {@link MAX_TOKENS} (a forgotten token
 * then gets the same 401 as an unknown one).
 *
 * @example
 * rememberToken(state, token, { clientKey, scopes, repository: undefined, issuedAt, expiresAt })
 */
export function rememberToken(state: MockState, token: string, issued: IssuedToken): void {
  state.tokens.set(token, issued);
  state.counts.tokensIssued += 1;
  // A Map iterates in insertion order, so the first key is the oldest token.
  while (state.tokens.size > MAX_TOKENS) {
    const oldest = state.tokens.keys().next().value;
    if (oldest === undefined) break;
    state.tokens.delete(oldest);
  }
}

/**
 * Counts a request and appends it to the log (dropping the oldest beyond {@link MAX_LOG_ENTRIES}).
 * Returns the entry so the caller can fill in the status once it is known.
 *
 * @example
 * const entry = recordRequest(state, { kind: 'api', endpoint, request, body: undefined, at: now() })
 * entry.status = response.status
 */
export function recordRequest(
  state: MockState,
  o: { kind: 'token' | 'api'; endpoint: string; request: Request; body: string | undefined; at: number },
): MockLogEntry {
  if (o.kind === 'token') state.counts.exchanges += 1;
  else state.counts.apiCalls += 1;
  state.counts.byEndpoint[o.endpoint] = (state.counts.byEndpoint[o.endpoint] ?? 0) + 1;
  const entry: MockLogEntry = {
    at: o.at,
    endpoint: o.endpoint,
    method: o.request.method,
    url: o.request.url,
    headers: Object.fromEntries(o.request.headers),
    body: o.body,
    status: null,
  };
  state.log.push(entry);
  if (state.log.length > MAX_LOG_ENTRIES) state.log.splice(0, state.log.length - MAX_LOG_ENTRIES);
  return entry;
}
