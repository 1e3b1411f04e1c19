/**
 * Lesson 4: the JWT grant. Swaps a JWT signed with the installation's sharedSecret for an access
 * token (`exchangeJwtForToken`), shows the request as raw HTTP and curl and the response field by
 * field, then sends four deliberately broken requests and reads Bitbucket's answers through the
 * library's typed errors.
 */
import { isLabError } from '../../src/errors.ts';
import { queryStringHash, canonicalRequest } from '../../src/jwt/qsh.ts';
import { decodeUnverified } from '../../src/jwt/verify.ts';
import { GrantError } from '../../src/oauth/errors.ts';
import { JWT_GRANT_TYPE, exchangeJwtForToken, tokenEndpoint, type AccessToken, type ExchangeOptions } from '../../src/oauth/exchange.ts';
import { redactSecret } from '../../src/redact.ts';
import type { Installation } from '../../src/store/installation.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';
import { MistakeAcceptedError } from './errors.ts';
import { bendFetch, formatCurl, formatRawHttp, watchFetch, type SeenExchange } from './wire.ts';

/** A secret that is not the installation's: what a store keeps after a missed re-install. */
const STALE_SECRET = 'stale-secret-from-before-the-last-reinstall-0000';
/** How far in the past the expired JWT is signed: well beyond its 3 minutes and any clock leeway. */
const EXPIRED_BY_MS = 10 * 60_000;

/** The good exchange of step 1, which steps 2 and 3 talk about. */
interface Grant {
  token: AccessToken;
  sent: SeenExchange;
}

/** What one broken request got back, for the summary of the last step. */
interface MistakeResult {
  label: string;
  status: number | undefined;
  oauthError: string | undefined;
  code: string;
  observed: boolean;
}

/** Exchanges once per run: step 1 narrates it, steps 2 and 3 read it. */
async function grantOf(ctx: LessonContext): Promise<Grant> {
  const done = ctx.state.grant as Grant | undefined;
  if (done) return done;
  const installation = await ctx.installation();
  const { fetch, seen } = watchFetch(ctx.fetch);
  const token = await exchangeJwtForToken({ installation, bitbucketUrl: ctx.config.bitbucketUrl, fetch, now: ctx.now, ...yoursOf(ctx) });
  ctx.secret(token.accessToken);
  const sent = seen.at(-1);
  if (!sent) throw new TypeError('exchangeJwtForToken returned without sending a request through the fetch it was given.');
  const grant = { token, sent };
  ctx.state.grant = grant;
  return grant;
}

/** With `--mine`, the learner's signer and token request (lessons 3 and 4's exercises) for exchangeJwtForToken. */
function yoursOf(ctx: LessonContext): Pick<ExchangeOptions, 'sign' | 'tokenRequest'> {
  const { signInstallationJwt: sign, tokenRequest } = ctx.mine;
  return { ...(sign ? { sign } : {}), ...(tokenRequest ? { tokenRequest } : {}) };
}

/** `2026-01-01 02:00:00 UTC`. */
function readableTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `2 h 0 min`, `3 min`, `45 s`. */
function readableDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function jwtOf(sent: SeenExchange): string {
  return (sent.headers.get('authorization') ?? '').replace(/^\S+\s+/, '');
}

/** Offline the mistakes always run; live, only when the learner says so (flag, prompt or --yes). */
async function mistakesAllowed(ctx: LessonContext): Promise<boolean> {
  if (!ctx.live) return true;
  if (typeof ctx.state.liveMistakes !== 'boolean') {
    ctx.state.liveMistakes =
      ctx.flags.mistakes === true ||
      (await ctx.confirm('Send four deliberately broken token requests to real Bitbucket too?', { default: false }));
  }
  return ctx.state.liveMistakes === true;
}

function results(ctx: LessonContext): MistakeResult[] {
  const list = (ctx.state.mistakes as MistakeResult[] | undefined) ?? [];
  ctx.state.mistakes = list;
  return list;
}

/** One deliberate mistake: what it is, how the otherwise correct exchange is bent, what it teaches. */
interface Mistake {
  /** "a request with ..." */
  what: string;
  /** A few words, for the summary table. */
  label: string;
  intro: string;
  /**
   * True where Bitbucket was seen to answer this very request so (a public capture); false where
   * its answer is unsettled and the simulated Bitbucket's is its own (docs/protocol.md, section 2).
   */
  observed: boolean;
  /** Changes to the exchange: a bent fetch, a wrong clock, a wrong secret. */
  change(ctx: LessonContext, installation: Installation): Partial<ExchangeOptions> & { bend?: Parameters<typeof bendFetch>[1] };
  lesson: string;
}

const MISTAKES = {
  bearer: {
    what: 'the Bearer scheme instead of JWT',
    label: 'Bearer scheme',
    intro:
      'The same signed JWT, sent as `Authorization: Bearer <jwt>`. Bearer is how the **access token** travels ' +
      '(lesson 5); the JWT that buys it travels with the scheme `JWT`, case-sensitive.',
    observed: false,
    change: () => ({
      bend: (headers) => headers.set('authorization', (headers.get('authorization') ?? '').replace(/^JWT /, 'Bearer ')),
    }),
    lesson:
      'Without the `JWT` scheme there are no client credentials to find. The simulated Bitbucket answers as Bitbucket was ' +
      'seen to answer a request without any (400, `unauthorized_client`); whether real Bitbucket treats a `Bearer` header ' +
      'the same way is not captured. Fix: `Authorization: JWT <jwt>`. (And not `-u` in curl: that sends `Basic`.)',
  },
  expired: {
    what: 'an expired JWT',
    label: 'expired JWT',
    intro:
      `A JWT signed as if the clock were ${readableDuration(EXPIRED_BY_MS)} behind: its \`exp\` (iat + 180 s) is already past. ` +
      'The same happens when the app reuses a JWT after 3 minutes, or when its clock is wrong.',
    observed: false,
    change: (ctx) => ({ now: () => ctx.now() - EXPIRED_BY_MS }),
    lesson:
      'Sign a fresh JWT for every exchange (it costs microseconds), and keep the clock right (NTP): `iat` and `exp` ' +
      'are Unix seconds, compared with Bitbucket\'s clock.',
  },
  secret: {
    what: 'a JWT signed with the wrong secret',
    label: 'wrong secret',
    intro:
      'A JWT with the right claims, signed with a secret that is not this installation\'s: what happens when the app ' +
      'was re-installed (Bitbucket sent a new sharedSecret) and the store kept the old one.',
    observed: false,
    change: (ctx, installation) => {
      ctx.secret(STALE_SECRET);
      return { installation: { ...installation, sharedSecret: STALE_SECRET } };
    },
    lesson:
      'The signature proves the sender knows the sharedSecret of the `sub` installation. The library\'s advice for ' +
      '`unauthorized_client` is about the header and the claims; here `error_description` names the real cause, the ' +
      'signature. Store the secret of every `installed` call, re-installs included (lesson 2), and never log it.',
  },
  grantType: {
    what: 'no grant_type in the body',
    label: 'no grant_type',
    intro:
      'A correct JWT, with an empty form body: no `grant_type=urn:bitbucket:oauth2:jwt`. The token endpoint serves ' +
      'several grants and picks one by this field, before it looks at the JWT.',
    observed: true,
    change: () => ({ bend: (_headers, form) => form.delete('grant_type') }),
    lesson:
      'This answer was seen from Bitbucket, word for word. It reuses `invalid_grant`, so the library\'s advice (expired ' +
      'JWT, stale secret) does not fit: read `error_description`, which names the grant type. ' +
      `Always send \`grant_type=${JWT_GRANT_TYPE}\`, form-encoded (\`Content-Type: application/x-www-form-urlencoded\`). ` +
      'What Bitbucket does with a JSON body is not on record; the simulated one does not read it, so its grant type is "None" too.',
  },
} satisfies Record<string, Mistake>;

async function sendMistake(ctx: LessonContext, mistake: Mistake): Promise<void> {
  if (!(await mistakesAllowed(ctx))) {
    ctx.say('Skipped: live mode sends the broken requests only when asked (`--mistakes`, `--yes`, or yes at the prompt). Offline, every run sends them.');
    return;
  }
  const installation = await ctx.installation();
  ctx.say(mistake.intro);
  const { bend, ...options } = mistake.change(ctx, installation);
  const { fetch, seen } = watchFetch(bend ? bendFetch(ctx.fetch, bend) : ctx.fetch);
  let failure: unknown;
  try {
    const token = await exchangeJwtForToken({ installation, bitbucketUrl: ctx.config.bitbucketUrl, now: ctx.now, ...yoursOf(ctx), ...options, fetch });
    ctx.secret(token.accessToken);
  } catch (error) {
    failure = error;
  }
  if (failure === undefined) {
    if (!ctx.live) throw new MistakeAcceptedError(mistake.what);
    ctx.say(`**Real Bitbucket issued a token for ${mistake.what}.** Worth knowing, and worth reporting: the lab assumed it refuses it.`);
    results(ctx).push({ label: mistake.label, status: seen.at(-1)?.status, oauthError: undefined, code: 'none: a token', observed: mistake.observed });
    return;
  }
  if (!isLabError(failure)) throw failure;
  const oauthError = failure instanceof GrantError ? failure.oauthError : undefined;
  ctx.say(`\`exchangeJwtForToken\` turned that answer into a typed error, as it does in the app:`);
  ctx.show('Error code', failure.code);
  ctx.show('Message', failure.message);
  if (!mistake.observed) {
    ctx.say(
      ctx.live
        ? 'This is real Bitbucket\'s answer to a case its documentation does not cover: compare it with the offline mock\'s.'
        : 'What real Bitbucket answers here is *unsettled* (not documented, not captured): this is the mock\'s choice, and its ' +
            '`X-Lab-Note` header (the ⚑ lines above) says so. A live run shows the real answer.',
    );
  }
  ctx.say(mistake.lesson);
  results(ctx).push({ label: mistake.label, status: seen.at(-1)?.status, oauthError, code: failure.code, observed: mistake.observed });
}

export default defineLesson({
  requires: 'installation',
  mine: ['queryStringHash', 'signInstallationJwt', 'tokenRequest'],
  flags: {
    mistakes: {
      type: 'boolean',
      description: 'Live mode: also send the four deliberately broken token requests to real Bitbucket (offline they always run).',
    },
  },
  steps: [
    {
      title: 'Swap a signed JWT for an access token',
      async run(ctx) {
        const installation = await ctx.installation();
        const endpoint = tokenEndpoint(ctx.config.bitbucketUrl);
        ctx.say(
          `The app acts for the installation **${installation.clientKey}**. It signs a JWT with that installation's ` +
            `sharedSecret and POSTs it to the token endpoint, \`${endpoint}\`, with the scheme \`JWT\` and the form field ` +
            `\`grant_type=${JWT_GRANT_TYPE}\`. \`exchangeJwtForToken\` does both; here is the exchange:`,
        );
        // A learner who sets SCENARIO here and sees nothing change deserves to know why.
        if (!ctx.live && ctx.config.scenario !== 'happy') {
          ctx.say(
            `**SCENARIO=${ctx.config.scenario}** is set: its fault hits REST API calls, not the token endpoint, so this ` +
              `lesson runs as without it. \`SCENARIO=${ctx.config.scenario} npm run lesson 5\` shows the client coping with it.`,
          );
        }
        const { token, sent } = await grantOf(ctx);
        const { header, claims } = decodeUnverified(jwtOf(sent));
        ctx.say('The JWT it signed (header and claims are only base64url, anyone can read them; the signature is what counts):');
        ctx.show('Header', header);
        ctx.show('Claims', claims);
        const expected = queryStringHash('POST', endpoint, ctx.config.bitbucketUrl);
        const lines = [
          `- \`iss\` **${String(claims.iss)}**: the app key (descriptor \`key\`, lesson 1).`,
          `- \`sub\` **${String(claims.sub)}**: the installation's clientKey (lesson 2).`,
        ];
        if (typeof claims.iat === 'number' && typeof claims.exp === 'number') {
          lines.push(
            `- \`iat\` ${readableTime(claims.iat * 1000)}, \`exp\` ${readableTime(claims.exp * 1000)}: valid for ` +
              `${readableDuration((claims.exp - claims.iat) * 1000)}, enough for one exchange.`,
          );
        }
        lines.push(
          claims.qsh === expected
            ? `- \`qsh\` is SHA-256 of \`${canonicalRequest('POST', endpoint, ctx.config.bitbucketUrl)}\`: the JWT is bound to this one request (lesson 3).`
            : `- \`qsh\` ${claims.qsh === undefined ? 'is absent' : 'is another hash'}: Bitbucket accepts the forms working clients send (lesson 3).`,
        );
        ctx.say(lines.join('\n'));
        ctx.say(`Bitbucket checked all of it and answered with an access token (${token.scopes.join(', ') || 'no scopes listed'}).`);
      },
    },
    {
      title: 'Write the same request as raw HTTP and as curl',
      async run(ctx) {
        const { sent } = await grantOf(ctx);
        // show, not say: a code block in markdown would be redacted twice (once as markdown, once as a line).
        ctx.say('On the wire, the request of step 1 is this HTTP/1.1 message:');
        ctx.show('Raw HTTP', formatRawHttp(sent));
        ctx.say(
          'The same with curl. The header goes with `-H`, not `-u` (which would send `Authorization: Basic`), and ' +
            '`--data-urlencode` makes curl POST the form field encoded, as `application/x-www-form-urlencoded`:',
        );
        ctx.show('curl', formatCurl(sent));
        ctx.say(
          'The JWT\'s signature is redacted here (its first 4 characters and its length), and the JWT expired 3 minutes after ' +
            'it was signed anyway. To replay the request, sign a fresh JWT (`npm run lesson 3`) and paste it in.',
        );
      },
    },
    {
      title: 'Read the token response field by field',
      async run(ctx) {
        const { token, sent } = await grantOf(ctx);
        const body = JSON.parse(sent.responseBody) as Record<string, unknown>;
        const meaning: Record<string, string> = {
          access_token: 'The token for the REST API: `Authorization: Bearer <access_token>` (lesson 5). A secret: never log it whole.',
          scopes:
            'One space-separated string (key plural): the app\'s scopes (descriptor, lesson 1; a descriptor without `scopes` is ' +
            'granted every scope), or fewer when `scope` was sent.',
          expires_in: 'Seconds from now. Atlassian\'s page says one hour; Bitbucket was seen to send 7200. Trust this field.',
          token_type: '`bearer`: how to present it.',
          state:
            'Present in Bitbucket\'s token answers; its value for this grant is not documented ' +
            `(${ctx.live ? 'this one is what real Bitbucket sent' : 'this one is the simulated Bitbucket\'s: see its X-Lab-Note'}). Nothing to do with it.`,
          refresh_token: 'Unexpected for the JWT grant: ignore it, sign a fresh JWT instead.',
        };
        const rows = Object.entries(body).map(([field, value]) => {
          const shown =
            (field === 'access_token' || field === 'refresh_token') && typeof value === 'string'
              ? redactSecret(value)
              : JSON.stringify(value).slice(0, 60);
          return `| \`${field}\` | \`${shown}\` | ${meaning[field] ?? 'Not part of the documented response.'} |`;
        });
        ctx.say(['| Field | Value | What it means |', '| --- | --- | --- |', ...rows].join('\n'));
        const now = ctx.now();
        ctx.say(
          `The token expires at **${readableTime(token.expiresAt)}**, in ${readableDuration(token.expiresAt - now)}. ` +
            '`exchangeJwtForToken` counts `expires_in` from the moment it *sent* the request, so its `expiresAt` errs early, never late.',
        );
        ctx.say(
          'refresh_token' in body
            ? 'This answer carries a `refresh_token`, which the JWT grant does not document. You do not need it: a fresh JWT buys a fresh token.'
            : 'There is **no `refresh_token`**: the JWT grant never gives one. When the token expires (or a call gets 401), sign a ' +
                'fresh JWT and exchange it again. Lesson 5\'s token cache does that a minute before expiry.',
        );
      },
    },
    {
      title: 'Mistake: the Bearer scheme instead of JWT',
      async run(ctx) {
        await sendMistake(ctx, MISTAKES.bearer);
      },
    },
    {
      title: 'Mistake: an expired JWT',
      async run(ctx) {
        await sendMistake(ctx, MISTAKES.expired);
      },
    },
    {
      title: 'Mistake: a JWT signed with the wrong secret',
      async run(ctx) {
        await sendMistake(ctx, MISTAKES.secret);
      },
    },
    {
      title: 'Mistake: no grant_type in the body',
      async run(ctx) {
        await sendMistake(ctx, MISTAKES.grantType);
      },
    },
    {
      title: 'Compare the four answers',
      async run(ctx) {
        const list = results(ctx);
        if (list.length === 0) {
          ctx.say('No broken request was sent in this run. Run offline (without `LIVE=1`) to see them, or live with `--mistakes`.');
          return;
        }
        // A list, not a table: five columns of error codes do not fit an 80-column terminal.
        const lines = list.map(
          (r) =>
            `- **${r.label}**: ${r.status === undefined ? 'no answer' : `HTTP ${r.status}`}${r.oauthError ? ` \`${r.oauthError}\`` : ''} → ` +
            `\`${r.code}\`${r.observed ? ' (observed)' : ' (*unsettled*)'}`,
        );
        ctx.say(lines.join('\n'));
        ctx.say(
          ctx.live
            ? 'These are real Bitbucket\'s answers. The *unsettled* rows are ones the public record does not document: if they differ from the offline mock\'s, the mock (mocks/token-endpoint.ts) should learn them.'
            : 'The *observed* answer is one Bitbucket was seen to send (captured, not from its documentation). The *unsettled* ones are the mock\'s ' +
                'choice, marked by its `X-Lab-Note`: Bitbucket documents no answer to a bad signature or an expired JWT, and no capture shows its ' +
                'answer to a `Bearer` header here. A live run (`LIVE=1 npm run lesson 4 -- --mistakes`) shows the real ones. Whatever the exact ' +
                'status, the fix is the same: a newly signed JWT, signed with the current secret, sent as `Authorization: JWT`.',
        );
      },
    },
  ],
});
