/**
 * Lesson 5: the REST API with the access token. A token cache (`createTokenCache`) and a client
 * (`createBitbucketClient`) get the installation's workspace, every repository page by page, one
 * repository and its clone URL; then a token restricted to one repository, a 401 and a 429 played
 * by the offline Bitbucket (the client backing off on its own: Bitbucket's 429 names no wait), and
 * the count of exchanges the cache saved.
 */
import { InstallationWithoutPrincipalError } from '../../src/app/errors.ts';
import { createBitbucketClient, encodePathSegment, type BitbucketClient } from '../../src/bitbucket/client.ts';
import { RATE_LIMIT_POLICIES, rateLimitPolicy, type RateLimitPolicy } from '../../src/bitbucket/rate-limit.ts';
import { tokenCloneUrl } from '../../src/bitbucket/clone-url.ts';
import { ApiError } from '../../src/bitbucket/errors.ts';
import { isLabError } from '../../src/errors.ts';
import { InvalidOptionError } from '../../src/http/errors.ts';
import { sleep } from '../../src/http/sleep.ts';
import { signInstallationJwt } from '../../src/jwt/sign.ts';
import { createTokenCache, type Restriction, type TokenCache } from '../../src/oauth/token-cache.ts';
import type { Installation } from '../../src/store/installation.ts';
import type { ScenarioName } from '../../src/config.ts';
import type { BitbucketMock } from '../../mocks/bitbucket.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';
import { AnonymousAccessRefusedError, RestrictionNotEnforcedError } from './errors.ts';
import { watchPages, type SeenPage } from './pages.ts';

/** The fields of a repository object the lesson reads. */
interface Repository {
  uuid: string;
  full_name: string;
  is_private?: boolean;
  mainbranch?: { name?: string };
}

interface Workspace {
  uuid?: string;
  slug?: string;
  name?: string;
}

/** Everything the steps share: one cache and one client for the whole run, as in an app. */
interface Session {
  installation: Installation;
  cache: TokenCache;
  client: BitbucketClient;
  /** The workspace UUID, from the installation's principal. */
  workspace: string;
  pages: SeenPage[];
  repositories: Repository[];
}

/** What one call of the "without the token" step got back. */
interface Seen {
  status: number;
  /** `size` of the listing (all pages), when the page says. */
  size: number | undefined;
  /** Private repositories on this page. */
  privateShown: number;
  scopes: string | null;
  credentialType: string | null;
}

/** GETs `url` with `headers` through the lesson's fetch (so the learner sees the exchange) and reads what tells the cases apart. */
async function look(ctx: LessonContext, url: string, headers: Record<string, string>): Promise<Seen> {
  const response = await ctx.fetch(url, { headers: { Accept: 'application/json', ...headers } });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const page = typeof body === 'object' && body !== null ? (body as { size?: unknown; values?: unknown }) : {};
  const values = Array.isArray(page.values) ? (page.values as Array<{ is_private?: unknown }>) : [];
  return {
    status: response.status,
    size: typeof page.size === 'number' ? page.size : undefined,
    privateShown: values.filter((repo) => repo.is_private === true).length,
    scopes: response.headers.get('x-oauth-scopes'),
    credentialType: response.headers.get('x-credential-type'),
  };
}

/** What the learner's SCENARIO did to the first call, for the last step. */
interface ScenarioReport {
  answers: string[];
  failure?: { code: string; message: string };
}

const DEFAULT_PAGELEN = 10;

function readTimeout(ctx: LessonContext): number | undefined {
  const raw = ctx.flags['timeout-ms'];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= 2 ** 31 - 1)) {
    throw new InvalidOptionError(`--timeout-ms=${String(raw)} is not a number of milliseconds: use e.g. --timeout-ms=2000.`);
  }
  return value;
}

/** `--pagelen`, or undefined for Bitbucket's default (10): then the first request has no query at all. */
function readPagelen(ctx: LessonContext): number | undefined {
  const raw = ctx.flags.pagelen;
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= 100)) {
    throw new InvalidOptionError(`--pagelen=${String(raw)} is out of range: Bitbucket pages hold 1 to 100 values (e.g. --pagelen=100).`);
  }
  return value;
}

/** A client for `token`, narrating its retries: the wait, and each repeated attempt. */
function clientFor(ctx: LessonContext, token: ReturnType<TokenCache['provider']>, fetch: typeof globalThis.fetch): BitbucketClient {
  const timeoutMs = readTimeout(ctx);
  return createBitbucketClient({
    apiUrl: ctx.config.bitbucketApiUrl,
    token,
    fetch,
    now: ctx.now,
    // Live, a 429 is waited out in minutes; offline the simulated one lifts at once (src/bitbucket/rate-limit.ts).
    rateLimit: rateLimitPolicy(ctx.live),
    // With --mine, the learner's pagination, 401 and 429 rules (lesson 5's exercises).
    followPages: ctx.mine.followPages,
    refreshOnce: ctx.mine.refreshOnce,
    rateLimitWait: ctx.mine.rateLimitWait,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    async sleep(ms, signal) {
      ctx.say(`*The client waits ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`} before trying again.*`);
      await sleep(ms, signal);
    },
    onRequest({ attempt, status, url }) {
      if (attempt > 1 && status === undefined) ctx.say(`*Attempt ${attempt} of GET ${new URL(url).pathname}:*`);
    },
  });
}

async function sessionOf(ctx: LessonContext): Promise<Session> {
  const existing = ctx.state.session as Session | undefined;
  if (existing) return existing;
  const installation = await ctx.installation();
  const workspace = installation.principal?.uuid;
  if (typeof workspace !== 'string' || workspace === '') throw new InstallationWithoutPrincipalError();
  const cache = createTokenCache({ exchangeOptions: { fetch: ctx.fetch, bitbucketUrl: ctx.config.bitbucketUrl }, now: ctx.now });
  const { fetch, pages } = watchPages(ctx.fetch);
  const session: Session = {
    installation,
    cache,
    client: clientFor(ctx, cache.provider(installation), fetch),
    workspace,
    pages,
    repositories: [],
  };
  ctx.state.session = session;
  return session;
}

/** `450 ms`, `30 s`, `4 min`: a policy's numbers as people read them. */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

/** What a rate-limit policy does, in one sentence, from its numbers (so the text cannot drift from the code). */
function describePolicy(policy: RateLimitPolicy): string {
  return (
    `waits between ${duration(policy.minDelayMs)} and ${duration(policy.firstDelayMs)} (at random: full jitter), each later ` +
    `wait up to twice as long (at most ${duration(policy.maxDelayMs)}), at most ${policy.maxRetries} repeats and ` +
    `${duration(policy.maxTotalMs)} in all for one call`
  );
}

function workspacePath(session: Session): string {
  return `/2.0/workspaces/${encodePathSegment(session.workspace)}`;
}

function repositoriesPath(session: Session): string {
  return `/2.0/repositories/${encodePathSegment(session.workspace)}`;
}

/** The statuses the offline Bitbucket answered since `from` (an index in its log), oldest first. */
function answersSince(ctx: LessonContext, from: number): string[] {
  return (ctx.mock?.state.log.slice(from) ?? []).map((entry) => `${entry.endpoint} → ${entry.status ?? 'no answer'}`);
}

/** A few repository names, not two dozen: the page table already shows the counts. */
function someNames(repositories: readonly { full_name: string }[], shown = 3): string {
  if (repositories.length === 0) return 'none';
  const names = repositories.slice(0, shown).map((r) => `\`${r.full_name}\``);
  const rest = repositories.length - shown;
  return rest > 0 ? `${names.join(', ')} and ${rest} more` : names.join(', ');
}

/** Gets the workspace while the offline Bitbucket plays `scenario`, then shows what it answered. */
async function getWorkspaceUnder(ctx: LessonContext, mock: BitbucketMock, session: Session, scenario: ScenarioName): Promise<void> {
  const logStart = mock.state.log.length;
  mock.setScenario(scenario);
  try {
    await session.client.get<Workspace>(workspacePath(session));
  } finally {
    mock.setScenario('happy');
  }
  ctx.show('Bitbucket answered', answersSince(ctx, logStart).join(', '));
}

/** Every repository `client` can see, following `next` (Node 20 has no Array.fromAsync). */
async function listRepositories(client: BitbucketClient, session: Session, pagelen: number | undefined): Promise<Repository[]> {
  const repositories: Repository[] = [];
  const options = pagelen === undefined ? {} : { pagelen };
  for await (const repository of client.paginate<Repository>(repositoriesPath(session), options)) repositories.push(repository);
  return repositories;
}

function pageTable(pages: SeenPage[]): string {
  const rows = pages.map((p, i) => {
    const url = new URL(p.url);
    const next = p.next ? `?${new URL(p.next).searchParams.toString()}` : 'none: last page';
    return `| ${p.page ?? i + 1} | ${url.search || '(no query)'} | ${p.values} | ${next} |`;
  });
  return ['| Page | Query sent | Values | next |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Expects a refusal of a repository-restricted token; offline, a success is a bug of the mock. */
async function expectRefused(ctx: LessonContext, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isLabError(error)) throw error;
    const status = error instanceof ApiError ? ` (HTTP ${error.status})` : '';
    ctx.say(`Refused${status}: \`${error.code}\`.`);
    ctx.show('Message', error.message);
    return;
  }
  if (!ctx.live) throw new RestrictionNotEnforcedError(what);
  ctx.say(`**Real Bitbucket let the restricted token ${what}.** The lab assumed it refuses: worth reporting.`);
}

export default defineLesson({
  requires: 'installation',
  mock: 'state',
  mine: ['followPages', 'refreshOnce', 'rateLimitWait'],
  flags: {
    pagelen: { type: 'string', description: 'Repositories per page when listing them, 1 to 100 (default 10, as Bitbucket), e.g. --pagelen=100.' },
    'timeout-ms': {
      type: 'string',
      description: 'Deadline of each API call in milliseconds (default 10000), e.g. --timeout-ms=2000 with SCENARIO=slow.',
    },
  },
  steps: [
    {
      title: 'Get the workspace with a Bearer token',
      async run(ctx) {
        const session = await sessionOf(ctx);
        const path = workspacePath(session);
        const principal = session.installation.principal;
        ctx.say(
          `The installation's \`principal\` is the workspace **${principal?.display_name ?? principal?.username ?? session.workspace}** ` +
            `(\`${session.workspace}\`). Its UUID names it in the path, braces included and URL-encoded: \`${path}\`. ` +
            'The client asks the token cache for a token; the cache has none yet, so it exchanges a JWT first (lesson 4), ' +
            'then the client sends the GET with `Authorization: Bearer <access token>`:',
        );
        const scenario = ctx.mock && ctx.config.scenario !== 'happy' ? ctx.config.scenario : undefined;
        if (scenario) {
          const { describeScenario } = await import('../../mocks/scenarios.ts');
          ctx.say(`**SCENARIO=${scenario}** is set. ${describeScenario(scenario).mock} This first call meets it.`);
        }
        const logStart = ctx.mock?.state.log.length ?? 0;
        let workspace: Workspace;
        try {
          workspace = await session.client.get<Workspace>(path);
        } catch (error) {
          if (!scenario || !ctx.mock || !isLabError(error)) throw error;
          // The scenario won: report it, then let the rest of the lesson run against a Bitbucket that answers.
          const report: ScenarioReport = { answers: answersSince(ctx, logStart), failure: { code: error.code, message: error.message } };
          ctx.state.scenarioReport = report;
          ctx.say(`Under SCENARIO=${scenario} the client gave up, as it should, with \`${error.code}\`:`);
          ctx.show('Message', error.message);
          ctx.say('To go on with the lesson, the simulated Bitbucket now answers normally (`happy`), and the call is made again:');
          ctx.mock.setScenario('happy');
          workspace = await session.client.get<Workspace>(path);
        }
        if (scenario && ctx.state.scenarioReport === undefined) {
          ctx.state.scenarioReport = { answers: answersSince(ctx, logStart) } satisfies ScenarioReport;
        }
        ctx.show('Workspace', `${workspace.name ?? '?'} (slug ${workspace.slug ?? '?'}, uuid ${workspace.uuid ?? '?'})`);
        ctx.say(
          'The slug is what people type and can be renamed; the UUID never changes. Store the UUID (it came in the `installed` ' +
            'payload), and put it in paths with `encodePathSegment`, which turns `{` and `}` into `%7B` and `%7D`.',
        );
      },
    },
    {
      title: 'List every repository, page by page',
      async run(ctx) {
        const session = await sessionOf(ctx);
        const pagelen = readPagelen(ctx);
        ctx.say(
          `\`GET ${repositoriesPath(session)}\` answers one page at a time: ${pagelen === undefined ? `${DEFAULT_PAGELEN} values by default` : `${pagelen} values, as \`pagelen\` asks`} ` +
            '(at most 100). Each page holds `next`, the absolute URL of the next page; the last page has none. ' +
            '`client.paginate` follows `next` until it is absent, and only within the API origin, so the token never goes elsewhere:',
        );
        const firstPage = session.pages.length;
        const repositories = await listRepositories(session.client, session, pagelen);
        const pages = session.pages.slice(firstPage);
        session.repositories = repositories;
        ctx.say(pageTable(pages));
        const size = pages[0]?.size;
        ctx.say(
          `**${repositories.length} repositories** in ${pages.length} page${pages.length === 1 ? '' : 's'}` +
            `${size === undefined ? '' : ` (the first page said \`size\`: ${size})`}, with ${pages.length} API call${pages.length === 1 ? '' : 's'} ` +
            `and the same token: ${someNames(repositories)}.`,
        );
        if (size !== undefined && repositories.length < size) {
          // Never with the lab's client offline; with --mine, the learner's followPages stopped early.
          ctx.say(`**Fewer than \`size\` said**: the listing stopped before its last page, with \`next\` not followed to the end${ctx.mine.followPages ? ' (your `followPages`: `npm run practice -- check follow-next`)' : ''}.`);
        }
        if ((pagelen ?? DEFAULT_PAGELEN) < 100) {
          ctx.say('With `pagelen: 100` (`--pagelen=100`), the same list takes up to 10 times fewer calls, and every call counts against the hourly rate limit.');
        }
      },
    },
    {
      title: 'Forget the token: Bitbucket answers anyway',
      async run(ctx) {
        const session = await sessionOf(ctx);
        const url = `${ctx.config.bitbucketApiUrl}${repositoriesPath(session)}`;
        ctx.say(
          'What if a call goes out **without** the token, because a header was dropped on the way, or the JWT went into the ' +
            'query string the way Bitbucket sends it to page modules (lesson 6)? Bitbucket does not refuse it. It answers as ' +
            'to an anonymous visitor: **200, with public data only**. The same listing, three ways:',
        );
        const { accessToken } = await session.cache.getToken(session.installation);
        ctx.secret(accessToken);
        ctx.say('1. With `Authorization: Bearer <access token>`, as the client sends it:');
        const withToken = await look(ctx, url, { Authorization: `Bearer ${accessToken}` });
        ctx.say('2. With no `Authorization` header at all:');
        const anonymous = await look(ctx, url, {});
        const { installation } = session;
        const jwt = await signInstallationJwt({
          appKey: installation.key,
          clientKey: installation.clientKey,
          sharedSecret: installation.sharedSecret,
          method: 'GET',
          url,
          baseUrl: ctx.config.bitbucketApiUrl,
          now: ctx.now,
        });
        ctx.say('3. With a correctly signed app JWT in the query string (`?jwt=`), which REST calls do not read:');
        const inQuery = await look(ctx, `${url}?jwt=${jwt}`, {});
        const cell = (value: string | number | null | undefined) => (value === null || value === undefined ? '(absent)' : `\`${value}\``);
        const rows = [
          ['HTTP status', withToken.status, anonymous.status, inQuery.status],
          ['`size` (repositories in all)', withToken.size, anonymous.size, inQuery.size],
          ['private ones on the first page', withToken.privateShown, anonymous.privateShown, inQuery.privateShown],
          ['`X-OAuth-Scopes`', withToken.scopes, anonymous.scopes, inQuery.scopes],
          ['`X-Credential-Type`', withToken.credentialType, anonymous.credentialType, inQuery.credentialType],
        ].map(([what, ...values]) => `| ${String(what)} | ${values.map((v) => cell(v as string | number | null | undefined)).join(' | ')} |`);
        ctx.say(['| | 1. Bearer token | 2. No header | 3. JWT in the query |', '| --- | --- | --- | --- |', ...rows].join('\n'));
        const silent = anonymous.status === 200 && inQuery.status === 200;
        if (!silent && !ctx.live) throw new AnonymousAccessRefusedError([anonymous.status, inQuery.status]);
        ctx.say(
          silent
            ? '**All three succeed.** Nothing failed, so nothing was logged, and yet calls 2 and 3 see only the public ' +
                'repositories: in a workspace where everything is private, an empty `values` list. This is the most common ' +
                'confusion in real apps: "the API says there are no repositories".'
            : `**Real Bitbucket answered the calls without a token with ${anonymous.status} and ${inQuery.status}**, not the 200 ` +
                'with public data the lab expects: worth reporting.',
        );
        ctx.say(
          'How to notice it: a response to an authenticated call carries `X-OAuth-Scopes` (what the token has) and ' +
            '`X-Credential-Type`; an anonymous one has neither. `size` is smaller than the repositories you know of, and ' +
            'private repositories are missing. In code: always send the token in the `Authorization` header (the client ' +
            'does), and treat a missing `X-OAuth-Scopes` on an app\'s call as a bug.',
        );
      },
    },
    {
      title: 'Get one repository and its clone URL',
      async run(ctx) {
        const session = await sessionOf(ctx);
        const first = session.repositories[0];
        if (!first) {
          ctx.say('The workspace has no repository the app can see: nothing to get. Create one and run the lesson again.');
          return;
        }
        const path = `${repositoriesPath(session)}/${encodePathSegment(first.uuid)}`;
        ctx.say(`One repository, named by its UUID too: \`${path}\`. The cached token is reused: no exchange this time.`);
        const repository = await session.client.get<Repository>(path);
        ctx.show(
          'Repository',
          `${repository.full_name}, ${repository.is_private ? 'private' : 'public'}, main branch ${repository.mainbranch?.name ?? 'none'}`,
        );
        const { accessToken } = await session.cache.getToken(session.installation);
        ctx.secret(accessToken);
        const cloneUrl = tokenCloneUrl({ bitbucketUrl: ctx.config.bitbucketUrl, fullName: repository.full_name, accessToken });
        ctx.say('The same access token clones over HTTPS, with the fixed user name `x-token-auth`:');
        ctx.show('Clone URL', cloneUrl);
        ctx.say(
          'The URL holds the token, so it is a secret (redacted here), and it stops working when the token expires. ' +
            'git keeps the URL of a clone in `.git/config`: after `git clone`, run ' +
            `\`git remote set-url origin ${ctx.config.bitbucketUrl}/${repository.full_name}.git\` so the token does not stay on disk.`,
        );
      },
    },
    {
      title: 'Restrict a token to one repository',
      async run(ctx) {
        const session = await sessionOf(ctx);
        const [mine, other] = session.repositories;
        if (!mine) {
          ctx.say('The workspace has no repository the app can see: there is nothing to restrict a token to.');
          return;
        }
        const restriction: Restriction = { repository: mine.uuid };
        ctx.say(
          `A token exchanged with the form field \`bitbucket_repository=${mine.uuid}\` works on **${mine.full_name}** only, ` +
            'with no workspace-level permission. The cache keeps it apart from the installation\'s token, so here comes a second exchange, then the listing:',
        );
        const restricted = clientFor(ctx, session.cache.provider(session.installation, restriction), ctx.fetch);
        const repositories = await listRepositories(restricted, session, readPagelen(ctx));
        ctx.say(`The restricted token sees **${repositories.length}** repositor${repositories.length === 1 ? 'y' : 'ies'}: ${repositories.map((r) => `\`${r.full_name}\``).join(', ') || 'none'}.`);
        if (!ctx.live && (repositories.length !== 1 || repositories[0]?.uuid !== mine.uuid)) {
          throw new RestrictionNotEnforcedError(`list ${repositories.length} repositories`);
        }
        if (other) {
          ctx.say(`Another repository, **${other.full_name}**, with the same token:`);
          await expectRefused(ctx, `read ${other.full_name}`, () =>
            restricted.get(`${repositoriesPath(session)}/${encodePathSegment(other.uuid)}`),
          );
        }
        ctx.say('And the workspace itself, which needs a workspace-level permission:');
        await expectRefused(ctx, 'read the workspace', () => restricted.get(workspacePath(session)));
        if (!ctx.live) {
          ctx.say(
            'Bitbucket documents that such a token has no other permission, not how it refuses: 403 here is the simulated ' +
              'Bitbucket\'s choice (*unsettled*; real Bitbucket may answer 404). A live run shows the real answer.',
          );
        }
        ctx.say(
          'A refusal is not retried and does not refresh the token: a new token would carry the same restriction. Use a restricted ' +
            'token for code that acts on one repository (a repository page, a pipeline step): a leak then exposes one repository, not the workspace.',
        );
      },
    },
    {
      title: 'See a 401: the client refreshes the token and retries',
      async run(ctx) {
        const session = await sessionOf(ctx);
        if (!ctx.mock) {
          ctx.say('Skipped in live mode: real Bitbucket cannot be asked to expire a token on demand. Run the lesson offline to see it.');
          return;
        }
        const exchangesBefore = session.cache.stats().exchanges;
        ctx.say(
          'The simulated Bitbucket now plays `expired-token`: the next call gets 401, as when a token expires early or is ' +
            'revoked. Watch the client: on a 401 it asks the cache for a **new** token (`{ refresh: true }`): the cache signs ' +
            'the JWT again and exchanges it (there is no refresh token), and the client sends the call again, once. Signed ' +
            'within the same second, the new JWT is byte-identical to the last one (its claims are whole seconds); the access ' +
            'token it buys is new:',
        );
        await getWorkspaceUnder(ctx, ctx.mock, session, 'expired-token');
        ctx.say(
          `Exchanges by the cache: ${exchangesBefore} before, ${session.cache.stats().exchanges} after. A second 401 right after a ` +
            'new token would not be retried again: the client throws `ERR_API_UNAUTHORIZED` (the app was uninstalled, or the ' +
            'endpoint does not take app tokens).',
        );
      },
    },
    {
      title: 'See a 429: the client backs off on its own',
      async run(ctx) {
        const session = await sessionOf(ctx);
        if (!ctx.mock) {
          ctx.say(
            'Skipped in live mode: being rate-limited on purpose would take over a thousand calls in an hour. Run the lesson ' +
              `offline to see it. Live, the client ${describePolicy(RATE_LIMIT_POLICIES.live)}.`,
          );
          return;
        }
        ctx.say(
          'Now the simulated Bitbucket plays `rate-limited`: the next call gets **429 Too Many Requests** the way Bitbucket ' +
            'was seen to send it, a `text/plain` body, `Rate limit for this resource has been exceeded`, and **no ' +
            '`Retry-After`** header. Nothing says how long to wait, so the client picks its own wait, then repeats the call:',
        );
        await getWorkspaceUnder(ctx, ctx.mock, session, 'rate-limited');
        ctx.say(
          `Offline, the client ${describePolicy(RATE_LIMIT_POLICIES.offline)}: the simulated Bitbucket lifts its limit at once. ` +
            `Against real Bitbucket (\`LIVE=1\`) it ${describePolicy(RATE_LIMIT_POLICIES.live)}. Minutes, not seconds: ` +
            'Bitbucket counts calls in rolling one-hour windows, **1,000 an hour** for most calls of a Connect app (the higher, ' +
            'scaled limits apply to other kinds of tokens, not to Connect\'s), and a full window frees up only as its oldest ' +
            'calls age out. Both policies are in `src/bitbucket/rate-limit.ts`; whoever builds the client picks one by the ' +
            'mode (`rateLimitPolicy(config.live)`).',
        );
        ctx.say(
          'Past those bounds it stops with `ERR_RATE_LIMITED`. If a 429 ever does carry `Retry-After`, the client waits ' +
            'exactly that long (and gives up at once when it asks for more than the policy allows). Never repeat a 429 at ' +
            'once in a loop: each repeat spends the same hourly budget.',
        );
      },
    },
    {
      title: 'Reuse the token: count the exchanges',
      async run(ctx) {
        const session = await sessionOf(ctx);
        const before = session.cache.stats();
        const counted = ctx.mock ? { ...ctx.mock.state.counts } : undefined;
        ctx.say('One more call. The cached token has more than a minute to live, so the cache hands it out without an exchange:');
        await session.client.get<Workspace>(workspacePath(session));
        const after = session.cache.stats();
        const rows = [
          `| Token exchanges by the cache | ${before.exchanges} | ${after.exchanges} |`,
          `| Tokens handed out from the cache | ${before.hits} | ${after.hits} |`,
        ];
        if (ctx.mock && counted) {
          const { counts } = ctx.mock.state;
          rows.push(
            `| Token requests Bitbucket received | ${counted.exchanges} | ${counts.exchanges} |`,
            `| API calls Bitbucket received | ${counted.apiCalls} | ${counts.apiCalls} |`,
          );
        }
        ctx.say(['| | Before | After |', '| --- | --- | --- |', ...rows].join('\n'));
        ctx.say(
          'Every exchange above had a reason: the first token, the repository-restricted one, and a fresh one after each 401. ' +
            'Everything else reused a cached token. Exchanging per call would double the requests, add a round trip to every ' +
            'call, and spend the rate limit. The cache renews a token a minute before `expiresAt`, keeps tokens of different ' +
            'restrictions apart, and lets concurrent callers share one exchange.',
        );
      },
    },
    {
      title: 'Report what SCENARIO did',
      async run(ctx) {
        if (!ctx.mock) {
          ctx.say('Live mode: `SCENARIO` only steers the simulated Bitbucket, so it did nothing here.');
          return;
        }
        const { SCENARIO_GUIDES, describeScenario } = await import('../../mocks/scenarios.ts');
        const chosen = ctx.config.scenario;
        const report = ctx.state.scenarioReport as ScenarioReport | undefined;
        if (chosen === 'happy' || !report) {
          ctx.say(
            'SCENARIO was `happy` (the default): no fault but the two this lesson played on purpose. Each scenario makes the ' +
              'first API call of the run fail in one way; step 1 then shows how the client copes:',
          );
          ctx.say(SCENARIO_GUIDES.filter((g) => g.name !== 'happy').map((g) => `- \`SCENARIO=${g.name} npm run lesson 5\`: ${g.title}.`).join('\n'));
          return;
        }
        const guide = describeScenario(chosen);
        ctx.say(`**SCENARIO=${chosen}**: ${guide.title}.`);
        ctx.show('What the mock did', guide.mock);
        ctx.show('Bitbucket answered', report.answers.join(', ') || 'nothing');
        ctx.say(
          report.failure
            ? `The client could not recover and stopped with \`${report.failure.code}\`, which is right for this fault: ${guide.client}`
            : `The client recovered without the lesson's help. What a good client does: ${guide.client}`,
        );
      },
    },
  ],
});
