import { QSH_MISTAKE_CODES } from './qsh-mistakes.ts';
import { SIGNATURE_CAUSE_CODES } from './signature-causes.ts';

/**
 * What `inspectJwt` (src/jwt/inspect.ts) reports about a token: findings, each with a stable code
 * that tests, the CLI and the `/inspect` page match on, a severity and a message that says what
 * is wrong and what to do.
 */

/**
 * `error`: the token is refused for it. `warning`: accepted, but odd or unsettled. `info`: worth knowing.
 *
 * @example const worst: Severity = findings.some((f) => f.severity === 'error') ? 'error' : 'info'
 */
export type Severity = 'error' | 'warning' | 'info';

/**
 * Every code a finding can have: the inspector's own, then the qsh mistakes (src/jwt/qsh-mistakes.ts)
 * and the signature causes (src/jwt/signature-causes.ts).
 *
 * @example if (!FINDING_CODES.includes(code)) throw new Error(`unknown finding ${code}`)
 */
export const FINDING_CODES = [
  'TOKEN_MALFORMED',
  'TOKEN_TOO_LARGE',
  'PART_NOT_BASE64URL',
  'ALG_NOT_HS256',
  'TYP_NOT_JWT',
  'DIRECTION_UNKNOWN',
  'CLAIM_MISSING',
  'CLAIM_EXTRA',
  'CLAIM_TYPE',
  'CLAIM_MILLISECONDS',
  'ISS_NOT_APP_KEY',
  'AUD_NOT_ISS',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'TOKEN_LIFETIME',
  'INSTALLATION_UNKNOWN',
  'INSTALLATION_NOT_ACTIVE',
  'STORE_UNREADABLE',
  'SIGNATURE_NOT_CHECKED',
  'SIGNATURE_INVALID',
  'QSH_NOT_CHECKED',
  'QSH_CONTEXT_QSH',
  'QSH_MISMATCH',
  'QSH_TOKEN_ENDPOINT_FORM',
  'VERIFIER_REFUSED',
  ...QSH_MISTAKE_CODES,
  ...SIGNATURE_CAUSE_CODES,
] as const;

/**
 * One of {@link FINDING_CODES}.
 *
 * @example const code: FindingCode = 'QSH_QUERY_NOT_SORTED'
 */
export type FindingCode = (typeof FINDING_CODES)[number];

/**
 * One thing the inspector found.
 *
 * @example { code: 'TOKEN_EXPIRED', severity: 'error', message: 'The token expired 3 min ago …', lesson: 3 }
 */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** What is wrong (or worth knowing) and what to do; never a secret or a whole token. */
  message: string;
  /** The lesson whose notes explain it. */
  lesson?: number;
}
