import { HttpResponse } from 'msw';
import { SCENARIOS, type ScenarioName } from '../src/config.ts';
import { MockOptionsError } from './errors.ts';
import { LAB_NOTES, labNote } from './lab-note.ts';
import { API_MESSAGES, apiError } from './responses.ts';
import type { IssuedToken } from './state.ts';

/**
 * Named failure scenarios: what real Bitbucket does on a bad day, replayed on demand so a client's
 * recovery can be seen and tested. Chosen per test (`scenario` option, `setScenario`) or per run
 * with `SCENARIO=` (the caller passes `loadConfig().scenario`).
 *
 * Each fault fires on the first REST call made *as an app* after the scenario is chosen (a call the
 * mock would otherwise answer), so it hits the request under test, not a typo in its token nor a
 * call without credentials.
 */

/** A scenario described for people: what the mock does, and what a good client does about it. */
export interface ScenarioGuide {
  name: ScenarioName;
  /** One line, for menus. */
  title: string;
  /** What the mock does. */
  mock: string;
  /** What a well-behaved client does. */
  client: string;
  /** The error code a client reports when recovery is not possible, if any. */
  clientError?: string;
  /** The lesson that explains the recovery. */
  lesson: number;
}

/** How long a `slow` response takes by default: beyond a client's usual 10 s timeout. */
export const DEFAULT_SLOW_MS = 15_000;

/**
 * Every scenario, in the order of `SCENARIOS`, described in data so lessons can print it.
 *
 * @example
 * for (const s of SCENARIO_GUIDES) console.log(`${s.name}: ${s.title}`)
 */
export const SCENARIO_GUIDES: readonly ScenarioGuide[] = Object.freeze([
  {
    name: 'happy',
    title: 'Everything works',
    mock: 'Answers every valid request at once.',
    client: 'Exchange a JWT once, then reuse the access token until shortly before it expires.',
    lesson: 5,
  },
  {
    name: 'rate-limited',
    title: 'Rate limited once (429)',
    mock:
      'The first API call gets 429 Too Many Requests as Bitbucket sends it: a text/plain "Rate limit for this resource has been exceeded" and no Retry-After; later calls succeed.',
    client:
      'Back off on your own (Bitbucket does not say for how long): a bounded number of repeats with jittered, growing waits (minutes against real Bitbucket), Retry-After honoured if it ever comes; then ERR_RATE_LIMITED. Never retry at once in a loop.',
    clientError: 'ERR_RATE_LIMITED',
    lesson: 5,
  },
  {
    name: 'server-error',
    title: 'Server error once (500)',
    mock: 'The first API call gets 500 Internal Server Error; later calls succeed.',
    client:
      'Retry with exponential backoff and jitter, a bounded number of times (a GET is safe to repeat); after that, report ERR_SERVER.',
    clientError: 'ERR_SERVER',
    lesson: 5,
  },
  {
    name: 'slow',
    title: 'Bitbucket hangs',
    mock: `Every API call answers only after slowMs (default ${DEFAULT_SLOW_MS / 1000} s), beyond a client's usual timeout; a request the client aborts ends at once.`,
    client: 'Put a deadline on every request and report ERR_TIMEOUT instead of hanging; retry at most once.',
    clientError: 'ERR_TIMEOUT',
    lesson: 5,
  },
  {
    name: 'expired-token',
    title: 'Access token expired',
    mock: 'The first API call gets 401 "Access token expired." and that token stays expired; a token from a new exchange works.',
    client:
      'On a 401, sign a fresh JWT, exchange it for a new access token (the JWT grant has no refresh token) and retry the call once.',
    clientError: 'ERR_API_UNAUTHORIZED',
    lesson: 5,
  },
] satisfies ScenarioGuide[]);

/**
 * True when `value` names a scenario.
 *
 * @example
 * isScenarioName('slow') // true
 */
export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}

/**
 * The guide of one scenario.
 *
 * @throws {MockOptionsError} `ERR_MOCK_OPTIONS` for an unknown name.
 *
 * @example
 * describeScenario('rate-limited').client // 'Back off on your own (Bitbucket does not say for how long): ...'
 */
export function describeScenario(name: ScenarioName): ScenarioGuide {
  const guide = SCENARIO_GUIDES.find((s) => s.name === name);
  if (!guide) throw unknownScenario(name);
  return guide;
}

function unknownScenario(name: unknown): MockOptionsError {
  return new MockOptionsError(`Unknown scenario ${JSON.stringify(name)}. Use one of: ${SCENARIOS.join(', ')} (e.g. SCENARIO=rate-limited).`);
}

/** An authenticated REST call, as the scenario sees it. */
export interface ApiCall {
  request: Request;
  /** The access token's record, when the call used one (not for `Authorization: JWT`). */
  token: IssuedToken | undefined;
}

/**
 * Plays one scenario at a time for one mock.
 *
 * @example
 * const player = createScenarioPlayer({ name: 'rate-limited', now: Date.now })
 * const fault = await player.intercept({ request, token }) // a 429 the first time, then undefined
 */
export interface ScenarioPlayer {
  readonly name: ScenarioName;
  /** Switches to another scenario (or the same one), re-arming its one-time fault. */
  play(name: ScenarioName): void;
  /** The response to give instead of the real one, or `undefined` to answer normally. */
  intercept(call: ApiCall): Promise<Response | undefined>;
}

/**
 * Bitbucket's 429, as captured (docs/protocol.md section 8; the full header dump in the Jenkins Bitbucket
 * branch source plugin's PR 414, 2021): a `text/plain` body, not the REST API's JSON error, and no
 * `Retry-After`.
 *
 * @example
 * rateLimitedResponse().headers.get('retry-after') // null
 */
export function rateLimitedResponse(): Response {
  return new HttpResponse(API_MESSAGES.rateLimited, {
    status: 429,
    headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, no-store' },
  });
}

/** Resolves after `ms`, or as soon as `signal` aborts; true when it aborted. */
function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      resolve(true);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Creates a scenario player.
 *
 * @param o.slowMs How long `slow` makes each call wait, default 15 000.
 * @param o.now The mock's clock, epoch milliseconds (`expired-token` expires the token "now").
 *
 * @example
 * const player = createScenarioPlayer({ name: 'happy', now: Date.now })
 * player.play('server-error')
 */
export function createScenarioPlayer(o: { name: ScenarioName; slowMs?: number; now: () => number }): ScenarioPlayer {
  const slowMs = o.slowMs ?? DEFAULT_SLOW_MS;
  if (!Number.isSafeInteger(slowMs) || slowMs < 0) {
    throw new MockOptionsError(`slowMs=${String(slowMs)} must be a whole number of milliseconds, 0 or more (default ${DEFAULT_SLOW_MS}).`);
  }
  if (!isScenarioName(o.name)) throw unknownScenario(o.name);
  let name: ScenarioName = o.name;
  // The one-time faults fire once per play(); `slow` is never spent.
  let spent = false;
  let serverErrors = 0;

  return {
    get name() {
      return name;
    },
    play(next) {
      if (!isScenarioName(next)) throw unknownScenario(next);
      name = next;
      spent = false;
    },
    async intercept({ request, token }) {
      switch (name) {
        case 'happy':
          return undefined;
        case 'slow': {
          const aborted = await delay(slowMs, request.signal);
          // Nobody is listening any more: end the exchange as a network error.
          return aborted ? HttpResponse.error() : undefined;
        }
        case 'rate-limited':
          if (spent) return undefined;
          spent = true;
          return rateLimitedResponse();
        case 'server-error':
          if (spent) return undefined;
          spent = true;
          serverErrors += 1;
          return apiError(500, 'Something went wrong', { id: `mock-server-error-${serverErrors}`, headers: labNote(LAB_NOTES.serverError) });
        case 'expired-token':
          // Only an access token can expire; a call with a JWT leaves the fault armed.
          if (spent || !token) return undefined;
          spent = true;
          token.expiresAt = Math.min(token.expiresAt, o.now());
          return apiError(401, API_MESSAGES.expiredToken);
      }
    },
  };
}
