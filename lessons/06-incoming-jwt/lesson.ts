/**
 * Lesson 6: verifying the JWTs Bitbucket sends. No network: the lesson plays Bitbucket, signing a
 * page URL and a lifecycle call with the stored installation's secret (`signProductJwt`), then
 * checks them as the app does (`extractJwt`, `verifyRequest`) and breaks each check on purpose, so
 * the learner sees every refusal with its code, its HTTP status and its message.
 */
import { httpStatusFor } from '../../src/app/error-status.ts';
import { isLabError, type LabError } from '../../src/errors.ts';
import { QshMismatchError } from '../../src/jwt/errors.ts';
import { canonicalRequest } from '../../src/jwt/qsh.ts';
import { signProductJwt } from '../../src/jwt/sign.ts';
import { decodeUnverified, extractJwt as srcExtractJwt, verifyRequest, type RequestLike } from '../../src/jwt/verify.ts';
import { redactSecret } from '../../src/redact.ts';
import type { Installation } from '../../src/store/installation.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';
import { CheckNotEnforcedError } from './errors.ts';

/** The repository a member opens, as Bitbucket fills in `{repository.uuid}`. */
const REPOSITORY_UUID = '{7a3c5e2f-9b1d-4c8e-a6f0-2d4b8e1c9f37}';
/** Another repository of the workspace: where a replayed token is sent. */
const OTHER_REPOSITORY_UUID = '{c41d8e0a-2f6b-4a97-9e3c-5b1f7d2a8e64}';
/** A clientKey no installation is stored for. */
const STRANGER_CLIENT_KEY = 'ari:cloud:bitbucket::app/{00000000-0000-4000-8000-000000000000}/jwt-grant-tutorial';
/** The clock skew the app tolerates (verifyJwt's default, passed explicitly so the lesson can say it). */
const LEEWAY_SECONDS = 30;
/** A public base URL with a context path, and the path a proxy might put in front, for step 5. */
const TUNNEL_ORIGIN = 'https://abc123.ngrok.app';
const CONTEXT_PATH = '/bitbucket';
const PROXY_PREFIX = '/connect';

/** The descriptor's page module URL (lesson 1) with `{repository.uuid}` filled in, URL-encoded. */
function pagePath(repoUuid: string): string {
  return `/oauth-callback?repoUuid=${encodeURIComponent(repoUuid)}`;
}

/** What the app receives for `baseUrl + path`: the path (context path included) and the query. */
function receivedUrl(baseUrl: string, path: string): string {
  const url = new URL(`${baseUrl}${path}`);
  return `${url.pathname}${url.search}`;
}

interface PageSigning {
  /** Who signs: the installation's clientKey and secret, unless a case changes them. */
  clientKey?: string;
  sharedSecret?: string;
  repoUuid?: string;
  /** The base URL Bitbucket has from the descriptor. Default BASE_URL. */
  baseUrl?: string;
  /** Shifts Bitbucket's clock, in seconds. */
  clockOffsetSeconds?: number;
  /** `null`: no qsh claim at all. */
  qsh?: null;
  /** `exp - iat`, in seconds; Bitbucket's is 3600. */
  expiresIn?: number;
}

/** Plays Bitbucket: signs the page URL as it does before loading it in the iframe. */
async function signPage(ctx: LessonContext, installation: Installation, o: PageSigning = {}): Promise<string> {
  const baseUrl = o.baseUrl ?? ctx.config.baseUrl;
  const offsetMs = (o.clockOffsetSeconds ?? 0) * 1000;
  return signProductJwt({
    clientKey: o.clientKey ?? installation.clientKey,
    sharedSecret: o.sharedSecret ?? installation.sharedSecret,
    method: 'GET',
    url: `${baseUrl}${pagePath(o.repoUuid ?? REPOSITORY_UUID)}`,
    baseUrl,
    now: () => ctx.now() + offsetMs,
    ...(o.qsh === null ? { qsh: null } : {}),
    ...(o.expiresIn === undefined ? {} : { expiresIn: o.expiresIn }),
  });
}

/** The iframe's request as the app receives it: `jwt` appended to the page URL, no Authorization. */
function pageRequest(url: string, token: string): RequestLike {
  return { method: 'GET', url: `${url}&jwt=${token}`, headers: { accept: 'text/html' } };
}

/** The request line and headers as they travel, each token shortened: step 1 shows one whole. */
function onTheWire(request: RequestLike, tokens: string[]): string {
  const headers = Object.entries(request.headers as Record<string, string>).map(([name, value]) => `${name}: ${value}`);
  const text = [`${request.method} ${request.url}`, ...headers].join('\n');
  return tokens.reduce((shown, token) => shown.split(token).join(redactSecret(token)), text);
}

/** Verifies as the app's repository page does, with the app's BASE_URL unless told otherwise. */
function verifyAsApp(ctx: LessonContext, request: RequestLike, appBaseUrl = ctx.config.baseUrl) {
  const verify = ctx.mine.verifyRequest ?? verifyRequest;
  return verify(request, { store: ctx.store, appBaseUrl, now: ctx.now, leewaySeconds: LEEWAY_SECONDS });
}

/**
 * Runs an attempt the app must refuse with `code`, and shows the refusal as the learner should
 * read it. An attempt that passes is a broken check: the step fails and says so.
 */
async function showRefusal(ctx: LessonContext, what: string, code: string, attempt: () => unknown): Promise<LabError> {
  try {
    await attempt();
  } catch (error) {
    if (!isLabError(error, code)) throw error;
    ctx.say(`Refused: **${what}** → \`${error.code}\`, the app answers **HTTP ${httpStatusFor(error.code, 'page') ?? 500}**.`);
    ctx.show('Message', error.message);
    return error;
  }
  throw new CheckNotEnforcedError(what, code);
}

/** The canonical request the app computed, as its ERR_QSH_MISMATCH reports it. */
function computedCanonical(error: LabError): string {
  return error instanceof QshMismatchError && error.canonical !== undefined ? error.canonical : '(not reported)';
}

export default defineLesson({
  requires: 'installation',
  mine: ['extractJwt', 'verifyRequest'],
  steps: [
    {
      title: 'Play Bitbucket: sign the repository page URL',
      async run(ctx) {
        const installation = await ctx.installation();
        const token = await signPage(ctx, installation);
        const url = `${ctx.config.baseUrl}${pagePath(REPOSITORY_UUID)}`;
        ctx.say(
          'A workspace member opens the app\'s repository page. Bitbucket fills in `{repository.uuid}`, signs the URL ' +
            "with the installation's **sharedSecret** and loads it in an iframe, the JWT in the `jwt` parameter:",
        );
        ctx.show('The iframe loads', `${url}&jwt=${token}`);
        const { header, claims } = decodeUnverified(token);
        ctx.show('Header', header);
        ctx.show('Claims', claims);
        const lifetime = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : undefined;
        ctx.say(
          [
            `- \`iss\` and \`aud\` are both the **clientKey** \`${installation.clientKey}\`: Bitbucket signs *as the installation*, *for* the installation.`,
            `- No \`sub\`. (The JWTs the app signs in lesson 3 are the other way round: \`iss\` the app key \`${installation.key}\`, \`sub\` the clientKey.)`,
            `- \`exp - iat\` = **${lifetime ?? '?'} s**: Bitbucket's tokens live an hour (observed in captured requests, not documented), the app's three minutes.`,
            '- `qsh` is the SHA-256 of the canonical request below: it binds the token to this method, path and query.',
          ].join('\n'),
        );
        ctx.show('qsh covers', canonicalRequest('GET', url, ctx.config.baseUrl));
      },
    },
    {
      title: 'Find the token: jwt parameter or Authorization header',
      async run(ctx) {
        // With --mine, the learner's extractJwt (lesson 6's exercise find-the-token).
        const extractJwt = ctx.mine.extractJwt ?? srcExtractJwt;
        const installation = await ctx.installation();
        const pageToken = await signPage(ctx, installation);
        const page = pageRequest(receivedUrl(ctx.config.baseUrl, pagePath(REPOSITORY_UUID)), pageToken);
        ctx.say('**Page modules** (iframes) carry the token in the `jwt` query parameter: a browser cannot add headers to an iframe.');
        ctx.show('Request', onTheWire(page, [pageToken]));
        ctx.show('extractJwt returns', `${redactSecret(extractJwt(page))}, the jwt parameter`);

        const lifecycleToken = await signProductJwt({
          clientKey: installation.clientKey,
          sharedSecret: installation.sharedSecret,
          method: 'POST',
          url: `${ctx.config.baseUrl}/installed`,
          baseUrl: ctx.config.baseUrl,
          now: ctx.now,
        });
        const lifecycle: RequestLike = {
          method: 'POST',
          url: receivedUrl(ctx.config.baseUrl, '/installed'),
          headers: { 'content-type': 'application/json', authorization: `JWT ${lifecycleToken}` },
        };
        ctx.say('**Lifecycle calls and webhooks** are server-to-server POSTs: the token is in `Authorization: JWT <token>`, its qsh over `POST&/installed&`.');
        ctx.show('Request', onTheWire(lifecycle, [lifecycleToken]));
        ctx.show('extractJwt returns', `${redactSecret(extractJwt(lifecycle))}, from the header`);

        ctx.say('Anything else is refused before any cryptography:');
        await showRefusal(ctx, 'A token in the header and another in the query', 'ERR_JWT_AMBIGUOUS', () =>
          extractJwt({ ...page, headers: { authorization: `JWT ${lifecycleToken}` } }),
        );
        await showRefusal(ctx, 'The JWT sent as a Bearer token', 'ERR_JWT_SCHEME', () =>
          extractJwt({ url: lifecycle.url, headers: { authorization: `Bearer ${lifecycleToken}` } }),
        );
        await showRefusal(ctx, 'No token at all', 'ERR_JWT_MISSING', () =>
          extractJwt({ url: receivedUrl(ctx.config.baseUrl, pagePath(REPOSITORY_UUID)), headers: {} }),
        );
      },
    },
    {
      title: 'Verify the page request as the app does',
      async run(ctx) {
        const installation = await ctx.installation();
        const url = receivedUrl(ctx.config.baseUrl, pagePath(REPOSITORY_UUID));
        const request = pageRequest(url, await signPage(ctx, installation));
        ctx.say(`\`verifyRequest\` (src/jwt/verify.ts) checks, in this order, with BASE_URL **${ctx.config.baseUrl}**:`);
        const { claims, installation: found } = await verifyAsApp(ctx, request);
        const workspace = found.principal?.display_name ?? found.principal?.uuid ?? '(no principal)';
        const nowSeconds = Math.floor(ctx.now() / 1000);
        ctx.say(
          [
            '1. **Where the token is**: the `jwt` query parameter, and only there.',
            `2. **Who says they signed it**: \`iss\` is read *unverified*, only to find the installation: clientKey \`${found.clientKey}\` (workspace ${workspace}).`,
            `3. **That it is addressed to that installation**: \`aud\` = \`iss\`.`,
            `4. **The signature**: HS256 with that installation's stored sharedSecret (${redactSecret(found.sharedSecret)}), and only HS256: the algorithm is never taken from the header.`,
            `5. **The times**: \`iat\` ${claims.iat} is not in the future and \`exp\` ${claims.exp} (in ${Math.round((claims.exp - nowSeconds) / 60)} min) has not passed, give or take ${LEEWAY_SECONDS} s of clock skew.`,
            '6. **The request**: the app recomputes the canonical request from the URL *it received* and compares its hash with `qsh`.',
          ].join('\n'),
        );
        ctx.show('The app computed', canonicalRequest('GET', url, ctx.config.baseUrl));
        ctx.show('Verified claims', claims);
        ctx.say(
          'Only now may the app believe the URL: `repoUuid` is covered by the qsh, so it is the repository Bitbucket ' +
            'meant. Lesson 7 shows the app then getting an access token for this installation and calling the API.',
        );
      },
    },
    {
      title: 'Break each check and read the error',
      async run(ctx) {
        const installation = await ctx.installation();
        const url = receivedUrl(ctx.config.baseUrl, pagePath(REPOSITORY_UUID));
        const attempt = (token: string, at = url) => () => verifyAsApp(ctx, pageRequest(at, token));

        await showRefusal(ctx, 'Issued by a clientKey the app does not know', 'ERR_INSTALLATION_UNKNOWN', attempt(
          await signPage(ctx, installation, { clientKey: STRANGER_CLIENT_KEY }),
        ));

        const wrongSecret = `not-the-shared-secret-${installation.clientKey.length}-of-this-installation`;
        ctx.secret(wrongSecret);
        await showRefusal(ctx, 'Signed with another secret', 'ERR_JWT_SIGNATURE', attempt(
          await signPage(ctx, installation, { sharedSecret: wrongSecret }),
        ));

        // Bitbucket's clock 3600 + 10 s behind: the token expired 10 s ago, inside the leeway.
        await verifyAsApp(ctx, pageRequest(url, await signPage(ctx, installation, { clockOffsetSeconds: -3610 })));
        ctx.say(`Accepted: **Expired 10 s ago**, inside the leeway. Clocks drift; the app tolerates ${LEEWAY_SECONDS} s either way.`);

        await showRefusal(ctx, 'Expired 2 minutes ago', 'ERR_JWT_EXPIRED', attempt(
          await signPage(ctx, installation, { clockOffsetSeconds: -3720 }),
        ));
        await showRefusal(ctx, 'Issued 5 minutes in the future (a clock running ahead)', 'ERR_JWT_NOT_YET_VALID', attempt(
          await signPage(ctx, installation, { clockOffsetSeconds: 300 }),
        ));
        await showRefusal(ctx, 'Current, but valid for a whole day (exp - iat = 86400 s)', 'ERR_JWT_LIFETIME', attempt(
          await signPage(ctx, installation, { expiresIn: 86_400 }),
        ));
        ctx.say(
          "Bitbucket's tokens live exactly 3600 s, so the app accepts at most an hour plus the leeway: a token that claims " +
            'longer would stay usable for that long once leaked.',
        );
        await showRefusal(ctx, 'Signed without a qsh', 'ERR_QSH_MISSING', attempt(await signPage(ctx, installation, { qsh: null })));
        ctx.say(
          'Why the app insists on `qsh`: without it the token says *who*, not *what for*. Anyone who saw one page URL ' +
            '(a browser history, a proxy log, a Referer header) could replay its token against **any URL of the app** for an hour.',
        );

        const other = receivedUrl(ctx.config.baseUrl, pagePath(OTHER_REPOSITORY_UUID));
        await showRefusal(ctx, 'A genuine token replayed against another repository', 'ERR_QSH_MISMATCH', attempt(
          await signPage(ctx, installation),
          other,
        ));
        ctx.say('With `qsh`, the same genuine token is worthless anywhere but on the URL it was signed for.');
      },
    },
    {
      title: 'Diagnose a qsh mismatch: context path and proxy',
      async run(ctx) {
        const installation = await ctx.installation();
        const descriptorBase = `${TUNNEL_ORIGIN}${CONTEXT_PATH}`;
        const path = pagePath(REPOSITORY_UUID);

        ctx.say(
          `**A wrong BASE_URL.** The descriptor says \`baseUrl\` **${descriptorBase}**, so Bitbucket strips \`${CONTEXT_PATH}\` ` +
            `before hashing. The app was started with BASE_URL=${TUNNEL_ORIGIN}, without the context path, so it hashes the path as it arrives:`,
        );
        const signedForContext = await signPage(ctx, installation, { baseUrl: descriptorBase });
        const arrived = receivedUrl(descriptorBase, path);
        ctx.show('Bitbucket signed', canonicalRequest('GET', `${descriptorBase}${path}`, descriptorBase));
        const mismatch = await showRefusal(ctx, `The app with BASE_URL=${TUNNEL_ORIGIN}`, 'ERR_QSH_MISMATCH', () =>
          verifyAsApp(ctx, pageRequest(arrived, signedForContext), TUNNEL_ORIGIN),
        );
        ctx.show('The app computed', computedCanonical(mismatch));
        await verifyAsApp(ctx, pageRequest(arrived, signedForContext), descriptorBase);
        ctx.say(`Accepted: **the app with BASE_URL=${descriptorBase}**, exactly the descriptor's \`baseUrl\`: it strips \`${CONTEXT_PATH}\` too and the hashes agree.`);

        ctx.say(
          `**A proxy rewriting the path.** Bitbucket signs for BASE_URL ${TUNNEL_ORIGIN}; a reverse proxy forwards ` +
            `\`/oauth-callback\` to the app as \`${PROXY_PREFIX}/oauth-callback\` (say, nginx \`proxy_pass http://app:3000${PROXY_PREFIX}/;\`):`,
        );
        const signed = await signPage(ctx, installation, { baseUrl: TUNNEL_ORIGIN });
        ctx.show('Bitbucket signed', canonicalRequest('GET', `${TUNNEL_ORIGIN}${path}`, TUNNEL_ORIGIN));
        const rewritten = await showRefusal(ctx, `The app behind the proxy`, 'ERR_QSH_MISMATCH', () =>
          verifyAsApp(ctx, pageRequest(`${PROXY_PREFIX}${receivedUrl(TUNNEL_ORIGIN, path)}`, signed), TUNNEL_ORIGIN),
        );
        ctx.show('The app computed', computedCanonical(rewritten));
        ctx.say(
          'Read the two canonical strings side by side: the first difference is the bug. Here it is the path, so the fix ' +
            'is in the proxy (forward the path unchanged) or in BASE_URL (the public URL, exactly as in the descriptor). ' +
            'A proxy that *strips* the context path is fine: the app accepts the path with or without it.',
        );
        ctx.say('For a token of your own: `npm run inspect -- <jwt> --url <the URL it came with>` names the mistake behind a mismatch (`npm start` serves the same at /inspect).');
      },
    },
  ],
});
