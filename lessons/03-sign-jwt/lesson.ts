/**
 * Lesson 3: signing a JWT. No network: it takes the stored installation, builds the claims and the
 * canonical request of the token endpoint, signs with jose (through `signInstallationJwt`), and
 * takes the token apart again. Lesson 4 sends it.
 */
import { JWT_GRANT_TYPE, tokenEndpoint } from '../../src/oauth/exchange.ts';
import { isLabError } from '../../src/errors.ts';
import { canonicalRequest, queryStringHash } from '../../src/jwt/qsh.ts';
import { signInstallationJwt } from '../../src/jwt/sign.ts';
import { decodeUnverified, verifyJwt } from '../../src/jwt/verify.ts';
import { quoteServerText } from '../../src/http/server-text.ts';
import { redactSecret } from '../../src/redact.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';
import { UsageError } from '../runner/errors.ts';
import { StepStateError } from '../runner/errors.ts';
import { TamperAcceptedError } from './errors.ts';

/** What the lesson signs for: the JWT grant, as lesson 4 sends it. */
const METHOD = 'POST';
/** The lifetime the lab's app JWTs use (`signInstallationJwt`'s default; atlassian-connect-express's too). */
const LIFETIME_SECONDS = 180;
/** Step 3's example: a REST call whose query shows sorting, repeated names and RFC 3986 encoding. */
const EXAMPLE_PATH = '/2.0/repositories/teamsinspace';
/** The query, built up one parameter group at a time, each row showing one rule. */
const EXAMPLE_QUERY_STEPS: { add: string; rule: string }[] = [
  { add: '', rule: 'The method is upper case, the path has no origin, and the empty query leaves a final `&`' },
  { add: 'sort=-updated_on&role=member', rule: 'Parameters are sorted by name' },
  { add: 'fields=values.slug&fields=next', rule: 'A repeated name gives one pair: its values sorted, joined with `,`' },
  { add: 'q=name+~+%22lab+(2026)%22', rule: 'Decoded (`+` is a space), then RFC 3986-encoded: space `%20`, `"` `%22`, `(` `%28`, `)` `%29`' },
  { add: 'jwt=eyJ0eXAiOiJKV1QifQ', rule: 'A `jwt` parameter (how Bitbucket passes its token to pages, lesson 6) is never part of the hash' },
];
/** Where the signed token is kept for the steps after step 4. */
const TOKEN_KEY = 'jwt';

function endpointOf(ctx: LessonContext): string {
  return tokenEndpoint(ctx.config.bitbucketUrl);
}

function iso(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
}

function tokenOf(ctx: LessonContext, step: number): string {
  const token = ctx.state[TOKEN_KEY];
  if (typeof token !== 'string') throw new StepStateError({ lesson: 3, step, earlier: 4, needs: 'the token' });
  return token;
}

/**
 * The qsh functions and the signer of this run: with `--mine`, the learner's (lesson 3's exercises),
 * else src/'s. Step 5 checks the result with src/ on purpose: the reference, as Bitbucket's would be.
 */
function piecesOf(ctx: LessonContext) {
  return {
    canonicalRequest: ctx.mine.canonicalRequest ?? canonicalRequest,
    queryStringHash: ctx.mine.queryStringHash ?? queryStringHash,
    signInstallationJwt: ctx.mine.signInstallationJwt ?? signInstallationJwt,
  };
}

/** `--method`/`--url`: a request of the learner's own to hash in step 3; a usage error when they cannot be hashed. */
function ownRequest(ctx: LessonContext): { method: string; url: string } | undefined {
  const url = ctx.flags.url;
  const method = ctx.flags.method;
  if (url === undefined) {
    if (method !== undefined) throw new UsageError('--method needs --url: give the request to hash, e.g. --method=GET --url=https://api.bitbucket.org/2.0/user');
    return undefined;
  }
  if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new UsageError(`--url=${quoteServerText(String(url))} is not an absolute http(s) URL. Give it like --url="https://api.bitbucket.org/2.0/repositories/teamsinspace?pagelen=50"`);
  }
  const chosen = typeof method === 'string' ? method : 'GET';
  if (!/^[A-Za-z]{1,16}$/.test(chosen)) throw new UsageError(`--method=${quoteServerText(chosen)} is not an HTTP method. Use GET, POST, PUT, DELETE...`);
  return { method: chosen, url };
}

/** A markdown table cell: `|` would end the cell. */
function cell(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

export default defineLesson({
  requires: 'installation',
  mine: ['canonicalRequest', 'queryStringHash', 'signInstallationJwt'],
  flags: {
    url: {
      type: 'string',
      description: 'Also hash a request of your own in step 3 (quote it in the shell), e.g. --url="https://api.bitbucket.org/2.0/user?x=1"',
    },
    method: { type: 'string', description: 'The HTTP method of --url (default GET)' },
  },
  steps: [
    {
      title: 'Gather the claims from the installation',
      async run(ctx) {
        // A mistyped --url or --method fails here, before any work, not at step 3.
        ownRequest(ctx);
        const installation = await ctx.installation();
        const iat = Math.floor(ctx.now() / 1000);
        ctx.say(
          `The JWT speaks for the installation lesson 2 stored: **${installation.principal?.display_name ?? installation.clientKey}**. ` +
            'Five claims, each with one job:',
        );
        ctx.say(
          [
            '| Claim | Value | Where it comes from |',
            '| --- | --- | --- |',
            `| \`iss\` | ${cell(installation.key)} | The app key: the descriptor's \`key\`, echoed in the installed payload. |`,
            `| \`sub\` | ${cell(installation.clientKey)} | The installation's \`clientKey\`: which workspace the app acts for. |`,
            `| \`iat\` | \`${iat}\` (${iso(iat)}) | Now, in Unix **seconds**, not milliseconds. |`,
            `| \`exp\` | \`${iat + LIFETIME_SECONDS}\` (${iso(iat + LIFETIME_SECONDS)}) | \`iat + ${LIFETIME_SECONDS}\`: three minutes, plenty for one request. |`,
            '| `qsh` | (step 2) | The hash of the request this JWT is for. |',
          ].join('\n'),
        );
        ctx.say(
          'Compare with the JWT Bitbucket sent in lesson 2: there `iss` = `aud` = clientKey and no `sub`. ' +
            'Here the **app** is the issuer and the installation the subject. There is no `aud`: Bitbucket does not use it for app JWTs.',
        );
        if (installation.key !== ctx.config.appKey) {
          ctx.say(
            `> [!NOTE]\n> This installation is for app key \`${installation.key}\`, while APP_KEY is \`${ctx.config.appKey}\`. ` +
              'The JWT uses the installation\'s key: it is the app Bitbucket installed.',
          );
        }
      },
    },
    {
      title: 'Build the canonical request of the token endpoint',
      async run(ctx) {
        const { canonicalRequest, queryStringHash } = piecesOf(ctx);
        const endpoint = endpointOf(ctx);
        const canonical = canonicalRequest(METHOD, endpoint, ctx.config.bitbucketUrl);
        ctx.say(`Lesson 4 sends \`${METHOD} ${endpoint}\`. The qsh binds the JWT to that request: method, path and query, made canonical.`);
        ctx.show(`canonicalRequest('${METHOD}', '${endpoint}')`, canonical);
        const [method = '', path = '', query = ''] = canonical.split('&');
        ctx.say(
          [
            '| Part | Value | Rule |',
            '| --- | --- | --- |',
            `| method | ${cell(method)} | Upper case. |`,
            `| path | ${cell(path)} | Scheme, host and port removed; no trailing \`/\`. |`,
            `| query | ${query ? cell(query) : '(empty)'} | No parameters: nothing, so the string ends with \`&\`. |`,
          ].join('\n'),
        );
        const variants = [`${endpoint}/`, new URL(endpoint).pathname];
        for (const url of variants) {
          ctx.show(`canonicalRequest('post', '${url}')`, canonicalRequest('post', url, ctx.config.bitbucketUrl));
        }
        ctx.say('The same string, whatever the case of the method, a trailing slash, or a path without its origin.');
        ctx.show('qsh = hex(SHA-256(canonical request))', queryStringHash(METHOD, endpoint, ctx.config.bitbucketUrl));
        ctx.say(
          `> [!NOTE]\n> Which request the token endpoint expects in \`qsh\` is **unsettled**: working clients send no qsh, the hash of ` +
            `\`${canonical}\` (what the lab signs), or the hash with the form body folded in as a query, ` +
            `\`${canonicalRequest(METHOD, `${endpoint}?grant_type=${encodeURIComponent(JWT_GRANT_TYPE)}`, ctx.config.bitbucketUrl)}\`. ` +
            'The offline Bitbucket accepts all three; a live run shows what the real one says.',
        );
      },
    },
    {
      title: 'Hash a request with a query string',
      async run(ctx) {
        const { canonicalRequest, queryStringHash } = piecesOf(ctx);
        const apiUrl = ctx.config.bitbucketApiUrl;
        ctx.say(
          'The same JWT form can authenticate a REST call directly (`Authorization: JWT ...` on the API), with the qsh of that call. ' +
            'Its path is relative to the API origin. Adding to the query one group at a time:',
        );
        const prefix = canonicalRequest('GET', `${apiUrl}${EXAMPLE_PATH}`, apiUrl);
        const items: string[] = [];
        let query = '';
        let previous = prefix;
        for (const { add, rule } of EXAMPLE_QUERY_STEPS) {
          query = [query, add].filter(Boolean).join('&');
          const canonical = canonicalRequest('GET', `${apiUrl}${EXAMPLE_PATH}${query ? `?${query}` : ''}`, apiUrl);
          const part = `\`${canonical.slice(prefix.length)}\``;
          const effect = !add ? `\`${canonical}\`` : canonical === previous ? `the query part stays ${part}` : `the query part becomes ${part}`;
          items.push(`${items.length + 1}. ${add ? `Add \`${add}\`` : 'No query'}: ${effect}. ${rule}.`);
          previous = canonical;
        }
        ctx.say(items.join('\n'));
        const url = `${apiUrl}${EXAMPLE_PATH}?${query}`;
        ctx.show('Request', `GET ${url}`);
        ctx.show('Canonical request', canonicalRequest('GET', url, apiUrl));
        ctx.show('qsh', queryStringHash('GET', url, apiUrl));
        ctx.say(
          'Names and values are sorted **decoded**, by UTF-16 code unit (`A` < `Z` < `a`), then encoded: Atlassian\'s reference code does ' +
            'this, where its prose says to sort encoded ones. The two differ only when encoding changes the order.',
        );
        const own = ownRequest(ctx);
        if (!own) {
          ctx.say('Hash a request of your own: `npm run lesson 3 -- --method=GET --url="https://api.bitbucket.org/2.0/user?x=1"`.');
          return;
        }
        const base = new URL(own.url).origin;
        ctx.show('Your request', `${own.method.toUpperCase()} ${own.url}`);
        ctx.show('Canonical request', canonicalRequest(own.method, own.url, base));
        ctx.show('qsh', queryStringHash(own.method, own.url, base));
      },
    },
    {
      title: 'Sign it with HS256 (jose)',
      async run(ctx) {
        const { signInstallationJwt } = piecesOf(ctx);
        const installation = await ctx.installation();
        const endpoint = endpointOf(ctx);
        const token = await signInstallationJwt({
          appKey: installation.key,
          clientKey: installation.clientKey,
          sharedSecret: installation.sharedSecret,
          method: METHOD,
          url: endpoint,
          baseUrl: ctx.config.bitbucketUrl,
          now: ctx.now,
        });
        // The signature is what makes the token usable: registered before anything prints it.
        ctx.secret(token.split('.')[2] ?? token);
        ctx.state[TOKEN_KEY] = token;
        ctx.say(
          (ctx.mine.signInstallationJwt
            ? '**Your** `signAppJwt` (`--mine`) signed it, with `node:crypto` alone. The lab\'s own, for comparison: '
            : '') +
            '`signInstallationJwt` (src/jwt/sign.ts) checks its inputs, computes the qsh, and has jose sign: ' +
            '`new SignJWT(claims).setProtectedHeader({ alg: \'HS256\', typ: \'JWT\' }).sign(key)`, where the key is the UTF-8 bytes of the ' +
            `installation's sharedSecret (${installation.sharedSecret.length} characters, never shown).`,
        );
        ctx.show('The JWT (signature redacted)', token);
        ctx.say(
          'Three base64url parts joined by dots: the header, the claims, and HMAC-SHA256 of `header.claims` keyed with the secret. ' +
            'The first two are only encoded, not encrypted: anyone can read them. Only the signature needs the secret, and it is what ' +
            'the lab never prints whole.',
        );
      },
    },
    {
      title: 'Decode the token, and check it as Bitbucket will',
      async run(ctx) {
        const installation = await ctx.installation();
        const token = tokenOf(ctx, 5);
        const endpoint = endpointOf(ctx);
        const [, , signature = ''] = token.split('.');
        const { header, claims } = decodeUnverified(token);
        ctx.show('Header', header);
        ctx.show('Claims', claims);
        const hash = queryStringHash(METHOD, endpoint, ctx.config.bitbucketUrl);
        ctx.say(
          [
            '| Claim | Reads as |',
            '| --- | --- |',
            `| \`iat\` | ${iso(claims.iat)} |`,
            `| \`exp\` | ${iso(claims.exp)} (${typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : '?'} s later) |`,
            `| \`qsh\` | ${claims.qsh === hash ? `the hash of step 2: \`${canonicalRequest(METHOD, endpoint, ctx.config.bitbucketUrl)}\`` : 'NOT the hash of step 2'} |`,
          ].join('\n'),
        );
        ctx.show('Signature', `${redactSecret(signature)}: 32 bytes of HMAC-SHA256, base64url`);

        const verified = await verifyJwt(token, {
          secret: installation.sharedSecret,
          qsh: { accept: [hash] },
          issuer: installation.key,
          subject: installation.clientKey,
          now: ctx.now,
        });
        ctx.say(
          `Verified with the stored secret, as the simulated token endpoint checks it: signature, \`iss\`, \`sub\`, times and qsh all hold, until ${iso(verified.claims.exp)}. ` +
            '(Whether real Bitbucket checks the qsh here is unsettled, step 2.)',
        );

        // Change one claim, keep the signature: what someone without the secret could do.
        const [head = ''] = token.split('.');
        const forgedClaims = { ...claims, sub: `${installation.clientKey.replace(/\/[^/]*$/, '')}/someone-else` };
        const forged = `${head}.${Buffer.from(JSON.stringify(forgedClaims)).toString('base64url')}.${signature}`;
        const refusal = await verifyJwt(forged, { secret: installation.sharedSecret, qsh: { accept: [hash] }, now: ctx.now }).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (refusal === undefined) throw new TamperAcceptedError();
        if (!isLabError(refusal, 'ERR_JWT_SIGNATURE')) throw refusal;
        ctx.say(
          `Change one claim (\`sub\`) and keep the signature, and verification fails with **${refusal.code}**: ` +
            'without the secret, nobody can make a signature for other claims. Any change to the claims or the header breaks it.',
        );
        ctx.say(
          `Lesson 4 sends it: \`${METHOD} ${endpoint}\` with \`Authorization: JWT <this token>\` and the form body ` +
            `\`grant_type=${encodeURIComponent(JWT_GRANT_TYPE)}\`. The token expires at ${iso(claims.exp)}: lesson 4 signs a fresh one.`,
        );
      },
    },
  ],
});
