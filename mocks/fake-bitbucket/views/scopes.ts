/**
 * What each scope lets an app do, in the words of Bitbucket's consent screen (after its OAuth
 * scopes documentation), for the "Grant access" page.
 */
const DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  account: 'Read your account information and workspace membership',
  'account:write': 'Read and modify your account information',
  repository: 'Read your repositories',
  'repository:write': 'Read and modify your repositories',
  'repository:admin': 'Administer your repositories',
  'repository:delete': 'Delete your repositories',
  pullrequest: 'Read your repositories and their pull requests',
  'pullrequest:write': 'Read and modify your repositories and their pull requests',
  issue: "Read your repositories' issues",
  'issue:write': "Read and modify your repositories' issues",
  wiki: "Read and modify your repositories' wikis",
  webhook: "Read and modify your repositories' webhooks",
  snippet: 'Read your snippets',
  'snippet:write': 'Read and modify your snippets',
  email: 'Read your primary email address',
  project: "Read your workspace's projects and the repositories in them",
  'project:admin': "Read and modify your workspace's project settings",
  pipeline: 'Read your pipelines',
  'pipeline:write': 'Read and modify your pipelines',
  'pipeline:variable': "Read and modify your pipelines' variables",
  runner: "Read your workspaces' and repositories' runners",
  'runner:write': "Read and modify your workspaces' and repositories' runners",
});

/**
 * The consent-screen sentence for a scope (every scope of `KNOWN_SCOPES` has one).
 *
 * @example describeScope('repository') // 'Read your repositories'
 */
export function describeScope(scope: string): string {
  return DESCRIPTIONS[scope] ?? `"${scope}"`;
}
