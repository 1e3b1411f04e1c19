/**
 * Lesson 2: capturing the installation. Offline it plays Bitbucket (mocks/install.ts with the
 * simulated Bitbucket's registry, `ctx.registry`) against the lab's own app, served on loopback with
 * the lesson's store: the unsigned first install and the app's proof exchange, a re-install and a
 * rotation signed with the stored secret, a forged re-install, an uninstall (a tombstone) and the
 * install after it, and a squatter's first install that the proof refuses. Which secret signs
 * which call is Atlassian's signing table (developer.atlassian.com/cloud/bitbucket/authentication-for-apps).
 * Live it lists what real Bitbucket posted to `npm start`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { keepGate } from '../../src/http/gated-fetch.ts';
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
import { ForgedReinstallAcceptedError, InstallNotProvenError, LifecycleAnswerError, SquatterAcceptedError } from './errors.ts';
import { LESSON_REFUSAL_RETRY_MS, withLocalApp, type LocalApp } from './local-app.ts';

/** The workspace of the last step: Bitbucket never installed the app there, a squatter posts a first install for it. */
const SQUATTED_WORKSPACE: WorkspaceSeed = Object.freeze({
  slug: 'throwaway-sandbox',
  name: 'Throw-away Sandbox',
  uuid: fixtureUuid('workspace:throwaway-sandbox'),
  createdOn: '2024-05-02T08:00:00.000000+00:00',
});

/** Where the later steps find the payload of the last install Bitbucket sent (its secret signs the next call). */
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

/** `send` (ctx.fetch or ctx.briefFetch), keeping the JWT of each request so the step can decode it afterwards. */
function keepingJwts(send: typeof fetch, jwts: string[]): typeof fetch {
  const keeping: typeof fetch = (input, init) => {
    const authorization = new Request(input, init).headers.get('authorization');
    if (authorization?.startsWith('JWT ')) jwts.push(authorization.slice('JWT '.length));
    return send(input, init);
  };
  // The runner's "Send this request?" must still come before the request's deadline starts.
  return keepGate(keeping, send);
}

/**
 * Plays Bitbucket installing the app into `workspace`. With Bitbucket's registry (`ctx.registry`)
 * the secrets are Bitbucket's: a first install unsigned, later ones signed with the preceding
 * secret (`rotate`: with a new one in the payload). Without it (`forge`), exactly what a forger
 * sends: the given secret, signed with `signWith` or unsigned. `jwts` collects the JWT it signs.
 */
async function install(
  ctx: LessonContext,
  app: LocalApp,
  o: { workspace: WorkspaceSeed; fetch: typeof fetch; rotate?: boolean; forge?: { sharedSecret: string; signWith?: string }; jwts?: string[] },
): Promise<InstallResult> {
  const result = await installApp({
    appBaseUrl: app.url,
    descriptor: descriptorOf(ctx),
    workspace: o.workspace,
    ...originsOf(ctx),
    ...(o.forge ? { sharedSecret: o.forge.sharedSecret, precedingSecret: o.forge.signWith } : { registry: ctx.registry, rotate: o.rotate }),
    fetch: o.jwts ? keepingJwts(o.fetch, o.jwts) : o.fetch,
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

/** The JWT's claims as a table: what Bitbucket signs into every lifecycle call. */
function claimsTable(claims: Record<string, unknown>): string {
  const canonical = canonicalRequest('POST', '/installed');
  const lifetime = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : undefined;
  return [
    '| Claim | Value | Meaning |',
    '| --- | --- | --- |',
    `| \`iss\`, \`aud\` | the clientKey | Bitbucket signs *as the installation*, for the installation. No \`sub\`. |`,
    `| \`iat\` | ${iso(claims.iat)} | Issued at, Unix seconds. |`,
    `| \`exp\` | ${iso(claims.exp)} | ${lifetime === undefined ? 'Expiry' : `${lifetime} s later`}: Bitbucket\'s own JWTs live an hour. |`,
    `| \`qsh\` | \`${String(claims.qsh).slice(0, 12)}…\` | SHA-256 of \`${canonical}\`: the token is good for this request only (lesson 3). |`,
  ].join('\n');
}

/** Fails the step unless the app answered `expected` with `code` (a refusal the lesson demonstrates). */
async function expectRefused(response: Response, call: string, expected: { status: number; code: string }, app: LocalApp): Promise<void> {
  const answer = await answerOf(response);
  if (response.status !== expected.status || answer.code !== expected.code) {
    throw new LifecycleAnswerError(call, `HTTP ${expected.status} ${expected.code}`, response.status, answer.text, logLines(app));
  }
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
  '| `sharedSecret` | The HS256 key both sides sign with. Sent only in `installed` calls: lose it and the app can neither get tokens nor verify Bitbucket\'s calls. |',
  '| `baseUrl` | Bitbucket\'s web origin: where the token endpoint is (lesson 4). |',
  '| `baseApiUrl` | Bitbucket\'s API origin: where the REST API is (lesson 5). |',
  '| `productType`, `eventType` | `bitbucket`, `installed`: this payload, and no other, goes to `/installed`. |',
  '| `principal` | The workspace (`type: "team"`) the app acts for. A `user` principal is a personal account, and comes without a secret (`ERR_NO_SHARED_SECRET`). |',
  '| `user`, `actor` | The workspace again, and the admin who clicked install. Kept for the record; nothing is decided on them. |',
  '| `publicKey` | An RSA public key. Unused: Bitbucket signs nothing with RS256. |',
].join('\n');

export default defineLesson({
  // --mine: the app runs the learner's install table (exercise decide-install) in every step.
  mine: ['decideInstall'],
  steps: [
    {
      title: 'Receive the first install: no JWT, then the app proves it',
      async run(ctx) {
        if (ctx.live) {
          // Only what real Bitbucket posted: installations of the simulated one are never used live.
          const all = await ctx.store.list({ origin: 'bitbucket' });
          // No simulation live: say how to get real Bitbucket to post one (npm start, ngrok, BASE_URL, install).
          if (all.length === 0) throw await noInstallationError(ctx.config, undefined, ctx.store);
          ctx.say(
            `Live, Bitbucket posts \`installed\` to your app itself. \`npm start\` stored ${all.length} installation(s) in **${ctx.config.dataDir}**:`,
          );
          all.forEach((installation, index) => ctx.show(`Installation ${index + 1} of ${all.length}`, describeInstallation(installation)));
          return;
        }
        const descriptor = descriptorOf(ctx);
        const clientKey = clientKeyFor(TEAMS_IN_SPACE.uuid, descriptor.key);
        // Bitbucket's own record: what it installed before, it signs the next install with.
        const previous = await ctx.registry?.record(clientKey);
        ctx.say(
          `Offline, this lesson plays Bitbucket. The workspace **${TEAMS_IN_SPACE.name}** installs the app whose descriptor says ` +
            `\`"baseUrl": "${descriptor.baseUrl}"\`, so Bitbucket POSTs to \`${descriptor.baseUrl}${descriptor.lifecycle.installed}\`; ` +
            "the lab's app (the code `npm start` runs) listens on a loopback port for this step, with the lesson's store.",
        );
        ctx.say(
          previous
            ? 'Bitbucket installed the app here in an earlier run, so this is **not** a first install: Bitbucket signs it with the secret of the preceding install (step 4 explains).'
            : 'A **first** install carries **no JWT**: Bitbucket has no preceding secret to sign with (Atlassian\'s signing table, lesson notes). It makes a new `sharedSecret` and puts it in the payload.',
        );
        await withLocalApp(ctx, async (app) => {
          const result = await app.call(() => install(ctx, app, { workspace: TEAMS_IN_SPACE, fetch: ctx.fetch }));
          await expectAccepted(result.response, 'the installed call', app);
          ctx.state[PAYLOAD_KEY] = result.payload;
          // The app proves a first install right after its 204: wait for that exchange.
          await app.settled();
          if ((await ctx.store.get(clientKey))?.state !== 'active') throw new InstallNotProvenError(clientKey, logLines(app));
          showAppLog(ctx, app);
        });
        if (previous) return;
        ctx.say(
          '**204 No Content**, and the app stored the installation **pending**: anyone can POST a first install, with any ' +
            'clientKey. Right after answering, the app proved it: it exchanged a JWT signed with the payload\'s secret at the ' +
            'token endpoint (the request above, lesson 4). Only Bitbucket can answer that for an installation it made: a token ' +
            'came back, so the installation is **active**. From now on, every call for it must be signed with the **stored** secret.',
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
            '**sharedSecret** is the key of every JWT in both directions, and Bitbucket sends it only in `installed` calls: it is ' +
            'shown redacted, as everywhere in the lab.',
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
            'and the one every later lesson reads. `state` says whether it is proven (`active`), `origin` which Bitbucket ' +
            'sent it (`simulated` offline: live mode never uses those). The lessons act for the most recently updated active one.',
        );
        ctx.say(
          '> [!WARNING]\n> Atlassian\'s sample app keeps installations in memory. Every restart forgets every `sharedSecret`: the app can ' +
            'no longer get tokens, and the next `installed` call for that workspace looks like a **first** install. The store must persist.',
        );
      },
    },
    {
      title: 'Re-install and rotate, signed with the stored secret: accepted',
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'a re-install comes from Bitbucket itself, when it posts `installed` again.');
        const { clientKey } = payloadOf(ctx, 4);
        const before = await storedOf(ctx, clientKey, 4);
        ctx.say(
          'Bitbucket can post `installed` again for a clientKey the app knows. It signs it with the secret of the **preceding** ' +
            '`installed` call, which the app stored: the rule is that a known clientKey changes only with that signature. ' +
            'First a re-install with the same secret, then one whose payload carries a **new** secret (a rotation).',
        );
        const jwts: string[] = [];
        await withLocalApp(
          ctx,
          async (app) => {
            const again = await install(ctx, app, { workspace: TEAMS_IN_SPACE, fetch: ctx.briefFetch, jwts });
            await expectAccepted(again.response, 'a re-install signed with the stored secret', app);
            const rotated = await install(ctx, app, { workspace: TEAMS_IN_SPACE, fetch: ctx.briefFetch, rotate: true });
            await expectAccepted(rotated.response, 'a rotation signed with the stored secret', app);
            ctx.state[PAYLOAD_KEY] = rotated.payload;
            showAppLog(ctx, app);
          },
          { brief: true },
        );
        const [jwt = ''] = jwts;
        ctx.say('The re-install\'s `Authorization: JWT`, decoded (its signature, shown redacted, is HMAC-SHA256 with the stored secret):');
        ctx.show('Claims', decodeUnverified(jwt).claims);
        ctx.say(claimsTable(decodeUnverified(jwt).claims));
        const after = await storedOf(ctx, clientKey, 4);
        ctx.show('Stored secret', after.sharedSecret === before.sharedSecret ? 'unchanged (not rotated!)' : `replaced by the new one (${after.sharedSecret.length} characters); installedAt kept: ${after.installedAt}`);
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
            'own, and signs it with that secret (or not at all): if the app believed it, the attacker would own the installation.',
        );
        const forged = randomBytes(32).toString('base64url');
        ctx.secret(forged);
        await withLocalApp(
          ctx,
          async (app) => {
            const attempt = await install(ctx, app, { workspace: TEAMS_IN_SPACE, fetch: ctx.briefFetch, forge: { sharedSecret: forged, signWith: forged } });
            if (attempt.response.ok) throw new ForgedReinstallAcceptedError(clientKey, attempt.response.status);
            await expectRefused(attempt.response, 'a forged re-install', { status: 401, code: 'ERR_REINSTALL_UNAUTHENTICATED' }, app);
            showAppLog(ctx, app);
          },
          { brief: true },
        );
        const after = await storedOf(ctx, clientKey, 5);
        if (after.sharedSecret !== before.sharedSecret) throw new ForgedReinstallAcceptedError(clientKey, 401);
        ctx.say(
          '**401 ERR_REINSTALL_UNAUTHENTICATED**: the JWT does not verify with the stored secret. The stored installation is ' +
            `unchanged (same secret, updatedAt still ${after.updatedAt}).`,
        );
      },
    },
    {
      title: 'Uninstall: the app keeps a tombstone',
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'only the workspace uninstalls the app, from its settings; Bitbucket then posts `uninstalled` to it.');
        const descriptor = descriptorOf(ctx);
        const installed = payloadOf(ctx, 6);
        ctx.say(
          `The workspace uninstalls the app. Bitbucket POSTs \`${descriptor.lifecycle.uninstalled}\`: the payload minus \`sharedSecret\` ` +
            'and `actor`, signed with the secret of the preceding `installed` call.',
        );
        await withLocalApp(
          ctx,
          async (app) => {
            const { response } = await uninstallApp({ appBaseUrl: app.url, descriptor, installed, registry: ctx.registry, fetch: ctx.briefFetch, now: ctx.now });
            await expectAccepted(response, 'the uninstalled call', app);
            showAppLog(ctx, app);
          },
          { brief: true },
        );
        ctx.show('Stored now', describeInstallation(await storedOf(ctx, installed.clientKey, 6)));
        ctx.say(
          'The app dropped the workspace and its scopes, and any access token it had cached: it serves nothing for it any more. ' +
            'It kept a **tombstone**: the clientKey and the **last secret**, because Bitbucket signs the next install with it.',
        );
      },
    },
    {
      title: 'Install again after the uninstall, signed with the old secret',
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'Bitbucket posts it when the workspace installs the app again.');
        const { clientKey } = payloadOf(ctx, 7);
        const tombstone = await storedOf(ctx, clientKey, 7);
        await withLocalApp(
          ctx,
          async (app) => {
            const result = await install(ctx, app, { workspace: TEAMS_IN_SPACE, fetch: ctx.briefFetch });
            await expectAccepted(result.response, 'the install after the uninstall', app);
            ctx.state[PAYLOAD_KEY] = result.payload;
            showAppLog(ctx, app);
          },
          { brief: true },
        );
        const after = await storedOf(ctx, clientKey, 7);
        if (after.state !== 'active') throw new InstallNotProvenError(clientKey);
        ctx.say(
          'The first install after an uninstall is signed with the secret of the preceding `installed` call: the tombstone\'s. ' +
            `The app verified it with that secret and took the new one in the payload (${after.sharedSecret === tombstone.sharedSecret ? 'the same' : 'a new one'}): ` +
            '`outcome=reinstalled-after-uninstall`, **active** at once, no proof needed. Unsigned, or signed with anything else, it ' +
            'would have been refused and the tombstone kept. This installation is the one lessons 3 to 7 act for.',
        );
      },
    },
    {
      title: "A squatter's first install: pending, then refused by Bitbucket",
      async run(ctx) {
        if (ctx.live) return sayOfflineOnly(ctx, 'the lab does not post forged installs to an app that holds real installations.');
        const clientKey = clientKeyFor(SQUATTED_WORKSPACE.uuid, descriptorOf(ctx).key);
        ctx.say(
          `Bitbucket never installed the app in **${SQUATTED_WORKSPACE.name}**. A squatter posts a first install for its clientKey ` +
            'anyway, unsigned, with a secret of their own: were it trusted, the genuine install would later be refused as a forgery, ' +
            'and the squatter would sign as that workspace.',
        );
        let seenPending = false;
        await withLocalApp(
          ctx,
          async (app) => {
            const squat = randomBytes(32).toString('base64url');
            ctx.secret(squat);
            const result = await app.call(() => install(ctx, app, { workspace: SQUATTED_WORKSPACE, fetch: ctx.briefFetch, forge: { sharedSecret: squat } }));
            await expectAccepted(result.response, "a squatter's first install", app);
            seenPending = (await ctx.store.get(clientKey))?.state === 'pending';
            await app.settled();
            showAppLog(ctx, app);
          },
          { brief: true },
        );
        const left = await ctx.store.get(clientKey);
        if (left?.state === 'active') throw new SquatterAcceptedError(clientKey);
        ctx.say(
          `**204**, stored ${seenPending ? '**pending**' : 'pending'}, used for nothing. The app's proof exchange, signed with the ` +
            'squatter\'s secret, got **401 unauthorized_client**: Bitbucket made no such installation. The app asked once more ' +
            `(Bitbucket might not have been ready; here after ${LESSON_REFUSAL_RETRY_MS} ms, 5 s in the app), was refused again, and ` +
            `deleted it: ${left ? 'it is still stored' : 'nothing is stored for that clientKey'}. Pending installs are bounded in number ` +
            'and age, so a flood of them cannot fill the store either.',
        );
      },
    },
  ],
});
