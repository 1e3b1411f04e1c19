import { momentOf, duration, type Moment } from '../text/relative-time.ts';
import type { Direction } from './direction.ts';
import type { Finding } from './findings.ts';

/**
 * The header and claims of a Connect JWT, each explained for the token's direction (docs/protocol.md,
 * sections 3 and 4), times as dates and relative to now, and what is missing, extra or of the
 * wrong type. Reads unverified values: it explains, it does not trust.
 */

/**
 * One header field or claim, explained.
 *
 * @example { name: 'exp', value: '1735693380', meaning: 'expires at …', status: 'ok', moment: { iso, relative: 'in 2 min' } }
 */
export interface ExplainedField {
  name: string;
  /** The value as JSON text (`"HS256"`, `1735693200`), or `(missing)`. */
  value: string;
  /** What it means in a token of this direction. */
  meaning: string;
  /** `extra`: not part of a Connect token of this direction; `wrong`: of the wrong type or value. */
  status: 'ok' | 'missing' | 'extra' | 'wrong';
  /** For `iat`, `exp` and `nbf`: the time as a date and relative to now. */
  moment?: Moment;
}

/**
 * What {@link explainClaims} needs besides the token.
 *
 * @example { direction: 'app-to-bitbucket', nowMs: Date.now(), leewaySeconds: 30, qshOptional: true }
 */
export interface ExplainOptions {
  direction: Direction;
  /** The clock, epoch milliseconds. */
  nowMs: number;
  /** The clock skew the verifiers tolerate, seconds (30 in this project). */
  leewaySeconds: number;
  /** True at the token endpoint, where a missing qsh is accepted (docs/protocol.md, section 3: unsettled). */
  qshOptional?: boolean;
}

/**
 * The explained header and claims, and the findings about them.
 *
 * @example const { header, claims, findings }: ExplainedToken = explainClaims(decoded.header, decoded.claims, options)
 */
export interface ExplainedToken {
  header: ExplainedField[];
  claims: ExplainedField[];
  findings: Finding[];
}

type Meaning = Record<Direction, string>;

const same = (meaning: string): Meaning => ({ 'app-to-bitbucket': meaning, 'bitbucket-to-app': meaning, unknown: meaning });

const HEADER_MEANINGS: Record<string, string> = {
  alg: 'the signing algorithm: Connect uses HS256 (HMAC-SHA-256 keyed with the shared secret), and verifiers fix it rather than trust this field',
  typ: 'the token type, "JWT"',
};

const CLAIM_MEANINGS: Record<string, Meaning> = {
  iss: {
    'app-to-bitbucket': 'the issuer: the app key (the descriptor\'s "key"); Bitbucket checks it is the app key of the installation',
    'bitbucket-to-app': "the issuer: the installation's clientKey; the app looks up that installation's sharedSecret with it",
    unknown: "the issuer: the app key in an app's token, the clientKey in Bitbucket's",
  },
  sub: {
    'app-to-bitbucket': 'the subject: the clientKey of the installation the app acts for; Bitbucket verifies with its sharedSecret',
    'bitbucket-to-app': "the subject: Bitbucket's tokens carry none",
    unknown: "the subject: the clientKey in an app's token; Bitbucket's carry none",
  },
  aud: {
    'app-to-bitbucket': "the audience: not used towards Bitbucket (Atlassian's framework sets it only for Jira and Confluence)",
    'bitbucket-to-app': 'the audience: the clientKey again, the installation the token is addressed to; it must equal iss',
    unknown: "the audience: in Bitbucket's tokens the clientKey, equal to iss; an app's token has none",
  },
  iat: same('issued at, Unix seconds'),
  exp: same('expires at, Unix seconds'),
  nbf: same('not valid before, Unix seconds (optional)'),
  qsh: same('the query string hash: hex SHA-256 of the canonical request (METHOD&path&sorted-query) the token is for'),
};

/** Claims a token of each direction must carry; `aud` of Bitbucket's tokens is observed, not required. */
const REQUIRED: Record<Direction, string[]> = {
  'app-to-bitbucket': ['iss', 'sub', 'iat', 'exp', 'qsh'],
  'bitbucket-to-app': ['iss', 'aud', 'iat', 'exp', 'qsh'],
  unknown: ['iss', 'iat', 'exp', 'qsh'],
};

/** Claims that do not belong to a token of this direction, beyond those nobody uses. */
const FOREIGN: Record<Direction, string[]> = {
  'app-to-bitbucket': ['aud'],
  'bitbucket-to-app': ['sub'],
  unknown: [],
};

/** Bitbucket's tokens live exactly an hour (observed); the app's verifier allows that plus the leeway. */
const PRODUCT_LIFETIME_SECONDS = 3600;
/** Unix seconds pass 1e11 in the year 5138; milliseconds passed it in 1973. */
const MILLISECONDS_THRESHOLD = 1e11;

function json(value: unknown): string {
  return value === undefined ? '(missing)' : (JSON.stringify(value) ?? String(value));
}

function typeProblem(name: string, value: unknown): string | undefined {
  switch (name) {
    case 'iss':
    case 'sub':
    case 'qsh':
      return typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string';
    case 'aud':
      return typeof value === 'string' || (Array.isArray(value) && value.every((a) => typeof a === 'string'))
        ? undefined
        : 'must be a string or an array of strings';
    case 'iat':
    case 'exp':
    case 'nbf':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number of Unix seconds';
    default:
      return undefined;
  }
}

/** The findings about the times, once their types are right. */
function timeFindings(claims: Record<string, unknown>, o: ExplainOptions): Finding[] {
  const findings: Finding[] = [];
  const now = o.nowMs / 1000;
  const seconds = (name: string) => (typeof claims[name] === 'number' && Number.isFinite(claims[name]) ? (claims[name] as number) : undefined);
  const iat = seconds('iat');
  const exp = seconds('exp');
  const nbf = seconds('nbf');
  const inMilliseconds = (['iat', 'exp', 'nbf'] as const).filter((name) => (seconds(name) ?? 0) > MILLISECONDS_THRESHOLD);
  if (inMilliseconds.length > 0) {
    findings.push({
      code: 'CLAIM_MILLISECONDS',
      severity: 'error',
      message: `${inMilliseconds.join(' and ')} ${inMilliseconds.length === 1 ? 'is' : 'are'} in milliseconds, not seconds (a year far beyond 5000): JWT times are Unix seconds, Math.floor(Date.now() / 1000).`,
      lesson: 3,
    });
    return findings;
  }
  if (exp !== undefined) {
    const expired = momentOf(exp, o.nowMs);
    if (exp <= Math.floor(now) - o.leewaySeconds) {
      findings.push({
        code: 'TOKEN_EXPIRED',
        severity: 'error',
        message: `The token expired ${expired.relative} (exp ${expired.iso}), beyond the ${o.leewaySeconds} s leeway. Connect JWTs live minutes: sign a fresh one for each request. If fresh ones fail too, the signer's clock is behind: sync it (NTP).`,
        lesson: 3,
      });
    } else if (exp <= now) {
      findings.push({
        code: 'TOKEN_EXPIRED',
        severity: 'info',
        message: `The token expired ${expired.relative}, within the ${o.leewaySeconds} s leeway verifiers allow for clock skew: still accepted, not for long.`,
        lesson: 6,
      });
    }
  }
  for (const [name, value] of [['iat', iat], ['nbf', nbf]] as const) {
    if (value === undefined || value <= now + o.leewaySeconds) continue;
    findings.push({
      code: 'TOKEN_NOT_YET_VALID',
      severity: 'error',
      message: `Its ${name} is ${momentOf(value, o.nowMs).relative} (${momentOf(value, o.nowMs).iso}), beyond the ${o.leewaySeconds} s leeway: the signer's clock is ahead of this one. Sync the clocks (NTP).`,
      lesson: 6,
    });
  }
  if (iat !== undefined && exp !== undefined) findings.push(...lifetimeFindings(exp - iat, o));
  return findings;
}

function lifetimeFindings(lifetime: number, o: ExplainOptions): Finding[] {
  if (lifetime <= 0) {
    return [{ code: 'TOKEN_LIFETIME', severity: 'error', message: `exp is ${lifetime === 0 ? 'equal to' : 'before'} iat: the token was never valid. Set exp = iat + the lifetime (180 s is usual for an app).`, lesson: 3 }];
  }
  const bound = PRODUCT_LIFETIME_SECONDS + o.leewaySeconds;
  if (lifetime <= bound) return [];
  if (o.direction === 'app-to-bitbucket') {
    return [{
      code: 'TOKEN_LIFETIME',
      severity: 'warning',
      message: `exp - iat is ${lifetime} s (${duration(lifetime)}). Whether Bitbucket bounds an app's token is not known (the mock does not); Atlassian's framework signs for 180 s, and a long-lived token stays usable long after it leaks.`,
      lesson: 3,
    }];
  }
  return [{
    code: 'TOKEN_LIFETIME',
    severity: 'error',
    message: `exp - iat is ${lifetime} s (${duration(lifetime)}), more than the ${bound} s the app accepts: Bitbucket's own tokens live exactly ${PRODUCT_LIFETIME_SECONDS} s (ERR_JWT_LIFETIME).`,
    lesson: 6,
  }];
}

function lifetimeNote(lifetime: number): string {
  if (lifetime === 180) return ", Atlassian's framework's choice for app tokens";
  if (lifetime === PRODUCT_LIFETIME_SECONDS) return ", like Bitbucket's own tokens";
  return '';
}

function claimMeaning(name: string, value: unknown, o: ExplainOptions): string {
  const known = CLAIM_MEANINGS[name]?.[o.direction];
  if (known) return known;
  if (name === 'jti') return 'a token id: Connect does not use it';
  if (name === 'context') return "Jira and Confluence's user context: Bitbucket does not send it";
  return `not a Connect claim: verifiers ignore it${typeof value === 'object' && value !== null ? ' (an object)' : ''}`;
}

/**
 * Explains every header field and claim for the given direction, and lists what is missing, extra,
 * of the wrong type, expired, not yet valid or too long-lived.
 *
 * @example
 * const { claims, findings } = explainClaims({ alg: 'HS256', typ: 'JWT' }, { iss: 'my-app', sub: clientKey, iat, exp, qsh }, {
 *   direction: 'app-to-bitbucket', nowMs: Date.now(), leewaySeconds: 30,
 * })
 * claims.find((c) => c.name === 'exp')?.moment?.relative // 'in 3 min'
 */
export function explainClaims(header: Record<string, unknown>, claims: Record<string, unknown>, o: ExplainOptions): ExplainedToken {
  const findings: Finding[] = [];
  const headerFields: ExplainedField[] = Object.entries(header).map(([name, value]) => ({
    name,
    value: json(value),
    meaning: HEADER_MEANINGS[name] ?? 'not used by Connect',
    status: (name === 'alg' && value !== 'HS256') || (name === 'typ' && value !== 'JWT') ? 'wrong' : HEADER_MEANINGS[name] ? 'ok' : 'extra',
  }));
  if (header.alg !== 'HS256') {
    findings.push({
      code: 'ALG_NOT_HS256',
      severity: 'error',
      message: `The header's alg is ${json(header.alg)}; Connect tokens are HS256 (HMAC-SHA-256 with the shared secret), and verifiers refuse anything else (ERR_JWT_ALG). Sign with HS256.`,
      lesson: 3,
    });
  }
  if (header.typ !== undefined && header.typ !== 'JWT') {
    findings.push({ code: 'TYP_NOT_JWT', severity: 'warning', message: `The header's typ is ${json(header.typ)}, not "JWT". Verifiers here ignore it; others may not.`, lesson: 3 });
  }

  const fields: ExplainedField[] = [];
  const required = REQUIRED[o.direction].filter((name) => !(name === 'qsh' && o.qshOptional));
  for (const [name, value] of Object.entries(claims)) {
    const problem = typeProblem(name, value);
    const foreign = FOREIGN[o.direction].includes(name);
    const known = name in CLAIM_MEANINGS;
    const field: ExplainedField = {
      name,
      value: json(value),
      meaning: claimMeaning(name, value, o),
      status: problem ? 'wrong' : foreign || !known ? 'extra' : 'ok',
    };
    if (!problem && (name === 'iat' || name === 'exp' || name === 'nbf')) field.moment = momentOf(value as number, o.nowMs);
    if (!problem && name === 'exp' && typeof claims.iat === 'number') {
      const lifetime = (value as number) - claims.iat;
      field.meaning += `; exp - iat = ${lifetime} s (${duration(lifetime)}${lifetimeNote(lifetime)})`;
    }
    fields.push(field);
    if (problem) {
      findings.push({ code: 'CLAIM_TYPE', severity: 'error', message: `The claim ${name} is ${json(value)}: it ${problem} (ERR_JWT_CLAIM).`, lesson: 3 });
    } else if (foreign) {
      findings.push({ code: 'CLAIM_EXTRA', severity: 'warning', message: `The claim ${name} does not belong in a token of this direction: ${claimMeaning(name, value, o)}.`, lesson: 6 });
    } else if (!known) {
      findings.push({ code: 'CLAIM_EXTRA', severity: 'info', message: `The claim ${name} is not a Connect claim; verifiers ignore it.`, lesson: 3 });
    }
  }
  for (const name of required.filter((n) => !(n in claims))) {
    // Bitbucket's tokens were always seen with aud; the verifiers tolerate its absence.
    const severity = name === 'aud' ? 'warning' : 'error';
    fields.push({ name, value: '(missing)', meaning: CLAIM_MEANINGS[name]?.[o.direction] ?? '', status: 'missing' });
    findings.push({
      code: 'CLAIM_MISSING',
      severity,
      message:
        name === 'qsh'
          ? 'The token has no qsh, so it is not bound to any request and could be replayed against another one (ERR_QSH_MISSING). Sign it with the qsh of the request it is for.'
          : `The claim ${name} is missing: ${CLAIM_MEANINGS[name]?.[o.direction] ?? ''}.${severity === 'warning' ? " Bitbucket's tokens were always seen with it; the verifiers here accept its absence." : ' (ERR_JWT_CLAIM)'}`,
      lesson: o.direction === 'bitbucket-to-app' ? 6 : 3,
    });
  }
  if (o.direction === 'bitbucket-to-app' && typeof claims.iss === 'string') {
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (aud.some((a) => a !== claims.iss)) {
      findings.push({ code: 'AUD_NOT_ISS', severity: 'error', message: `aud ${json(claims.aud)} holds a value other than iss: Bitbucket addresses its tokens to the installation itself, aud = iss (ERR_JWT_AUDIENCE).`, lesson: 6 });
    }
  }
  if (claims.qsh === 'context-qsh') {
    findings.push({ code: 'QSH_CONTEXT_QSH', severity: 'error', message: 'qsh is "context-qsh", the placeholder Jira and Confluence put in context tokens; Bitbucket does not use it, and every Bitbucket token carries the hash of its request.', lesson: 6 });
  } else if (typeof claims.qsh === 'string' && claims.qsh !== '' && !/^[0-9a-f]{64}$/.test(claims.qsh)) {
    findings.push({ code: 'CLAIM_TYPE', severity: 'error', message: `qsh ${json(claims.qsh)} is not 64 lower-case hex digits: it must be the hex SHA-256 of the canonical request.`, lesson: 3 });
  }
  findings.push(...timeFindings(claims, o));
  return { header: headerFields, claims: fields, findings };
}
