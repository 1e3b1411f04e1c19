import { LabError, lessonName } from '../errors.ts';

/**
 * The errors of signing and verifying Connect JWTs, one class per code.
 *
 * Messages say what is wrong, what to do and which lesson explains it. They never carry a shared
 * secret or a whole token: claims such as `iss` are identifiers, not secrets, so they are shown.
 */

/**
 * Every code thrown from `src/jwt/`, so the app can map each one to an HTTP status.
 *
 * @example
 * for (const code of JWT_ERROR_CODES) assert(httpStatusFor(code) !== undefined)
 */
export const JWT_ERROR_CODES = [
  'ERR_JWT_MISSING',
  'ERR_JWT_AMBIGUOUS',
  'ERR_JWT_SCHEME',
  'ERR_JWT_MALFORMED',
  'ERR_JWT_TOO_LARGE',
  'ERR_JWT_ALG',
  'ERR_JWT_SIGNATURE',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_LIFETIME',
  'ERR_JWT_CLAIM',
  'ERR_JWT_AUDIENCE',
  'ERR_JWT_ISSUER',
  'ERR_QSH_MISSING',
  'ERR_QSH_MISMATCH',
  'ERR_INSTALLATION_UNKNOWN',
  'ERR_SIGN_INPUT',
] as const;

/**
 * One of {@link JWT_ERROR_CODES}.
 *
 * @example const code: JwtErrorCode = 'ERR_QSH_MISMATCH'
 */
export type JwtErrorCode = (typeof JWT_ERROR_CODES)[number];

/**
 * Overrides for a thrown error: the lesson to point to, and the underlying error.
 *
 * @example new JwtSignatureError(iss, { lesson: 4 }) // raised at the token endpoint
 */
export interface JwtErrorOptions {
  lesson?: number;
  cause?: unknown;
}


function seeLesson(lesson: number): string {
  return `See ${lessonName(lesson)}.`;
}

/** Builds the message and options every class passes to {@link LabError}. */
function compose(text: string, defaultLesson: number, options: JwtErrorOptions): [string, { lesson: number; cause?: unknown }] {
  const lesson = options.lesson ?? defaultLesson;
  return [`${text} ${seeLesson(lesson)}`, { lesson, cause: options.cause }];
}

/** Header and parameter values come from the network: keep what is echoed short and printable. */
function quote(value: string, max = 60): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > max ? `${printable.slice(0, max)}…` : printable);
}

function iso(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  return Number.isNaN(date.getTime()) ? String(epochSeconds) : date.toISOString();
}

/**
 * The request carries no JWT at all.
 *
 * @example
 * try { extractJwt({ url: '/installed', headers: {} }) }
 * catch (e) { if (e instanceof JwtMissingError) console.error(e.message) }
 */
export class JwtMissingError extends LabError {
  declare readonly code: 'ERR_JWT_MISSING';

  /** @param detail What was found instead, when something was. */
  constructor(detail = 'The request carries no JWT.', options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_MISSING',
      ...compose(
        `${detail} Bitbucket sends it as "Authorization: JWT <token>" (lifecycle calls, webhooks) or as the "jwt" query parameter (page modules); the token endpoint expects the header.`,
        6,
        options,
      ),
    );
  }
}

/**
 * The request carries a JWT in more than one place (header and query, or twice).
 *
 * @example
 * new JwtAmbiguousError(['Authorization header', 'jwt query parameter']).sources // both places
 */
export class JwtAmbiguousError extends LabError {
  declare readonly code: 'ERR_JWT_AMBIGUOUS';
  /** Where tokens were found. */
  readonly sources: string[];

  constructor(sources: string[], options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_AMBIGUOUS',
      ...compose(
        `The request carries more than one JWT (${sources.join(' and ')}). It is refused: a receiver cannot know which one the sender meant, and an attacker could smuggle a second one past a check of the first. Send exactly one.`,
        6,
        options,
      ),
    );
    this.sources = sources;
  }
}

/**
 * The Authorization header uses a scheme other than `JWT` (`Bearer`, `Basic`, lower-case `jwt`).
 *
 * @example
 * new JwtSchemeError('Bearer').scheme // 'Bearer'
 */
export class JwtSchemeError extends LabError {
  declare readonly code: 'ERR_JWT_SCHEME';
  /** The scheme that was sent (only the scheme: credentials after it are never kept). */
  readonly scheme: string;

  constructor(scheme: string, options: JwtErrorOptions = {}) {
    const hint =
      scheme.toLowerCase() === 'jwt'
        ? ' The scheme is case-sensitive: write it in upper case.'
        : scheme.toLowerCase() === 'bearer'
          ? ' "Bearer" is for the access token you get back from the exchange (lesson 5), not for the JWT.'
          : '';
    super(
      'ERR_JWT_SCHEME',
      ...compose(
        `The Authorization header uses the scheme ${quote(scheme, 20)}; a Connect JWT is sent as "Authorization: JWT <token>", scheme "JWT", exactly.${hint}`,
        4,
        options,
      ),
    );
    this.scheme = scheme.slice(0, 20);
  }
}

/**
 * The token is not a well-formed JWT (wrong number of parts, not base64url, not JSON objects).
 *
 * @example
 * new JwtMalformedError('it has 2 parts').reason // 'it has 2 parts'
 */
export class JwtMalformedError extends LabError {
  declare readonly code: 'ERR_JWT_MALFORMED';
  /** What exactly is wrong with it. */
  readonly reason: string;

  constructor(reason: string, options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_MALFORMED',
      ...compose(
        `The JWT is malformed: ${reason}. A JWT is three base64url parts joined by dots, header.claims.signature, each of the first two a JSON object. Check that the whole token was copied, without quotes, spaces or line breaks.`,
        3,
        options,
      ),
    );
    this.reason = reason;
  }
}

/**
 * The token is longer than the limit; it was refused before any decoding.
 *
 * @example
 * new JwtTooLargeError(10_000, 8192).limit // 8192
 */
export class JwtTooLargeError extends LabError {
  declare readonly code: 'ERR_JWT_TOO_LARGE';
  /** The token's length in characters. */
  readonly length: number;
  /** The configured limit. */
  readonly limit: number;

  constructor(length: number, limit: number, options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_TOO_LARGE',
      ...compose(
        `The JWT is ${length} characters long, over the limit of ${limit}; it was refused before decoding. Connect JWTs are a few hundred characters: this is not one, or something was appended to it.`,
        6,
        options,
      ),
    );
    this.length = length;
    this.limit = limit;
  }
}

/**
 * The header names an algorithm other than HS256 (`none`, `RS256`, `HS512`, ...).
 *
 * @example
 * new JwtAlgorithmError('none').alg // 'none'
 */
export class JwtAlgorithmError extends LabError {
  declare readonly code: 'ERR_JWT_ALG';
  /** The `alg` the header named. */
  readonly alg: string;

  constructor(alg: string, options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_ALG',
      ...compose(
        `The JWT's header says alg ${quote(alg, 20)}; only "HS256" (HMAC-SHA256 with the shared secret) is accepted. A verifier that trusts the header's choice can be fooled ("none" skips the signature, an RS256 header can make it treat a public value as the key): the algorithm is fixed, never read from the token. Sign with HS256.`,
        3,
        options,
      ),
    );
    this.alg = alg.slice(0, 20);
  }
}

/**
 * The signature does not match the shared secret.
 *
 * @example
 * new JwtSignatureError('ari:cloud:bitbucket::app/{…}/my-app').issuer
 */
export class JwtSignatureError extends LabError {
  declare readonly code: 'ERR_JWT_SIGNATURE';
  /** The token's `iss`, whose secret was used. */
  readonly issuer: string;

  constructor(issuer: string, options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_SIGNATURE',
      ...compose(
        `The JWT's signature does not match the shared secret used for issuer ${quote(issuer, 120)}. It was signed with another secret (another installation's, or one from before a re-install replaced it), the key was not the secret's UTF-8 bytes, or the token was altered after signing. Sign with the sharedSecret of the latest "installed" payload.`,
        3,
        options,
      ),
    );
    this.issuer = issuer;
  }
}

/**
 * The token's `exp`, plus the leeway, has passed.
 *
 * @example
 * new JwtExpiredError({ exp: 1_700_000_000, now: 1_700_000_100, leewaySeconds: 30 }).expiredAt
 */
export class JwtExpiredError extends LabError {
  declare readonly code: 'ERR_JWT_EXPIRED';
  /** When the token expired (its `exp`). */
  readonly expiredAt: Date;
  /** The verifier's clock, when it checked. */
  readonly checkedAt: Date;
  /** The clock skew that was tolerated. */
  readonly leewaySeconds: number;

  /** @param details `exp` and `now` in epoch seconds. */
  constructor(details: { exp: number; now: number; leewaySeconds: number }, options: JwtErrorOptions = {}) {
    const { exp, now, leewaySeconds } = details;
    super(
      'ERR_JWT_EXPIRED',
      ...compose(
        `The JWT expired at ${iso(exp)} (exp ${exp}); it is now ${iso(now)}, ${Math.round(now - exp)} s later, beyond the ${leewaySeconds} s leeway. Connect JWTs live minutes: sign a fresh one for each request. If fresh tokens fail too, the signer's clock is behind: sync it (NTP).`,
        3,
        options,
      ),
    );
    this.expiredAt = new Date(exp * 1000);
    this.checkedAt = new Date(now * 1000);
    this.leewaySeconds = leewaySeconds;
  }
}

/**
 * The token's `iat` (or `nbf`) is in the future, beyond the leeway.
 *
 * @example
 * new JwtNotYetValidError({ claim: 'iat', validFrom: 1_700_000_100, now: 1_700_000_000, leewaySeconds: 30 }).claim
 */
export class JwtNotYetValidError extends LabError {
  declare readonly code: 'ERR_JWT_NOT_YET_VALID';
  /** The claim that is in the future. */
  readonly claim: 'iat' | 'nbf';
  /** The time that claim names. */
  readonly validFrom: Date;
  /** The verifier's clock, when it checked. */
  readonly checkedAt: Date;
  /** The clock skew that was tolerated. */
  readonly leewaySeconds: number;

  /** @param details `validFrom` and `now` in epoch seconds. */
  constructor(
    details: { claim: 'iat' | 'nbf'; validFrom: number; now: number; leewaySeconds: number },
    options: JwtErrorOptions = {},
  ) {
    const { claim, validFrom, now, leewaySeconds } = details;
    super(
      'ERR_JWT_NOT_YET_VALID',
      ...compose(
        `The JWT's "${claim}" is ${iso(validFrom)}, ${Math.round(validFrom - now)} s in the future (it is now ${iso(now)}; the leeway is ${leewaySeconds} s). The signer's clock is ahead of this one, or it set "${claim}" in milliseconds instead of seconds: sync the clocks (NTP) and use Unix seconds.`,
        3,
        options,
      ),
    );
    this.claim = claim;
    this.validFrom = new Date(validFrom * 1000);
    this.checkedAt = new Date(now * 1000);
    this.leewaySeconds = leewaySeconds;
  }
}

/**
 * The token claims to live longer than the verifier accepts (`exp - iat` beyond the maximum plus
 * the leeway): a leaked token would stay usable for that long.
 *
 * @example
 * new JwtLifetimeError({ iat: 1_700_000_000, exp: 1_700_086_400, maxSeconds: 3630 }).lifetimeSeconds // 86400
 */
export class JwtLifetimeError extends LabError {
  declare readonly code: 'ERR_JWT_LIFETIME';
  /** `exp - iat`, in seconds. */
  readonly lifetimeSeconds: number;
  /** The longest lifetime accepted, leeway included, in seconds. */
  readonly maxSeconds: number;

  /** @param details `iat` and `exp` in epoch seconds; `maxSeconds` the bound, leeway included. */
  constructor(details: { iat: number; exp: number; maxSeconds: number }, options: JwtErrorOptions = {}) {
    const { iat, exp, maxSeconds } = details;
    const lifetimeSeconds = exp - iat;
    super(
      'ERR_JWT_LIFETIME',
      ...compose(
        `The JWT claims to live ${lifetimeSeconds} s (iat ${iso(iat)}, exp ${iso(exp)}), more than the ${maxSeconds} s this verifier accepts. Bitbucket's own JWTs live exactly 3600 s and an app's a few minutes; a longer-lived token stays usable long after it leaks. Sign tokens that expire within minutes; if exp and iat are far apart, one of them may be in milliseconds instead of seconds.`,
        6,
        options,
      ),
    );
    this.lifetimeSeconds = lifetimeSeconds;
    this.maxSeconds = maxSeconds;
  }
}

/**
 * A claim is missing, has the wrong type, or (for `sub`) the wrong value.
 *
 * @example
 * new JwtClaimError('exp', 'is missing').claim // 'exp'
 */
export class JwtClaimError extends LabError {
  declare readonly code: 'ERR_JWT_CLAIM';
  /** The claim's name. */
  readonly claim: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(claim: string, reason: string, options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_CLAIM',
      ...compose(
        `The JWT's "${claim}" claim ${reason}. A Connect JWT carries iss (who signed), iat and exp (Unix seconds) and qsh (which request); app JWTs add sub (the clientKey).`,
        3,
        options,
      ),
    );
    this.claim = claim;
    this.reason = reason;
  }
}

/**
 * The token's `aud` is not the one expected (for Bitbucket's JWTs: the clientKey, equal to `iss`).
 *
 * @example
 * new JwtAudienceError('client-key', ['someone-else']).received // ['someone-else']
 */
export class JwtAudienceError extends LabError {
  declare readonly code: 'ERR_JWT_AUDIENCE';
  readonly expected: string;
  readonly received: string | string[];

  constructor(expected: string, received: string | string[], options: JwtErrorOptions = {}) {
    const shown = Array.isArray(received) ? `[${received.map((r) => quote(r, 120)).join(', ')}]` : quote(received, 120);
    super(
      'ERR_JWT_AUDIENCE',
      ...compose(
        `The JWT's "aud" is ${shown}, but it must be ${quote(expected, 120)}: Bitbucket addresses its JWTs to the installation itself (aud = iss = clientKey). A token meant for another installation must not be accepted here.`,
        6,
        options,
      ),
    );
    this.expected = expected;
    this.received = received;
  }
}

/**
 * The token's `iss` is not the one expected.
 *
 * @example
 * new JwtIssuerError('my-app', 'other-app').received // 'other-app'
 */
export class JwtIssuerError extends LabError {
  declare readonly code: 'ERR_JWT_ISSUER';
  readonly expected: string;
  readonly received: string;

  constructor(expected: string, received: string, options: JwtErrorOptions = {}) {
    super(
      'ERR_JWT_ISSUER',
      ...compose(
        `The JWT's "iss" is ${quote(received, 120)}, but ${quote(expected, 120)} was expected. App JWTs are issued by the app key (the descriptor's "key"); Bitbucket's JWTs by the installation's clientKey.`,
        3,
        options,
      ),
    );
    this.expected = expected;
    this.received = received;
  }
}

const QSH_CAUSES =
  'Usual causes: the two sides disagree on the base URL (a context path such as /app must be stripped, and only it), a proxy rewrote the path, or the signer hashed a different query (parameters added, dropped or encoded differently; "jwt" itself is excluded).';

/**
 * The token has no `qsh` claim, but the request needs one.
 *
 * @example
 * new QshMissingError('GET&/page&repoUuid=%7Babc%7D').canonical
 */
export class QshMissingError extends LabError {
  declare readonly code: 'ERR_QSH_MISSING';
  /** The canonical request the verifier computed, when it did. */
  readonly canonical: string | undefined;

  constructor(canonical?: string, options: JwtErrorOptions = {}) {
    const computed = canonical === undefined ? '' : ` Here the request's canonical form is ${JSON.stringify(canonical)}.`;
    super(
      'ERR_QSH_MISSING',
      ...compose(
        `The JWT has no "qsh" claim, so it is not bound to any request and could be replayed against another one. Sign it with qsh = SHA-256 hex of "METHOD&path&sorted-query".${computed}`,
        6,
        options,
      ),
    );
    this.canonical = canonical;
  }
}

/**
 * The token's `qsh` is not the hash of the request it came with.
 *
 * @example
 * try { await verifyRequest(request, options) }
 * catch (e) { if (e instanceof QshMismatchError) console.log(e.canonical, e.expected, e.received) }
 */
export class QshMismatchError extends LabError {
  declare readonly code: 'ERR_QSH_MISMATCH';
  /** The hashes that would have been accepted. */
  readonly expected: string[];
  /** The token's `qsh`. */
  readonly received: string;
  /** The canonical request the verifier computed, when it did. */
  readonly canonical: string | undefined;

  constructor(details: { expected: string[]; received: string; canonical?: string }, options: JwtErrorOptions = {}) {
    const { expected, received, canonical } = details;
    const computed =
      canonical === undefined
        ? `Accepted: ${expected.join(', ') || '(none)'}.`
        : `This side computed the canonical request ${JSON.stringify(canonical)}, hash ${expected.join(' or ') || '(none)'}.`;
    super(
      'ERR_QSH_MISMATCH',
      ...compose(
        `The JWT's qsh ${quote(received, 70)} does not match this request. ${computed} Compute the signer's canonical request for the same method and URL and compare the two strings. ${QSH_CAUSES}`,
        6,
        options,
      ),
    );
    this.expected = expected;
    this.received = received;
    this.canonical = canonical;
  }
}

/**
 * No installation (or no shared secret) is known for the token's issuer.
 *
 * @example
 * new InstallationUnknownError('ari:cloud:bitbucket::app/{…}/my-app').clientKey
 */
export class InstallationUnknownError extends LabError {
  declare readonly code: 'ERR_INSTALLATION_UNKNOWN';
  /** The clientKey (the token's `iss`) nothing is stored for. */
  readonly clientKey: string;

  constructor(clientKey: string, options: JwtErrorOptions = {}) {
    super(
      'ERR_INSTALLATION_UNKNOWN',
      ...compose(
        `No installation with a shared secret is stored for clientKey ${quote(clientKey, 120)}, so its JWT cannot be checked. The app was never installed there, it was uninstalled, or the store was lost (an in-memory store forgets on restart): (re)install the app so Bitbucket sends the "installed" payload again.`,
        2,
        options,
      ),
    );
    this.clientKey = clientKey;
  }
}

/**
 * An input to signing is missing or invalid; nothing was signed.
 *
 * @example
 * new SignInputError('sharedSecret', 'is empty').field // 'sharedSecret'
 */
export class SignInputError extends LabError {
  declare readonly code: 'ERR_SIGN_INPUT';
  /** The option at fault. */
  readonly field: string;

  constructor(field: string, problem: string, options: JwtErrorOptions = {}) {
    super('ERR_SIGN_INPUT', ...compose(`Cannot sign the JWT: ${field} ${problem}.`, 3, options));
    this.field = field;
  }
}
