/**
 * Lesson 7: the Connect app, end to end. Starts the app `npm start` runs (src/app/, `startServer`)
 * in this process on a free loopback port, with the lesson's store and clock, then plays Bitbucket
 * against it over HTTP: reads its descriptor, installs it (mocks/install.ts) and opens the
 * repository page as Bitbucket's iframe does. The app's own requests (the JWT grant, the REST call)
 * go through `ctx.fetch` as well, so the learner sees them inside the page load that caused them.
 */
import { keepGate } from '../../src/http/gated-fetch.ts';
import { parseRepoUuid } from '../../src/app/routes/repo-page.ts';
import { startServer, type RunningServer } from '../../src/app/start-server.ts';
import { validateDescriptor, type Descriptor } from '../../src/connect/descriptor.ts';
import { quoteServerText } from '../../src/http/server-text.ts';
import { decodeUnverified } from '../../src/jwt/verify.ts';
import { redactSecret } from '../../src/redact.ts';
import type { Installation, InstallationStore } from '../../src/store/installation.ts';
import { signedModuleUrl } from '../../mocks/fake-bitbucket/module-url.ts';
import { TEAMS_IN_SPACE } from '../../mocks/fixtures/accounts.ts';
import { clientKeyFor } from '../../mocks/fixtures/lifecycle.ts';
import { repositoryFixtures } from '../../mocks/fixtures/repositories.ts';
import { installApp } from '../../mocks/install.ts';
import { labCourse } from '../runner/course.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';
import type { PageLoad, RepositoryPageView } from './exercises/repository-page/solution/repository-page.ts';
import { AppAnswerError, InstallNotStoredError, PageWithoutRepositoryError, RepoUuidFlagError } from './errors.ts';

/** The running app and what the steps learn about it, kept in `ctx.state.app` between steps. */
interface AppRun {
  running: RunningServer;
  /** The app's log lines (already redacted by its logger), and how many were shown. */
  log: string[];
  logShown: number;
  /** `METHOD url` of every request the app sent, in order. */
  outgoing: string[];
  /** The app's fetch: the lesson's, recording into `outgoing`. */
  fetch: typeof fetch;
  /** With --mine: the learner's repository page, made once for the run (its token cache lives as long). */
  minePage?: (load: PageLoad) => Promise<RepositoryPageView>;
  descriptor?: Descriptor;
  /** Who Bitbucket signs the page's JWT as: the installation of step 3. */
  signer?: Pick<Installation, 'clientKey' | 'sharedSecret'>;
  /** The page JWT of step 4, compared with step 5's. */
  pageJwt?: string;
}

/** Error messages quote the app at this length: its messages say what to do, so keep them whole. */
const ANSWER_MAX_CHARS = 800;

/** The runner owns the store and closes it after the run: the app's graceful shutdown must not. */
function borrowed(store: InstallationStore): InstallationStore {
  // The stores are plain objects of closures: their methods need no `this`.
  return { ...store, close: async () => {} };
}

function appOf(ctx: LessonContext): AppRun {
  const app = ctx.state.app as AppRun | undefined;
  if (!app) throw new Error('The app is not running: step 1 starts it, and the steps run in order.');
  return app;
}

/** Stops the app gracefully (in-flight requests finish) and forgets it. Idempotent. */
async function stopApp(ctx: LessonContext): Promise<void> {
  const app = ctx.state.app as AppRun | undefined;
  if (!app) return;
  delete ctx.state.app;
  await app.running.close();
}

/** Shows the log lines the app wrote since the last call. */
function showNewLogLines(ctx: LessonContext, app: AppRun): void {
  const lines = app.log.slice(app.logShown);
  app.logShown = app.log.length;
  // An unexpected error's line carries its stack, escaped as \x0a: the first line is what to read.
  if (lines.length > 0) ctx.show("The app's log", lines.map((line) => line.split('\\x0a')[0]).join('\n'));
}

/**
 * Runs a step's work against the running app; shows what the app logged meanwhile. A failure stops
 * the app first, so a failed run leaves no server behind.
 */
async function withApp(ctx: LessonContext, work: (app: AppRun) => Promise<void>): Promise<void> {
  const app = appOf(ctx);
  try {
    await work(app);
    showNewLogLines(ctx, app);
  } catch (error) {
    showNewLogLines(ctx, app);
    await stopApp(ctx);
    throw error;
  }
}

/** Where Bitbucket would send a request for `publicUrl` (under the descriptor's baseUrl), the same path on the app's loopback address. */
function onLoopback(app: AppRun, publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${app.running.url}${url.pathname === '/' ? '' : url.pathname}${url.search}`;
}

/** Undoes the escaping of the app's `html` tag (src/text/html.ts). */
function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d{1,7});/g, (match, code: string) => (Number(code) <= 0x10ffff ? String.fromCodePoint(Number(code)) : match))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The app's own words from an error answer: JSON `{ error, message }` (lifecycle) or its HTML error page. */
async function answerOf(response: Response): Promise<string> {
  const text = await response.text();
  const page = /<code>(ERR_[A-Z0-9_]+)<\/code><\/p>\s*<p>([^<]*)<\/p>/.exec(text);
  if (page) return quoteServerText(`${page[1]}: ${unescapeHtml(page[2] ?? '')}`, [], ANSWER_MAX_CHARS);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return quoteServerText(text, [], ANSWER_MAX_CHARS);
  }
  const { error, message } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown };
  return quoteServerText(typeof error === 'string' ? `${error}: ${String(message)}` : text, [], ANSWER_MAX_CHARS);
}

/** A row of the repository page's table, as text. */
function pageField(html: string, name: string): string | undefined {
  const row = new RegExp(`<th>${name}</th><td>([^<]*)</td>`).exec(html);
  return row?.[1] === undefined ? undefined : unescapeHtml(row[1]);
}

/** The repository to open: `--repo-uuid`, else (offline) the first repository of the simulated workspace. */
function repositoryUuid(ctx: LessonContext): string {
  const flag = ctx.flags['repo-uuid'];
  if (typeof flag === 'string') {
    try {
      return parseRepoUuid(flag);
    } catch (cause) {
      throw new RepoUuidFlagError(flag, { cause });
    }
  }
  if (ctx.live) throw new RepoUuidFlagError(undefined);
  const first = repositoryFixtures({ bitbucketUrl: ctx.config.bitbucketUrl, apiUrl: ctx.config.bitbucketApiUrl })[0];
  if (!first) throw new Error('The simulated workspace has no repository (mocks/fixtures/repositories.ts).');
  return first.uuid;
}

/**
 * Plays Bitbucket opening the repository page: fills in the descriptor's page URL, signs it for
 * the installation, and loads it on the app's loopback address. Returns the page and what the app
 * sent meanwhile.
 */
/**
 * With --mine, the learner's page (exercise repository-page) built from the learner's pieces of
 * lessons 3 to 6, made on first use; its requests go through the app's fetch, so they show as the
 * app's. Undefined without --mine.
 */
function minePageOf(ctx: LessonContext, app: AppRun): AppRun['minePage'] {
  const create = ctx.mine.createRepositoryPage;
  if (!create) return undefined;
  app.minePage ??= create({
    store: ctx.store,
    appBaseUrl: ctx.config.baseUrl,
    bitbucketUrl: ctx.config.bitbucketUrl,
    apiUrl: ctx.config.bitbucketApiUrl,
    fetch: app.fetch,
    now: ctx.now,
    live: ctx.live,
    pieces: {
      verifyRequest: ctx.mine.verifyRequest,
      sign: ctx.mine.signInstallationJwt,
      tokenRequest: ctx.mine.tokenRequest,
      refreshOnce: ctx.mine.refreshOnce,
      rateLimitWait: ctx.mine.rateLimitWait,
    },
  });
  return app.minePage;
}

/** What one page load showed: the repository's name and full name, the iframe's JWT, and what the app sent meanwhile. */
interface PageShown {
  name: string | undefined;
  fullName: string | undefined;
  token: string;
  sent: string[];
}

async function openRepositoryPage(ctx: LessonContext, app: AppRun): Promise<PageShown> {
  const { descriptor, signer } = app;
  if (!descriptor || !signer) throw new Error('Steps 2 and 3 read the descriptor and install the app first.');
  const page = descriptor.modules.repoPages?.[0];
  if (!page) throw new Error('The descriptor has no repository page: buildDescriptor adds "jwt-grant".');
  const repoUuid = repositoryUuid(ctx);
  const iframeUrl = await signedModuleUrl({
    appBaseUrl: descriptor.baseUrl,
    moduleUrl: page.url,
    context: { repository: { uuid: repoUuid } },
    scopes: descriptor.scopes,
    clientKey: signer.clientKey,
    sharedSecret: signer.sharedSecret,
    now: ctx.now,
  });
  ctx.show('Bitbucket\'s iframe', iframeUrl);
  const token = new URL(iframeUrl).searchParams.get('jwt') ?? '';
  const sentBefore = app.outgoing.length;
  const mine = minePageOf(ctx, app);
  if (mine) {
    ctx.say('With `--mine`, **your** `createRepositoryPage` answers this load, in this process, instead of the app\'s route:');
    const { pathname, search } = new URL(iframeUrl);
    const view = await mine({ method: 'GET', url: `${pathname}${search}`, headers: { accept: 'text/html' } });
    return { name: view.repository.name, fullName: view.repository.full_name, token, sent: app.outgoing.slice(sentBefore) };
  }
  const response = await ctx.fetch(onLoopback(app, iframeUrl));
  const sent = app.outgoing.slice(sentBefore);
  if (!response.ok) throw new AppAnswerError(`GET ${page.url}`, response.status, await answerOf(response));
  const html = await response.text();
  return { name: pageField(html, 'name'), fullName: pageField(html, 'full_name'), token, sent };
}

/** The requests the app sent during one page load, and the mock's view of them. */
function showWhatTheAppSent(ctx: LessonContext, sent: string[], mockLogBefore: number): void {
  ctx.show('The app sent', sent.length > 0 ? sent.map((request, i) => `${i + 1}. ${request}`).join('\n') : '(nothing)');
  if (!ctx.mock) return;
  const entries = ctx.mock.state.log.slice(mockLogBefore);
  const seen = entries.map((entry) => `${entry.endpoint} → ${entry.status ?? 'no answer'}`);
  ctx.show('Bitbucket (the mock) answered', seen.length > 0 ? seen.join('\n') : '(nothing)');
  if (entries.some((entry) => entry.status === null || entry.status >= 400)) {
    ctx.say(
      `With SCENARIO=${ctx.config.scenario}, Bitbucket answered with an error and the app recovered by itself: its REST client gets a fresh ` +
        'token after a 401, retries a 5xx, and waits out a 429 (Bitbucket names no wait: the client backs off on its own), a bounded number of times (lesson 5).',
    );
  }
}

export default defineLesson({
  requires: 'installation',
  mock: 'state',
  // --mine: the page of steps 4 and 5 is the learner's (exercise repository-page), made of the learner's pieces.
  mine: ['createRepositoryPage', 'verifyRequest', 'queryStringHash', 'signInstallationJwt', 'tokenRequest', 'refreshOnce', 'rateLimitWait'],
  flags: {
    'repo-uuid': {
      type: 'string',
      description:
        "The repository to open the page for, its UUID in braces, e.g. --repo-uuid='{7a3c5e2f-...}' (offline default: the first repository of the simulated workspace; required with LIVE=1)",
    },
  },
  steps: [
    {
      title: 'Start the app in this process',
      async run(ctx) {
        // The repository of step 4, checked now: a bad --repo-uuid should not cost three steps.
        repositoryUuid(ctx);
        await stopApp(ctx);
        const log: string[] = [];
        const outgoing: string[] = [];
        // The app's requests go through the recording fetch: the learner sees them inside the page load.
        const appFetch: typeof fetch = (input, init) => {
          const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
          outgoing.push(`${method.toUpperCase()} ${input instanceof Request ? input.url : String(input)}`);
          return ctx.fetch(input, init);
        };
        const fetch = keepGate(appFetch, ctx.fetch);
        const running = await startServer({
          config: ctx.config,
          store: borrowed(ctx.store),
          fetch,
          now: ctx.now,
          logger: { info: (line) => log.push(line), error: (line) => log.push(line) },
          // What npm start serves beside the app: this course's lessons and notes.
          course: labCourse({ dataDir: ctx.config.dataDir }),
          port: 0,
          host: '127.0.0.1',
          signals: null,
        });
        const app: AppRun = { running, log, logShown: 0, outgoing, fetch };
        ctx.state.app = app;
        ctx.say(
          `The app \`npm start\` runs (src/app/) now listens on **${running.url}**: loopback, a free port, this process. ` +
            `Its descriptor still says \`baseUrl\` **${ctx.config.baseUrl}**, where Bitbucket would call it; the lesson ` +
            'sends the same paths to the loopback address instead.',
        );
        ctx.show(
          'The app talks to',
          ctx.live
            ? `real Bitbucket: ${ctx.config.bitbucketUrl} and ${ctx.config.bitbucketApiUrl}`
            : `${ctx.config.bitbucketUrl} and ${ctx.config.bitbucketApiUrl}, answered by the Bitbucket mock in this process`,
        );
        ctx.show('Installations', `the lessons' store in ${ctx.config.dataDir}: what lesson 2 stored, the app finds`);
        await withApp(ctx, async () => {
          const health = await ctx.fetch(`${running.url}/healthcheck`);
          if (!health.ok) throw new AppAnswerError('GET /healthcheck', health.status, await answerOf(health));
          ctx.say('`/healthcheck` answers `OK` once the store answers too: what a tunnel or a supervisor polls.');
        });
      },
    },
    {
      title: 'Read its descriptor, as Bitbucket does at install time',
      async run(ctx) {
        await withApp(ctx, async (app) => {
          const response = await ctx.fetch(onLoopback(app, `${ctx.config.baseUrl}/atlassian-connect.json`));
          if (!response.ok) throw new AppAnswerError('GET /atlassian-connect.json', response.status, await answerOf(response));
          const descriptor = validateDescriptor(await response.json(), { live: ctx.live });
          app.descriptor = descriptor;
          const page = descriptor.modules.repoPages?.[0];
          ctx.say(
            [
              'What Bitbucket takes from it (lesson 1):',
              `- \`key\` **${descriptor.key}**: the app being installed.`,
              `- \`lifecycle.installed\`: it will POST the installation to **${descriptor.baseUrl}${descriptor.lifecycle.installed}**.`,
              `- \`scopes\` **${descriptor.scopes.join(', ')}**: the ceiling of every access token.`,
              ...(page ? [`- \`modules.repoPages\`: a page **${page.name.value}** at \`${page.url}\` in every repository.`] : []),
            ].join('\n'),
          );
        });
      },
    },
    {
      title: 'Install it: Bitbucket POSTs the signed installed payload',
      async run(ctx) {
        await withApp(ctx, async (app) => {
          const descriptor = app.descriptor;
          if (!descriptor) throw new Error('Step 2 reads the descriptor first.');
          if (ctx.live) {
            const installation = await ctx.installation();
            app.signer = installation;
            ctx.say(
              'LIVE: real Bitbucket installed the app and posted this installation (lesson 2). Playing Bitbucket here would ' +
                'store a made-up workspace beside your real one, so the lesson only shows the one Bitbucket sent:',
            );
            ctx.show('Installation', { clientKey: installation.clientKey, principal: installation.principal?.display_name, updatedAt: installation.updatedAt });
            return;
          }
          // Bitbucket's own record (ctx.registry): a re-install is signed with the secret of the preceding install.
          const known = await ctx.registry?.record(clientKeyFor(TEAMS_IN_SPACE.uuid, descriptor.key));
          ctx.say(
            `Bitbucket POSTs the \`installed\` payload for workspace **${TEAMS_IN_SPACE.name}** to the app` +
              (known ? ', with `Authorization: JWT` signed with the secret of the preceding install, its qsh over `POST&/installed&`:' : ', unsigned: a first install has no preceding secret to sign with:'),
          );
          const installed = await installApp({
            appBaseUrl: onLoopback(app, descriptor.baseUrl),
            descriptor,
            fetch: ctx.fetch,
            now: ctx.now,
            bitbucketUrl: ctx.config.bitbucketUrl,
            apiUrl: ctx.config.bitbucketApiUrl,
            registry: ctx.registry,
          });
          ctx.secret(installed.sharedSecret);
          if (installed.response.status !== 204) {
            throw new AppAnswerError(`POST ${descriptor.lifecycle.installed}`, installed.response.status, await answerOf(installed.response));
          }
          // A first install is proven with one token exchange right after the 204: wait for it.
          await app.running.installVerifier.idle();
          const stored = await ctx.store.get(installed.clientKey);
          if (stored?.state !== 'active') throw new InstallNotStoredError(installed.clientKey);
          app.signer = stored;
          ctx.say(
            known
              ? 'The app answered **204**. This workspace was installed before (lesson 2), so this is a **re-install**: the app ' +
                  'accepted it only because the JWT is signed with the secret it had stored. A re-install signed with any other ' +
                  'secret is refused (lesson 2), or anyone could take the installation over.'
              : 'The app answered **204** to a **first install** and stored it pending, then proved it with one token exchange ' +
                  'signed with its secret (lesson 2): Bitbucket answered, so it is active. From now on only this secret can re-install it.',
          );
          ctx.show('Stored', {
            clientKey: stored.clientKey,
            workspace: stored.principal?.display_name,
            sharedSecret: redactSecret(stored.sharedSecret),
            installedAt: stored.installedAt,
            updatedAt: stored.updatedAt,
          });
        });
      },
    },
    {
      title: "Open the repository page, as Bitbucket's iframe does",
      async run(ctx) {
        await withApp(ctx, async (app) => {
          ctx.say(
            'A member opens the page in a repository\'s navigation. Bitbucket fills in `{repository.uuid}`, signs the URL ' +
              'with the installation\'s secret (lesson 6) and loads it in an iframe. Watch the requests the **app** sends ' +
              'while it answers: they appear inside the page load.',
          );
          const mockLogBefore = ctx.mock?.state.log.length ?? 0;
          const { name, fullName, token, sent } = await openRepositoryPage(ctx, app);
          app.pageJwt = token;
          ctx.say(
            [
              'What the app did for this one page load:',
              '1. **Verified Bitbucket\'s JWT** (lesson 6): the installation by `iss`, the signature with its secret, the times, the qsh of this URL.',
              '2. **Got an access token for this repository only** (lessons 3 and 4): signed its own JWT (`iss` app key, `sub` clientKey) and swapped it at the token endpoint with `bitbucket_repository` set to this repository. The page acts on one repository, so it asks for no broader token (lesson 5).',
              '3. **Called the REST API** (lesson 5) with `Authorization: Bearer` and that restricted token, for this repository. Had the restricted grant failed, the page would say so and stop: it never falls back to a broader token.',
            ].join('\n'),
          );
          showWhatTheAppSent(ctx, sent, mockLogBefore);
          const { claims } = decodeUnverified(token);
          // One line: the page's HTML above shows every claim already.
          ctx.show('The app verified', `iss = aud = ${String(claims.iss)}, exp - iat = ${Number(claims.exp) - Number(claims.iat)} s`);
          if (!fullName) throw new PageWithoutRepositoryError(repositoryUuid(ctx));
          ctx.say(
            app.minePage
              ? `Your page returned the repository **${name ?? fullName}** (\`${fullName}\`): the REST API's answer, which the app's route renders as HTML.`
              : `The HTML the app returned shows the repository **${name ?? fullName}** (\`${fullName}\`): the REST API's answer, rendered inside Bitbucket.`,
          );
        });
      },
    },
    {
      title: 'Open it again: the access token comes from the cache',
      async run(ctx) {
        await withApp(ctx, async (app) => {
          ctx.say('Bitbucket signs a JWT for every page load. The app verifies it again, but it does not need a new access token:');
          const mockLogBefore = ctx.mock?.state.log.length ?? 0;
          const { token, sent } = await openRepositoryPage(ctx, app);
          ctx.say(
            token === app.pageJwt
              ? 'This JWT is **byte-identical** to the one of the first load: same claims (`iat` is in whole seconds, and both were ' +
                  'signed within the same second), same secret, and HS256 is deterministic. A second later its `iat`, and so the token, would differ.'
              : 'This JWT differs from the one of the first load: its `iat` moved on (HS256 signs the same claims to the same bytes, so only a changed claim changes the token).',
          );
          showWhatTheAppSent(ctx, sent, mockLogBefore);
          const exchanges = sent.filter((request) => request.includes('/site/oauth2/access_token')).length;
          ctx.say(
            exchanges === 0
              ? 'No request to the token endpoint this time: the token cache (src/oauth/token-cache.ts) keeps each token until shortly ' +
                  'before `expires_in` runs out, then signs a JWT again and exchanges it. There is no refresh token in the JWT grant: a new exchange is the refresh.'
              : app.minePage
                ? `Your page asked the token endpoint ${exchanges} time(s) again: its token cache did not outlive the first load (rule 4 of \`npm run practice -- check repository-page\`).`
                : `The app asked the token endpoint ${exchanges} time(s) again: its cached tokens were about to expire, so it signed JWTs again and exchanged them.`,
          );
        });
      },
    },
    {
      title: 'Stop the app, then do it all by hand',
      async run(ctx) {
        const app = appOf(ctx);
        await stopApp(ctx);
        showNewLogLines(ctx, app);
        ctx.say(
          [
            'The app shut down gracefully: it stopped accepting connections and let the requests in flight finish. ' +
              '`npm start` does the same on Ctrl-C or SIGTERM, and then closes its store; here the store stays open for the lesson runner.',
            '',
            '**By hand, in your browser**: `npm run rehearse` starts this app on http://127.0.0.1:3000 and a fake Bitbucket on ' +
              'http://127.0.0.1:4000, wired to each other. Open the fake, click **Install app from URL**, grant access, open a ' +
              'repository and click **JWT Authorization Grant**: the page shows the same verification, grant and API call.',
            '',
            '**Live**: only for Connect apps registered before February 2, 2026. Run `npm start`, expose it with `ngrok http 3000`, ' +
              'restart it with `BASE_URL` set to the https URL ngrok prints, install the app in your workspace from ' +
              "`<BASE_URL>/atlassian-connect.json`, then open the page in a repository. `LIVE=1 npm run lesson 7 -- --repo-uuid='{...}'` " +
              'replays this lesson against real Bitbucket with the installation it posted.',
          ].join('\n'),
        );
      },
    },
  ],
});
