import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Why an HS256 signature does not verify: the common causes, each tried with HMAC-SHA-256 itself
 * (node:crypto), so that keys other than a secret's UTF-8 bytes can be tried too. Another
 * installation's secret, the secret with whitespace around it, the secret base64-decoded, and a
 * signature written in base64 instead of base64url (RFC 7515 wants base64url, no padding).
 *
 * A cause names the installation (its clientKey) or the variation, never a secret.
 */

/**
 * A secret to try, and how to name it in a message.
 *
 * @example { secret: installation.sharedSecret, label: `the stored installation ${installation.clientKey}`, clientKey: installation.clientKey }
 */
export interface SecretCandidate {
  secret: string;
  /** `JWT_SECRET`, `the secret field`, `the stored installation ari:…`. */
  label: string;
  /** Set when the secret is an installation's. */
  clientKey?: string;
}

/**
 * The cause codes, in the order they are tried.
 *
 * @example SIGNATURE_CAUSE_CODES[0] // 'SIGNATURE_BASE64_NOT_BASE64URL'
 */
export const SIGNATURE_CAUSE_CODES = [
  'SIGNATURE_BASE64_NOT_BASE64URL',
  'SIGNATURE_OTHER_INSTALLATION',
  'SIGNATURE_SECRET_WHITESPACE',
  'SIGNATURE_SECRET_BASE64_DECODED',
] as const;

/**
 * One of {@link SIGNATURE_CAUSE_CODES}.
 *
 * @example const code: SignatureCauseCode = 'SIGNATURE_SECRET_WHITESPACE'
 */
export type SignatureCauseCode = (typeof SIGNATURE_CAUSE_CODES)[number];

/**
 * A cause that reproduces the signature.
 *
 * @example { code: 'SIGNATURE_OTHER_INSTALLATION', message: 'It verifies with the secret of …', clientKey: 'ari:…' }
 */
export interface SignatureCause {
  code: SignatureCauseCode;
  message: string;
  /** The installation whose secret verifies it, for `SIGNATURE_OTHER_INSTALLATION`. */
  clientKey?: string;
}

/**
 * The outcome of {@link checkSignature}: `not-checked` when there was no secret to check with
 * (a cause may still be found among the other candidates).
 *
 * @example const { status, cause }: SignatureCheck = checkSignature(token, { secret, others })
 */
export interface SignatureCheck {
  status: 'valid' | 'invalid' | 'not-checked';
  cause?: SignatureCause;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;

function mac(key: Uint8Array, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput, 'ascii').digest();
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** What a signer may have done to the secret on its way to being a key, each named. */
function variations(secret: string): Array<{ key: Uint8Array; code: SignatureCauseCode; what: string }> {
  const found: Array<{ key: Uint8Array; code: SignatureCauseCode; what: string }> = [];
  const whitespace: Array<[string, string]> = [
    [secret.trim(), 'trimmed: the secret used here has whitespace around it that the signer\'s has not (a copied line break, a quoted space)'],
    [`${secret}\n`, 'with a trailing newline (read from a file or a heredoc without trimming)'],
    [`${secret}\r\n`, 'with a trailing CR LF (a file saved on Windows)'],
    [`${secret} `, 'with a trailing space'],
    [` ${secret}`, 'with a leading space'],
  ];
  for (const [variant, what] of whitespace) {
    if (variant !== secret) found.push({ key: utf8(variant), code: 'SIGNATURE_SECRET_WHITESPACE', what });
  }
  if (BASE64_ANY.test(secret)) {
    // Node's base64 decoder reads both alphabets, so this one key covers base64 and base64url.
    found.push({
      key: Buffer.from(secret, 'base64'),
      code: 'SIGNATURE_SECRET_BASE64_DECODED',
      what: 'base64-decoded (or base64url-decoded): the signer used the decoded bytes as the key, not the secret\'s UTF-8 bytes',
    });
  }
  return found;
}

/**
 * True when `token`'s signature is the HMAC-SHA-256 of its first two parts under `key`, reading
 * the signature leniently (base64 or base64url, padded or not).
 *
 * @example hs256Matches(token, new TextEncoder().encode(sharedSecret)) // true for a token signed with it
 */
export function hs256Matches(token: string, key: Uint8Array): boolean {
  const parts = token.split('.');
  const signature = parts[2] ?? '';
  if (parts.length !== 3 || !BASE64_ANY.test(signature)) return false;
  return same(mac(key, `${parts[0]}.${parts[1]}`), Buffer.from(signature, 'base64'));
}

/**
 * Checks an HS256 signature with `secret` (UTF-8 bytes, as Connect specifies) and, when it does
 * not verify or there is no secret, looks for the cause among the others and the variations.
 *
 * @example
 * const check = checkSignature(token, {
 *   secret: { secret: installation.sharedSecret, label: `the stored installation ${installation.clientKey}` },
 *   others: otherInstallations.map((i) => ({ secret: i.sharedSecret, label: i.clientKey, clientKey: i.clientKey })),
 * })
 * check.status // 'invalid'
 * check.cause?.code // 'SIGNATURE_OTHER_INSTALLATION'
 */
export function checkSignature(token: string, o: { secret?: SecretCandidate; others?: SecretCandidate[] }): SignatureCheck {
  const signature = token.split('.')[2] ?? '';
  const strict = BASE64URL.test(signature);
  const { secret } = o;
  if (secret && hs256Matches(token, utf8(secret.secret))) {
    if (strict) return { status: 'valid' };
    return {
      status: 'invalid',
      cause: {
        code: 'SIGNATURE_BASE64_NOT_BASE64URL',
        message: `The signature is right (it verifies with ${secret.label}) but written in base64 ("+", "/" or "=" padding), not base64url: JWTs use base64url without padding (RFC 7515), and verifiers refuse the token. Encode with Buffer.toString('base64url').`,
      },
    };
  }
  const status = secret ? 'invalid' : 'not-checked';
  const others = (o.others ?? []).filter((other) => other.secret !== secret?.secret);
  for (const other of others) {
    if (!hs256Matches(token, utf8(other.secret))) continue;
    const encoding = strict ? '' : ' (and its signature is in base64, not base64url: fix that too)';
    return {
      status,
      cause: {
        code: 'SIGNATURE_OTHER_INSTALLATION',
        clientKey: other.clientKey,
        message: `It verifies with the secret of ${other.label}${secret ? `, not with ${secret.label}` : ''}${encoding}: the signer used another installation's sharedSecret, or named the wrong installation in the token. Sign with the sharedSecret of the installation the token names.`,
      },
    };
  }
  if (secret) {
    for (const variation of variations(secret.secret)) {
      if (!hs256Matches(token, variation.key)) continue;
      return { status, cause: { code: variation.code, message: `It verifies with ${secret.label} ${variation.what}. The key is the sharedSecret's UTF-8 bytes, exactly as the installed payload sent it.` } };
    }
  }
  return { status };
}
