import { z } from 'zod';
import { DescriptorError } from './errors.ts';
import { formatPath, hintFrom, problemMessage, refineWith, toProblems } from './problems.ts';
import { grantedScopes, KNOWN_SCOPES, missingContextScopes, suggestScope } from './scopes.ts';

export { KNOWN_SCOPES } from './scopes.ts';

/**
 * The scopes of the lab's descriptor unless told otherwise: enough to read repositories.
 *
 * @example buildDescriptor({ appKey, baseUrl }).scopes // ['account', 'repository']
 */
export const DEFAULT_SCOPES: readonly string[] = Object.freeze(['account', 'repository']);

/**
 * The app descriptor, `atlassian-connect.json`: what Bitbucket reads to install the app
 * (docs/protocol.md, section 7). Every URL in it but `baseUrl` is relative: Bitbucket prepends `baseUrl`.
 *
 * @example
 * const descriptor: Descriptor = buildDescriptor(config)
 * res.json(descriptor) // served at GET /atlassian-connect.json
 */
export interface Descriptor {
  /** The app key: `key` in the installed payload, `iss` of the JWTs the app signs. */
  key: string;
  name: string;
  description: string;
  /** Shown on the app's listing; optional for Bitbucket. */
  vendor?: { name: string; url: string };
  /** The app's public origin (and context path), without a trailing slash. */
  baseUrl: string;
  authentication: { type: 'jwt' };
  /** Where Bitbucket POSTs the installed and uninstalled payloads, relative to `baseUrl`. */
  lifecycle: { installed: string; uninstalled: string };
  /** What the app's access tokens may do. */
  scopes: string[];
  /** `account`: the app belongs to the workspace that installed it. */
  contexts: string[];
  modules: DescriptorModules;
}

/**
 * A page, web item, web panel or admin page: a URL Bitbucket shows at a `location`.
 *
 * @example
 * const page: PageModule = { key: 'jwt-grant', name: { value: 'JWT Authorization Grant' },
 *   url: '/oauth-callback?repoUuid={repository.uuid}', location: 'org.bitbucket.repository.navigation' }
 */
export interface PageModule {
  key: string;
  name: { value: string };
  /** Relative to `baseUrl`; may hold context parameters such as `{repository.uuid}`. */
  url: string;
  location?: string;
  params?: Record<string, unknown>;
}

/**
 * A webhook subscription: Bitbucket POSTs each `event` to `url`, signed with a JWT.
 *
 * @example const hook: WebhookModule = { event: 'repo:push', url: '/webhooks' }
 */
export interface WebhookModule {
  event: string;
  url: string;
}

/**
 * The modules, by kind. The kinds this lab uses are typed; other kinds pass through, checked only
 * for relative URLs and unique keys.
 *
 * @example const modules: DescriptorModules = { repoPages: [page], webhooks: [hook] }
 */
export interface DescriptorModules {
  repoPages?: PageModule[];
  webItems?: PageModule[];
  webPanels?: PageModule[];
  adminPages?: PageModule[];
  configurePage?: PageModule;
  webhooks?: WebhookModule[];
  [kind: string]: unknown;
}

/**
 * This lab's own rule for app keys, the same `loadConfig` applies to APP_KEY (so a configured key
 * always validates here). Bitbucket's descriptor reference says only "a unique text string"
 * (docs/protocol.md, section 7): these characters are safe in the URLs, client keys and JWT claims
 * a key ends up in, and 80 keeps a client key well within what the store holds.
 */
const APP_KEY_PATTERN = /^[A-Za-z0-9._-]{1,80}$/;
/** Module keys: what Connect keeps unchanged (it rewrites other characters to dashes). */
const MODULE_KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
const MAX_URL_LENGTH = 2048;
const MAX_TEXT_LENGTH = 1000;

/** A value for a message: quoted, and cut short so that a pasted blob cannot flood it. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function text(max: number) {
  return z
    .string()
    .max(max)
    .superRefine(refineWith((value) => (value.trim() === '' ? ['must not be empty: write a few words'] : [])));
}

function baseUrlProblems(value: string, live: boolean): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${quote(value)} is not an absolute URL: use the app's public origin, e.g. "https://abc.ngrok.app"`];
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`${quote(value)} must be an https URL, e.g. "https://abc.ngrok.app"`);
  } else if (live && url.protocol !== 'https:') {
    problems.push(
      `${quote(value)} is http, and Bitbucket only installs apps served over https: use your tunnel's https URL`,
    );
  }
  if (live && ['localhost', '127.0.0.1', '[::1]', '0.0.0.0'].includes(url.hostname)) {
    problems.push(`${quote(value)} points at this machine, which Bitbucket cannot reach: use a public tunnel URL`);
  }
  if (url.username || url.password) problems.push('must not contain a user name or password: remove them');
  if (url.search || url.hash) problems.push(`${quote(value)} has a query or fragment: remove it`);
  else if (value.endsWith('/')) {
    problems.push(
      `${quote(value)} ends with "/": remove it, because Bitbucket joins baseUrl and each relative URL ` +
        'by concatenation ("https://x.ngrok.app/" + "/installed" gives "//installed")',
    );
  }
  return problems;
}

/** What is wrong with a URL that must be relative to `baseUrl` (Bitbucket prepends `baseUrl`). */
function relativeUrlProblems(value: string): string[] {
  if (value.length > MAX_URL_LENGTH) return [`is longer than ${MAX_URL_LENGTH} characters: shorten it`];
  if (/^[a-z][a-z\d+.-]*:/i.test(value)) {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    const relative = url ? `${url.pathname}${url.search}` : '/path';
    return [`${quote(value)} is absolute: make it relative to baseUrl, e.g. ${quote(relative)} (Bitbucket prepends baseUrl)`];
  }
  if (!value.startsWith('/')) {
    return [`${quote(value)} must start with "/": Bitbucket prepends baseUrl to it, so write ${quote(`/${value}`)}`];
  }
  if (value.startsWith('//')) return [`${quote(value)} starts with "//": use a single "/", since Bitbucket prepends baseUrl`];
  if (/\s/.test(value)) return [`${quote(value)} contains white space: percent-encode it (a space is %20)`];
  return [];
}

function scopeProblems(scope: string): string[] {
  if (KNOWN_SCOPES.includes(scope)) return [];
  const suggestion = suggestScope(scope);
  const fix = suggestion ? `did you mean "${suggestion}"?` : `use one of: ${KNOWN_SCOPES.join(', ')}`;
  return [`${quote(scope)} is not a Bitbucket scope, and an unknown scope makes the install fail: ${fix}`];
}

function contextProblems(context: string): string[] {
  if (context === 'account') return [];
  if (context === 'personal') {
    return ['"personal" was removed by Bitbucket in 2023: use "account" (the app belongs to the installing workspace)'];
  }
  return [`${quote(context)} is not a Bitbucket context: use "account"`];
}

const pageModule = (withLocation: boolean) =>
  z.looseObject({
    // Key format and uniqueness, and URL relativity, are checked across every module kind below.
    key: z.string(),
    name: z.looseObject({ value: text(255) }),
    url: z.string(),
    location: withLocation ? text(255) : text(255).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  });

function descriptorSchema(live: boolean) {
  const relativeUrl = z.string().superRefine(refineWith(relativeUrlProblems));
  return z.looseObject({
    key: z
      .string()
      .superRefine(
        refineWith((key) =>
          APP_KEY_PATTERN.test(key)
            ? []
            : [`${quote(key)} is not an app key this lab accepts: use 1 to 80 letters, digits, ".", "-" or "_" (the lab's own rule; Bitbucket documents none)`],
        ),
      ),
    name: text(255),
    description: text(MAX_TEXT_LENGTH),
    vendor: z
      .looseObject({
        name: text(255),
        url: z
          .string()
          .superRefine(
            refineWith((url) =>
              /^https?:\/\/[^/]/i.test(url) && URL.canParse(url) ? [] : [`${quote(url)} must be an absolute http(s) URL`],
            ),
          ),
      })
      .optional(),
    baseUrl: z.string().superRefine(refineWith((value) => baseUrlProblems(value, live))),
    authentication: z.looseObject({ type: z.literal('jwt') }),
    lifecycle: z.looseObject({ installed: relativeUrl, uninstalled: relativeUrl }),
    // Left out, Bitbucket grants every scope (docs/protocol.md, section 8): see validateDescriptor.
    scopes: z.array(z.string().superRefine(refineWith(scopeProblems))).optional(),
    contexts: z.array(z.string().superRefine(refineWith(contextProblems))).min(1, 'is empty'),
    modules: z.looseObject({
      repoPages: z.array(pageModule(true)).optional(),
      webItems: z.array(pageModule(true)).optional(),
      webPanels: z.array(pageModule(true)).optional(),
      adminPages: z.array(pageModule(true)).optional(),
      configurePage: pageModule(false).optional(),
      webhooks: z.array(z.looseObject({ event: text(255), url: z.string() })).optional(),
    }),
  });
}

/** What to do when a top-level field is missing or of the wrong type. */
const fieldHint = hintFrom({
  descriptor: 'serve a JSON object like the one buildDescriptor returns',
  key: 'e.g. "key": "jwt-grant-tutorial"',
  name: 'e.g. "name": "JWT Grant Tutorial"',
  description: 'e.g. "description": "Calls the Bitbucket API with the JWT grant"',
  'vendor.name': 'e.g. "vendor": {"name": "Your team", "url": "https://example.com"}',
  'vendor.url': 'e.g. "vendor": {"name": "Your team", "url": "https://example.com"}',
  baseUrl: 'e.g. "baseUrl": "https://abc.ngrok.app"',
  authentication: 'add "authentication": {"type": "jwt"}',
  'authentication.type': 'Bitbucket signs its calls to the app with a JWT: set "authentication": {"type": "jwt"}',
  lifecycle: 'add "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"}',
  'lifecycle.installed': 'e.g. "installed": "/installed"',
  'lifecycle.uninstalled': 'e.g. "uninstalled": "/uninstalled"',
  scopes: 'list what the app needs, e.g. "scopes": ["account", "repository"] (leaving it out asks for every scope)',
  contexts: 'add "contexts": ["account"]',
  modules: 'add "modules": {} with the pages the app shows',
});

/** What to do about a module's field, whatever the module's kind and position. */
const moduleFieldHint = hintFrom({
  key: 'give the module a key unique in the descriptor, e.g. "key": "my-page"',
  name: 'e.g. "name": {"value": "My page"}',
  'name.value': 'e.g. "name": {"value": "My page"}',
  url: 'e.g. "url": "/my-page?repoUuid={repository.uuid}"',
  location: 'say where Bitbucket shows it, e.g. "location": "org.bitbucket.repository.navigation"',
  event: 'e.g. "event": "repo:push"',
});

function hint(path: string): string | undefined {
  const moduleField = /^modules\.[^.[]+(?:\[\d+\])?\.(.+)$/.exec(path);
  return moduleField ? moduleFieldHint(moduleField[1] ?? '') : fieldHint(path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that span module kinds, done on the raw input so they run even when other fields are
 * wrong: relative URLs and key format in every module (known kinds or not), keys unique across all
 * of them, and the scopes each URL's context parameters need.
 */
function moduleProblems(descriptor: unknown): string[] {
  if (!isRecord(descriptor) || !isRecord(descriptor.modules)) return [];
  // A mistyped scope is reported with its fix already: count the fix as declared, not twice as missing.
  const scopes = Array.isArray(descriptor.scopes)
    ? descriptor.scopes
        .filter((scope) => typeof scope === 'string')
        .map((scope) => (KNOWN_SCOPES.includes(scope) ? scope : (suggestScope(scope) ?? scope)))
    : undefined;
  const problems: string[] = [];
  const keys = new Map<string, string>();
  for (const [kind, value] of Object.entries(descriptor.modules)) {
    const entries = Array.isArray(value)
      ? value.map((entry, index) => ({ entry, at: [kind, index] }))
      : [{ entry: value, at: [kind] }];
    for (const { entry, at } of entries) {
      if (!isRecord(entry)) {
        problems.push(`${formatPath(['modules', ...at], 'modules')}: must be a JSON object describing one module`);
        continue;
      }
      const path = (field: string) => formatPath(['modules', ...at, field], 'modules');
      if (typeof entry.url === 'string') {
        problems.push(...relativeUrlProblems(entry.url).map((problem) => `${path('url')}: ${problem}`));
        for (const { parameter, scope } of scopes ? missingContextScopes(entry.url, scopes) : []) {
          problems.push(
            `${path('url')}: uses {${parameter}}, which Bitbucket fills in only with the "${scope}" scope: ` +
              `add "${scope}" to scopes`,
          );
        }
      }
      if (typeof entry.key === 'string') {
        if (!MODULE_KEY_PATTERN.test(entry.key)) {
          problems.push(`${path('key')}: ${quote(entry.key)} is not a valid module key: use letters, digits, "-" and "_"`);
        }
        // Connect lower-cases module keys, so keys differing only in case collide.
        const first = keys.get(entry.key.toLowerCase());
        if (first) {
          problems.push(`${path('key')}: ${quote(entry.key)} is already the key of ${first}: module keys must be unique, rename one`);
        } else {
          keys.set(entry.key.toLowerCase(), formatPath(['modules', ...at], 'modules'));
        }
      }
    }
  }
  return problems;
}

/**
 * Checks a descriptor the way Bitbucket will, and for the mistakes that install fine but break
 * later, then returns it typed. Every problem is reported at once, not just the first.
 *
 * Offline (`live: false`) an http `baseUrl` is fine; live it must be https and public. A trailing
 * slash on `baseUrl` is never fine: Bitbucket builds URLs by concatenation.
 *
 * @throws {DescriptorError} `ERR_DESCRIPTOR_INVALID`, whose `problems` lists each one as
 *   `path: what is wrong, what to do`.
 *
 * @example
 * const descriptor = validateDescriptor(JSON.parse(text), { live: config.live })
 *
 * validateDescriptor({ ...buildDescriptor(config), scopes: ['repositories'] }, { live: false })
 * // throws: 'scopes[0]: "repositories" is not a Bitbucket scope, ...: did you mean "repository"?'
 */
export function validateDescriptor(descriptor: unknown, options: { live: boolean }): Descriptor {
  const result = descriptorSchema(options.live).safeParse(descriptor, { error: problemMessage });
  const problems = [
    ...(result.success ? [] : toProblems(result.error.issues, { root: 'descriptor', hint })),
    ...moduleProblems(descriptor),
  ];
  if (!result.success || problems.length > 0) {
    throw new DescriptorError(problems);
  }
  // A descriptor without `scopes` asks for all of them: the typed result says so explicitly.
  return { ...result.data, scopes: grantedScopes(result.data.scopes) };
}

/**
 * The descriptor this lab's app serves: one repository page, "JWT Authorization Grant", whose
 * iframe URL carries the repository's UUID, and the installed/uninstalled lifecycle hooks.
 * The result is validated offline rules first, so a typo in `scopes` fails here, not at install.
 *
 * @param options.appKey The app key (config `appKey`).
 * @param options.baseUrl The app's public base URL (config `baseUrl`), without a trailing slash.
 * @param options.scopes Defaults to `DEFAULT_SCOPES` (`["account", "repository"]`): enough to read repositories.
 * @throws {DescriptorError} `ERR_DESCRIPTOR_INVALID` when an option makes the descriptor invalid.
 *
 * @example
 * const descriptor = buildDescriptor({ appKey: 'jwt-grant-tutorial', baseUrl: 'https://abc.ngrok.app' })
 * descriptor.modules.repoPages?.[0]?.url // '/oauth-callback?repoUuid={repository.uuid}'
 */
export function buildDescriptor(options: {
  appKey: string;
  baseUrl: string;
  scopes?: string[];
  name?: string;
  description?: string;
  vendor?: { name: string; url: string };
}): Descriptor {
  const descriptor: Descriptor = {
    key: options.appKey,
    name: options.name ?? 'JWT Grant Tutorial',
    description:
      options.description ??
      'Learn the Bitbucket Cloud JWT grant: sign a JWT with the installation secret, swap it for an access token, call the REST API.',
    vendor: options.vendor ?? { name: 'jwt-grant-lab', url: options.baseUrl },
    baseUrl: options.baseUrl,
    authentication: { type: 'jwt' },
    lifecycle: { installed: '/installed', uninstalled: '/uninstalled' },
    scopes: [...(options.scopes ?? DEFAULT_SCOPES)],
    contexts: ['account'],
    modules: {
      repoPages: [
        {
          key: 'jwt-grant',
          name: { value: 'JWT Authorization Grant' },
          url: '/oauth-callback?repoUuid={repository.uuid}',
          location: 'org.bitbucket.repository.navigation',
          params: { auiIcon: 'aui-iconfont-unlock' },
        },
      ],
    },
  };
  return validateDescriptor(descriptor, { live: false });
}
