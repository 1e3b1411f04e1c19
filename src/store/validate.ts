import { z } from 'zod';
import type { Installation, Principal } from './installation.ts';

/**
 * What both stores accept, and what the SQLite store expects to read back. One schema on both
 * sides, so a row the store wrote always reads back, and a hand-edited one is caught on read.
 */

/**
 * Code points that cannot round-trip through SQLite's UTF-8 (lone surrogates) or have no place in
 * a key: the store refuses them, so the lifecycle refuses them in a payload too.
 *
 * @example UNSAFE_TEXT.test('secret\u0000') // true
 */
export const UNSAFE_TEXT = /[\p{Cs}\p{Cc}]/u;

function text(max: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !UNSAFE_TEXT.test(s), 'must not contain control characters or lone surrogates');
}

/**
 * An absolute http(s) URL, as the installation's `baseUrl` and `baseApiUrl` must be.
 *
 * @example isHttpUrl('https://bitbucket.org') // true; isHttpUrl('bitbucket.org') // false
 */
export function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['https:', 'http:'].includes(new URL(value).protocol);
}

const httpUrl = text(2048).refine(isHttpUrl, 'must be an absolute http(s) URL');
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time (Date#toISOString)' });

/**
 * Bitbucket's principal, the workspace or user the app is installed for; extra fields (links, ...)
 * are kept. One schema for the installed payload (src/connect/lifecycle.ts) and the store, so a
 * principal accepted at install time is always storable.
 *
 * @example principalSchema.parse({ type: 'team', uuid: '{0f1e...}', username: 'teamsinspace' })
 */
export const principalSchema = z.looseObject({
  type: text(64),
  uuid: z.string().max(256).optional(),
  username: z.string().max(256).optional(),
  display_name: z.string().max(1024).optional(),
  account_id: z.string().max(256).optional(),
});

const installationSchema = z.object({
  clientKey: text(512),
  key: text(255),
  sharedSecret: text(1024),
  baseUrl: httpUrl,
  baseApiUrl: httpUrl,
  productType: text(64),
  principal: principalSchema.optional(),
  scopes: z.array(text(64)).max(64, 'must list at most 64 scopes').optional(),
  state: z.enum(['pending', 'active', 'uninstalled'], { error: 'must be "pending", "active" or "uninstalled"' }),
  origin: z.enum(['bitbucket', 'simulated'], { error: 'must be "bitbucket" or "simulated"' }),
  installedAt: isoTime,
  updatedAt: isoTime,
  uninstalledAt: isoTime.optional(),
});

/** A tombstone keeps the last secret and nothing that could be served; only a tombstone has an uninstall time. */
function tombstoneProblems(installation: z.infer<typeof installationSchema>): string[] {
  if (installation.state !== 'uninstalled') {
    return installation.uninstalledAt === undefined ? [] : ['uninstalledAt: only an uninstalled installation has one'];
  }
  const problems: string[] = [];
  if (installation.uninstalledAt === undefined) problems.push('uninstalledAt: an uninstalled installation must say when');
  if (installation.principal !== undefined) problems.push('principal: an uninstalled installation keeps none');
  if (installation.scopes !== undefined) problems.push('scopes: an uninstalled installation keeps none');
  return problems;
}

/** The principal is stored as JSON: bounded, so one install cannot bloat the database. */
const MAX_PRINCIPAL_JSON = 64 * 1024;

/**
 * The outcome of {@link checkInstallation}: the normalised installation, or what is wrong with it.
 *
 * @example
 * const check: InstallationCheck = checkInstallation(candidate)
 * if (check.ok) rows.set(check.installation.clientKey, check.installation)
 */
export type InstallationCheck = { ok: true; installation: Installation } | { ok: false; problems: string[] };

/**
 * Validates an installation and normalises it to what a store keeps: known fields only, `principal`
 * passed through JSON (as the SQLite store stores it), so every store returns the same shape.
 * Problems name the field and the rule broken, never the value (it may be the sharedSecret).
 *
 * @example
 * const check = checkInstallation(candidate)
 * if (!check.ok) throw new InvalidInstallationError(candidate.clientKey, check.problems)
 */
export function checkInstallation(value: unknown): InstallationCheck {
  const parsed = installationSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'installation'}: ${issue.message}`),
    };
  }
  const tombstone = tombstoneProblems(parsed.data);
  if (tombstone.length > 0) return { ok: false, problems: tombstone };
  const { principal, scopes, uninstalledAt, ...rest } = parsed.data;
  const installation: Installation = { ...rest, principal: undefined };
  if (uninstalledAt !== undefined) installation.uninstalledAt = uninstalledAt;
  if (principal !== undefined) {
    let json: string;
    try {
      json = JSON.stringify(principal);
    } catch {
      return { ok: false, problems: ['principal: must be plain JSON data (no cycles, no BigInt)'] };
    }
    if (json.length > MAX_PRINCIPAL_JSON) {
      return { ok: false, problems: [`principal: must be at most ${MAX_PRINCIPAL_JSON} characters as JSON`] };
    }
    installation.principal = JSON.parse(json) as Principal;
  }
  if (scopes !== undefined) installation.scopes = [...scopes];
  return { ok: true, installation };
}

