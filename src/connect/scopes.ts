/**
 * The scope names a Connect descriptor may declare (docs/protocol.md, section 7). Bitbucket rejects the
 * whole descriptor, and so the install, when one scope is unknown.
 *
 * @example KNOWN_SCOPES.includes('repository') // true
 */
export const KNOWN_SCOPES: readonly string[] = Object.freeze([
  'account',
  'account:write',
  'repository',
  'repository:write',
  'repository:admin',
  'repository:delete',
  'pullrequest',
  'pullrequest:write',
  'issue',
  'issue:write',
  'wiki',
  'webhook',
  'snippet',
  'snippet:write',
  'email',
  'project',
  'project:admin',
  'pipeline',
  'pipeline:write',
  'pipeline:variable',
  'runner',
  'runner:write',
]);

/**
 * The scopes Bitbucket grants an app for its descriptor's `scopes`: the list as declared, or, for
 * a descriptor that names none, **every** scope (docs/protocol.md sections 7 and 8, [K]
 * developer.atlassian.com/cloud/bitbucket/bitbucket-cloud-rest-api-scopes).
 *
 * @example
 * grantedScopes(['account', 'repository']) // ['account', 'repository']
 * grantedScopes(undefined).length          // KNOWN_SCOPES.length
 */
export function grantedScopes(declared: readonly string[] | undefined): string[] {
  return [...(declared ?? KNOWN_SCOPES)];
}

/** Levenshtein distance, small strings only (scope names), so the plain O(n·m) table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** `read:repository:bitbucket`-style names, which API tokens use and Connect descriptors do not. */
const API_TOKEN_SCOPE = /^(read|write|admin|delete):([a-z-]+):bitbucket$/;

/**
 * The known scope a mistyped one most likely meant, or `undefined` when none is close.
 *
 * Handles typos (`repositories`, `Repository`, `pull_request`), prefixes (`repo`) and the newer
 * API-token names (`write:repository:bitbucket` → `repository:write`), which look right in
 * Atlassian's current docs but are not valid in a Connect descriptor.
 *
 * @example
 * suggestScope('repositories') // 'repository'
 * suggestScope('read:pullrequest:bitbucket') // 'pullrequest'
 * suggestScope('banana') // undefined
 */
export function suggestScope(unknown: string): string | undefined {
  const name = unknown.trim().toLowerCase().replaceAll('_', '');
  const apiToken = API_TOKEN_SCOPE.exec(name);
  if (apiToken) {
    const [, access, resource] = apiToken;
    const candidate = access === 'read' ? `${resource}` : `${resource}:${access}`;
    if (KNOWN_SCOPES.includes(candidate)) return candidate;
  }
  if (KNOWN_SCOPES.includes(name)) return name;
  if (name.length >= 3) {
    const extended = KNOWN_SCOPES.find((scope) => scope.startsWith(name));
    if (extended) return extended;
  }
  let best: { scope: string; distance: number } | undefined;
  for (const scope of KNOWN_SCOPES) {
    const distance = editDistance(name, scope);
    if (!best || distance < best.distance) best = { scope, distance };
  }
  // A third of the name may be wrong: `repositories` (3 edits from `repository`) still matches.
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.scope : undefined;
}

/**
 * Which scope a context parameter needs for Bitbucket to fill it in: without it, a module URL
 * such as `/page?repo={repository.uuid}` reaches the app with the placeholder left empty.
 * Source: developer.atlassian.com/cloud/bitbucket/connect-context-access/.
 */
const CONTEXT_PARAMETER_SCOPES: ReadonlyMap<string, string> = new Map([
  ['user', 'account'],
  ['target_user', 'account'],
  ['workspace', 'account'],
  ['principal', 'account'],
  ['repository', 'repository'],
  ['branch', 'repository'],
  ['commit', 'repository'],
  ['file', 'repository'],
  ['directory', 'repository'],
  ['pullrequest', 'pullrequest'],
  ['snippet', 'snippet'],
  ['issue', 'issue'],
]);

/**
 * Scopes that grant a read scope too. Deliberately generous (any scope of the same family, and
 * the pull request and project scopes for repositories): a false alarm would block a descriptor
 * that works, a missed one only leaves a placeholder empty.
 */
function grants(declared: string, required: string): boolean {
  const family = declared.split(':')[0] ?? declared;
  if (family === required) return true;
  return required === 'repository' && (family === 'pullrequest' || family === 'project');
}

/**
 * The scope a URL's context parameters need that `scopes` does not grant, one entry a parameter.
 *
 * @example
 * missingContextScopes('/page?repoUuid={repository.uuid}', ['account'])
 * // [{ parameter: 'repository.uuid', scope: 'repository' }]
 */
export function missingContextScopes(
  url: string,
  scopes: readonly string[],
): { parameter: string; scope: string }[] {
  const missing: { parameter: string; scope: string }[] = [];
  for (const [, parameter = ''] of url.matchAll(/\{([^{}]+)\}/g)) {
    const root = parameter.split('.')[0] ?? parameter;
    const scope = CONTEXT_PARAMETER_SCOPES.get(root);
    if (scope && !scopes.some((declared) => grants(declared, scope))) missing.push({ parameter, scope });
  }
  return missing;
}
