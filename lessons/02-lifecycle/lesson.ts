/**
 * Lesson 2: capturing the installation. Offline it plays Bitbucket against the lab's own app
 * (served on loopback, with the lesson's store): the signed `installed` call, a re-install signed
 * with the stored secret, a forged re-install, and the uninstall of a throw-away installation. Live
 * it lists what real Bitbucket posted to `npm start`.
 */
import { keepGate } from '../../src/http/gated-fetch.ts';
import { join } from 'node:path';
import { buildDescriptor, type Descriptor } from '../../src/connect/descriptor.ts';
import { quoteServerText } from '../../src/http/server-text.ts';
import { canonicalRequest } from '../../src/jwt/qsh.ts';
import { decodeUnverified } from '../../src/jwt/verify.ts';
import type { Installation } from '../../src/store/installation.ts';
import { installApp, uninstallApp, type InstallResult } from '../../mocks/install.ts';
import { TEAMS_IN_SPACE, type WorkspaceSeed } from '../../mocks/fixtures/accounts.ts';
import { fixtureUuid } from '../../mocks/fixtures/ids.ts';
import { clientKeyFor } from '../../mocks/fixtures/lifecycle.ts';
import type { InstalledPayload } from '../../mocks/fixtures/types.ts';
import { noInstallationError } from '../runner/installation.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';
import { StepStateError } from '../runner/errors.ts';
import { ForgedReinstallAcceptedError, LifecycleAnswerError } from './errors.ts';
import { withLocalApp, type LocalApp } from './local-app.ts';

/** The second workspace of step 6: installed and uninstalled again, so the real installation stays. */
const THROWAWAY_WORKSPACE: WorkspaceSeed = Object.freeze({
  slug: 'throwaway-sandbox',
  name: 'Throw-away Sandbox',
  uuid: fixtureUuid('workspace:throwaway-sandbox'),
  createdOn: '2024-05-02T08:00:00.000000+00:00',
});

/** Where steps 2 to 5 find what step 1 received. */
const PAYLOAD_KEY = 'installedPayload';

/** What the app answers with a lifecycle error: `{ error, message }` (src/app/error-handler.ts). */
interface AppAnswer {
  code: string | undefined;
  text: string;
}

function descriptorOf(ctx: LessonContext): Descriptor {
  return buildDescriptor({ appKey: ctx.config.appKey, baseUrl: ctx.config.baseUrl });
}

function originsOf(ctx: LessonContext): { bitbucketUrl: string; apiUrl: string } {
  return { bitbucketUrl: ctx.config.bitbucketUrl, apiUrl: ctx.config.bitbucketApiUrl };
}

/** The app's answer, made safe to print: its error code and message, or its raw text. */
async function answerOf(response: Response): Promise<AppAnswer> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') {
      return { code: body.error, text: quoteServerText(`${body.error}: ${String(body.message ?? '')}`, [], 1000) };
    }
  } catch {
    // Not JSON: quoted as it came.
  }
  return { code: undefined, text: quoteServerText(text) };
}

/**
 * The app's log lines, one printable line each: an unexpected error's line carries its stack after
 * an escaped newline, which is for the operator, not for the lesson.
 */
function logLines(app: LocalApp): string[] {
  return app.log.map((line) => quoteServerText(line.split(/\\x0a|\n/)[0] ?? '', [], 400));
}

/** Fails the step unless the app accepted the call with 204, as Bitbucket expects. */
async function expectAccepted(response: Response, call: string, app: LocalApp): Promise<void> {
  if (response.status === 204) return;
  const answer = await answerOf(response);
  throw new LifecycleAnswerError(call, 'HTTP 204', response.status, answer.text, logLines(app));
}

/** `ctx.fetch`, keeping the JWT of each request so the step can decode it afterwards. */
function keepingJwts(ctx: LessonContext, jwts: string[]): typeof fetch {
  const keeping: typeof fetch = (input, init) => {
    const authorization = new Request(input, init).headers.get('authorization');
    if (authorization?.startsWith('JWT ')) jwts.push(authorization.slice('JWT '.length));
    return ctx.fetch(input, init);
  };
  // The runner's "Send this request?" must still come before the request's deadline starts.
  return keepGate(keeping, ctx.fetch);
}

/**
 * Plays Bitbucket installing the app into `workspace`: with `sharedSecret` when Bitbucket re-sends
 * the secret it issued, else with a new one (installApp makes it). `jwts` collects the JWT it signs.
 */
async function install(
  ctx: LessonContext,
  app: LocalApp,
  o: { workspace: WorkspaceSeed; sharedSecret?: string; jwts?: string[] },
): Promise<InstallResult> {
  const result = await installApp({
    appBaseUrl: app.url,
    descriptor: descriptorOf(ctx),
    workspace: o.workspace,
    ...originsOf(ctx),
    ...(o.sharedSecret ? { sharedSecret: o.sharedSecret } : {}),
    fetch: o.jwts ? keepingJwts(ctx, o.jwts) : ctx.fetch,
    now: ctx.now,
  });
  ctx.secret(result.sharedSecret);
  return result;
}

function showAppLog(ctx: LessonContext, app: LocalApp): void {
  ctx.show('The app logged', logLines(app).join('\n'));
  app.log.length = 0;
}

function iso(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
}

/** An installation as the learner may see it: everything but the secret, which is only measured. */
function describeInstallation(installation: Installation): Record<string, unknown> {
  const { sharedSecret, principal, ...rest } = installation;
  return {
    ...rest,
    principal: principal && {
      type: principal.type,
      ...(principal.username ? { username: principal.username } : {}),
      ...(principal.display_name ? { display_name: principal.display_name } : {}),
      ...(principal.uuid ? { uuid: principal.uuid } : {}),
    },
    sharedSecret: `(stored, ${sharedSecret.length} characters, never shown)`,
  };
}

/** One line a field: the payload of step 1 without the bulk of its account objects. */
function glance(payload: InstalledPayload): Record<string, string> {
  const account = (a: InstalledPayload['principal']) => `${a.type} ${a.username ?? a.uuid} (${a.display_name}), uuid ${a.uuid}`;
  return {
    key: payload.key,
    clientKey: payload.clientKey,
    // Registered as a secret when it arrived: printed redacted.
    sharedSecret: payload.sharedSecret ?? '(missing: a personal-account install)',
    baseUrl: payload.baseUrl,
    baseApiUrl: payload.baseApiUrl,
    productType: payload.productType,
    eventType: payload.eventType,
    principal: account(payload.principal),
    user: account(payload.user),
    actor: `${payload.actor.type} ${payload.actor.uuid}, account ${payload.actor.account_id}`,
    publicKey: `${payload.publicKey.slice(0, 12)}… (${payload.publicKey.length} characters)`,
  };
}

function payloadOf(ctx: LessonContext, step: number): InstalledPayload {
  const payload = ctx.state[PAYLOAD_KEY] as InstalledPayload | undefined;
  if (!payload) throw new StepStateError({ lesson: 2, step, earlier: 1, needs: 'the installed payload' });
  return payload;
}

async function storedOf(ctx: LessonContext, clientKey: string, step: number): Promise<Installation> {
  const stored = await ctx.store.get(clientKey);
  if (!stored) throw new StepStateError({ lesson: 2, step, earlier: 1, needs: 'the stored installation' });
  return stored;
}

/** Live, the steps that would send forged or simulated calls only say why they send nothing. */
function sayOfflineOnly(ctx: LessonContext, why: string): void {
  ctx.say(`Live, this step sends nothing: ${why} Run the lesson without \`LIVE=1\` to watch it against the lab's app, offline.`);
}

const FIELD_TABLE = [
  '| Field | What it is, and why the app cares |',
  '| --- | --- |',
  '| `key` | The descriptor\'s `key`. Payloads for another app are refused (`ERR_APP_KEY_MISMATCH`). |',
  '| `clientKey` | The installation\'s id, `ari:cloud:bitbucket::app/{workspace uuid}/app key`: the store\'s primary key, `sub` of the JWTs the app signs (lesson 3), `iss` of the ones Bitbucket signs (lesson 6). |',
  '| `sharedSecret` | The HS256 key both sides sign with. Sent once, here: lose it and the app can neither get tokens nor verify Bitbucket\'s calls. |',
  '| `baseUrl` | Bitbucket\'s web origin: where the token endpoint is (lesson 4). |',
  '| `baseApiUrl` | Bitbucket\'s API origin: where the REST API is (lesson 5). |',
  '| `productType`, `eventType` | `bitbucket`, `installed`: this payload, and no other, goes to `/installed`. |',
  '| `principal` | The workspace (`type: "team"`) the app acts for. A `user` principal is a personal account, and comes without a secret (`ERR_NO_SHARED_SECRET`). |',
  '| `user`, `actor` | The workspace again, and the admin who clicked install. Kept for the record; nothing is decided on them. |',
  '| `publicKey` | An RSA public key. Unused: Bitbucket signs nothing with RS256. |',
].join('\n');

export default defineLesson({
  steps: [
    {
      title: 'Receive the installed call from Bitbucket',
      async run(ctx) {
        if (ctx.live) {
          const all = await ctx.store.list();
          // No simulation live: say how to get real Bitbucket to post one (npm start, ngrok, BASE_URL, install).
          if (all.length === 0) throw noInstallationError(ctx.config, undefined);
          ctx.say(
            `Live, Bitbucket posts \`installed\` to your app itself. \`npm start\` received and stored ${all.length} installation(s) in **${ctx.config.dataDir}**:`,
          );
          all.forEach((installation, index) => ctx.show(`Installation ${index + 1} of ${all.length}`, describeInstallation(installation)));
          return;
        }
        const descriptor = descriptorOf(ctx);
        const clientKey = clientKeyFor(TEAMS_IN_SPACE.uuid, descriptor.key);
        // The offline Bitbucket shares the store with the app as its registry: what it issued before, it sends again.
        const known = await ctx.store.get(clientKey);
        ctx.say(
          `Offline, this lesson plays Bitbucket. The workspace **${TEAMS_IN_SPACE.name}** installs the app whose descriptor says ` +
            `\`"baseUrl": "${descriptor.baseUrl}"\`, so Bitbucket POSTs to \`${descriptor.baseUrl}${descriptor.lifecycle.installed}\`. ` +
            'The lab\'s app (the code `npm start` runs) listens on a loopback port for this step, with the lesson\'s store.',
        );
        ctx.say(
          known
            ? 'This DATA_DIR already holds this installation from an earlier run. Bitbucket keeps the secret it issued, so it sends and signs with that one: the app sees a **re-install** (step 4 explains).'
            : 'Bitbucket makes a new `sharedSecret` for this installation, puts it in the payload, and signs the request with it.',
        );
        const jwts: string[] = [];
        await withLocalApp(ctx, async (app) => {
          const result = await install(ctx, app, { workspace: TEAMS_IN_SPACE, sharedSecret: known?.sharedSecret, jwts });
          await expectAccepted(result.response, 'the installed call', app);
          ctx.state[PAYLOAD_KEY] = result.payload;
          showAppLog(ctx, app);
        });
        ctx.say('**204 No Content**: the app verified the JWT and stored the installation. The `Authorization` header holds this JWT, decoded:');
        // installApp signs every call; an empty token would fail decoding with a typed error.
        const [jwt = ''] = jwts;
        const { header, claims } = decodeUnverified(jwt);
        ctx.show('Header', header);
        ctx.show('Claims', claims);
        const canonical = canonicalRequest('POST', descriptor.lifecycle.installed);
        const lifetime = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : undefined;
        ctx.say(
          [
            '| Claim | Value | Meaning |',
            '| --- | --- | --- |',
            `| \`iss\`, \`aud\` | the clientKey | Bitbucket signs *as the installation*, for the installation. No \`sub\`. |`,
            `| \`iat\` | ${iso(claims.iat)} | Issued at, Unix seconds. |`,
            `| \`exp\` | ${iso(claims.exp)} | ${lifetime === undefined ? 'Expiry' : `${lifetime} s later`}: Bitbucket\'s own JWTs live an hour. |`,
            `| \`qsh\` | \`${String(claims.qsh).slice(0, 12)}…\` | SHA-256 of \`${canonical}\`: the token is good for this request only (lesson 3). |`,
          ].join('\n'),
        );
        ctx.say(
          'The signature is the third part (shown redacted). On a **first** install the app can only check it with the secret in the ' +
            'payload itself, which proves nothing about the sender: trust on first use. Every later call is checked against the **stored** secret.',
        );
      },
    },
    {
      title: 'Read the installed payload, field by field',
      async run(ctx) {
        if (ctx.live) {
          ctx.say('Live, the app keeps the fields it needs, not the payload itself: step 1 listed them. What each field is:');
          ctx.say(FIELD_TABLE);
          return;
        }
        const payload = payloadOf(ctx, 2);
        ctx.show('The installed payload of step 1, at a glance', glance(payload));
        ctx.say(FIELD_TABLE);
        ctx.say(
          `Two fields matter above all. **clientKey** \`${payload.clientKey}\` names the installation in every later call. ` +
            '**sharedSecret** is the key of every JWT in both directions, and Bitbucket sends it only here: it is shown redacted, ' +
            'as everywhere in the lab.',
        );
      },
    },
    {
      title: 'See what the app stored, and why it must persist',
      async run(ctx) {
        const installation = ctx.live ? await ctx.installation() : await storedOf(ctx, payloadOf(ctx, 3).clientKey, 3);
        ctx.show('Stored installation', describeInstallation(installation));
        ctx.say(
          `The app stored it in **${join(ctx.config.dataDir, 'installations.db')}** (SQLite): the store \`npm start\` uses, ` +
            'and the one every later lesson reads. The lessons act for the most recently updated installation.',
        );
        ctx.say(
          '> [!WARNING]\n> Atlassian\'s sample app keeps installations in memory. Every restart forgets every `sharedSecret`: the app can ' +
            'no longer get tokens, and the next `installed` call for that workspace looks like a **first** install, accepted on ' +
            'trust from whoever sends it. The store must persist.',
        );
      },
    },
    {
      title: 'Re-install signed with the stored secret: accepted',
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'a re-install comes from Bitbucket itself, when it posts `installed` again.');
        const { clientKey } = payloadOf(ctx, 4);
        const before = await storedOf(ctx, clientKey, 4);
        ctx.say(
          'Bitbucket can post `installed` again for a clientKey the app knows. The rule: a known clientKey is re-installed only by a ' +
            'request signed with the **stored** secret. Here Bitbucket signs with it, as it would.',
        );
        await withLocalApp(ctx, async (app) => {
          const result = await install(ctx, app, { workspace: TEAMS_IN_SPACE, sharedSecret: before.sharedSecret });
          await expectAccepted(result.response, 'a re-install signed with the stored secret', app);
          showAppLog(ctx, app);
        });
        const after = await storedOf(ctx, clientKey, 4);
        ctx.show('installedAt', `${after.installedAt} (kept from the first install)`);
        ctx.show('updatedAt', `${after.updatedAt} (this re-install)`);
        ctx.say(
          'Accepted: `outcome=reinstalled`. Had the payload carried a new secret, still signed with the stored one, the app would have ' +
            'stored the new secret (`outcome=secret-rotated`): only the holder of the old secret can rotate it.',
        );
      },
    },
    {
      title: 'Forge a re-install with a new secret: refused',
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'the lab does not forge requests against an app that holds real installations.');
        const { clientKey } = payloadOf(ctx, 5);
        const before = await storedOf(ctx, clientKey, 5);
        ctx.say(
          'Anyone on the internet can POST to `/installed`. An attacker sends a payload for the same clientKey with a secret of their ' +
            'own, and signs it with that secret: if the app believed it, the attacker would own the installation.',
        );
        await withLocalApp(ctx, async (app) => {
          // No sharedSecret given: installApp makes a new one, as an attacker would, and signs with it.
          const forged = await install(ctx, app, { workspace: TEAMS_IN_SPACE });
          if (forged.response.ok) throw new ForgedReinstallAcceptedError(clientKey, forged.response.status);
          const answer = await answerOf(forged.response);
          if (forged.response.status !== 401 || answer.code !== 'ERR_REINSTALL_UNAUTHENTICATED') {
            throw new LifecycleAnswerError('a forged re-install', 'HTTP 401 ERR_REINSTALL_UNAUTHENTICATED', forged.response.status, answer.text, logLines(app));
          }
          showAppLog(ctx, app);
        });
        const after = await storedOf(ctx, clientKey, 5);
        if (after.sharedSecret !== before.sharedSecret) throw new ForgedReinstallAcceptedError(clientKey, 401);
        ctx.say(
          '**401 ERR_REINSTALL_UNAUTHENTICATED**: the JWT does not verify with the stored secret. The stored installation is ' +
            `unchanged (same secret, updatedAt still ${after.updatedAt}), and lesson 3 signs with it.`,
        );
      },
    },
    {
      title: 'Uninstall a throw-away second installation',
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'only the workspace uninstalls the app, from its settings; Bitbucket then posts `uninstalled` to it.');
        const descriptor = descriptorOf(ctx);
        const clientKey = clientKeyFor(THROWAWAY_WORKSPACE.uuid, descriptor.key);
        const leftover = await ctx.store.get(clientKey);
        ctx.say(
          `To see \`uninstalled\` without losing the installation lesson 3 needs, a second workspace, **${THROWAWAY_WORKSPACE.name}**, ` +
            'installs the app first.',
        );
        await withLocalApp(ctx, async (app) => {
          const installed = await install(ctx, app, { workspace: THROWAWAY_WORKSPACE, sharedSecret: leftover?.sharedSecret });
          await expectAccepted(installed.response, 'the throw-away installed call', app);
          ctx.show('Stored installations', (await ctx.store.list()).map((i) => i.clientKey));
          ctx.say(
            `Now the workspace uninstalls the app. Bitbucket POSTs \`${descriptor.lifecycle.uninstalled}\`: the same payload minus ` +
              '`sharedSecret` and `actor`, signed with the secret the app stored. The app verifies it with that secret, then deletes the installation.',
          );
          const { response } = await uninstallApp({
            appBaseUrl: app.url,
            descriptor,
            installed: installed.payload,
            fetch: ctx.fetch,
            now: ctx.now,
          });
          await expectAccepted(response, 'the uninstalled call', app);
          showAppLog(ctx, app);
        });
        ctx.show('Stored installations', (await ctx.store.list()).map((i) => i.clientKey));
        ctx.say(
          'Gone, secret and all, and the app dropped any access token it had cached for it. If an `uninstalled` call never reaches ' +
            'the app, its stored secret goes stale and the next install of that workspace is refused as above: delete the stored ' +
            'installation and install again.',
        );
      },
    },
  ],
});
