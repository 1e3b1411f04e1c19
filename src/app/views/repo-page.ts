import type { JwtClaims } from '../../jwt/verify.ts';
import type { AccessToken } from '../../oauth/exchange.ts';
import { redactJwt, redactSecret } from '../../redact.ts';
import type { RecordedRequest } from '../request-recorder.ts';
import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';

/**
 * The repository fields the page shows, as far as the API returned them.
 *
 * @example const repository = await client.get<RepositoryView>(`/2.0/repositories/${ws}/${repo}`)
 */
export interface RepositoryView {
  uuid?: unknown;
  name?: unknown;
  full_name?: unknown;
  is_private?: unknown;
  mainbranch?: { name?: unknown } | null;
  links?: { html?: { href?: unknown }; clone?: Array<{ name?: unknown; href?: unknown }> };
}

/**
 * One token the page obtained, with the requests made for it during this page load.
 *
 * @example const step: TokenStep = { label: 'The installation token', restriction: 'none', requests, result: { token } }
 */
export interface TokenStep {
  /** What the token is for: "the installation", "this repository only". */
  label: string;
  /** What was asked for: the restriction sent with the grant. */
  restriction: string;
  requests: RecordedRequest[];
  /** The token, or the error that prevented it (shown on the page, with what came before). */
  result: { token: AccessToken } | { error: { code: string; message: string; lesson?: number | undefined } };
}

/**
 * Everything the "JWT Authorization Grant" page shows, step by step.
 *
 * @example renderRepoPage({ token, claims, clientKey, repoUuid, workspace, grant, api: { requests, repository }, now: Date.now() })
 */
export interface RepoPageView {
  /** The iframe JWT as received: shown with its signature redacted. */
  token: string;
  claims: JwtClaims;
  clientKey: string;
  repoUuid: string;
  workspace: string;
  /** The JWT grant for a token restricted to this repository: the token, or Bitbucket's refusal. */
  grant: TokenStep;
  /** The REST call made with that token, and what it returned; absent when the grant failed. */
  api?: { requests: RecordedRequest[]; repository: RepositoryView };
  now: number;
  /** Scripts the page loads: Bitbucket's `all.js` when framed by real Bitbucket. */
  scripts?: string[];
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath?: string;
}

/**
 * Unix seconds as ISO time plus "in 59 min" / "3 min ago", relative to `nowMs`.
 *
 * @example readableTime(1735693200, Date.UTC(2025, 0, 1)) // '2025-01-01T01:00:00.000Z (in 60 min)'
 */
export function readableTime(seconds: unknown, nowMs: number): string {
  const date = new Date(typeof seconds === 'number' ? seconds * 1000 : Number.NaN);
  // Beyond what a Date holds (a claim or expires_in of 1e300): shown as it is, not a RangeError (500).
  if (Number.isNaN(date.getTime())) return String(seconds);
  const iso = date.toISOString();
  const deltaMin = Math.round((date.getTime() - nowMs) / 60_000);
  const relative = deltaMin === 0 ? 'now' : deltaMin > 0 ? `in ${deltaMin} min` : `${-deltaMin} min ago`;
  return `${iso} (${relative})`;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '—';
}

/** A link only for http(s) URLs: an API value must never become a `javascript:` link. */
function link(href: unknown): SafeHtml {
  if (typeof href !== 'string' || !/^https?:\/\//i.test(href)) return html`${text(href)}`;
  return html`<a href="${href}" target="_blank" rel="noopener noreferrer">${href}</a>`;
}

function claimRows(claims: JwtClaims, now: number): SafeHtml {
  const timeClaims = new Set(['iat', 'exp', 'nbf']);
  return html`<table>${Object.entries(claims).map(
    ([name, value]) =>
      html`<tr><th><code>${name}</code></th><td><code>${timeClaims.has(name) ? `${String(value)} = ${readableTime(value, now)}` : JSON.stringify(value)}</code></td></tr>`,
  )}</table>`;
}

function requestBlock(request: RecordedRequest): SafeHtml {
  const lines = [
    `${request.method} ${request.url}`,
    ...request.headers.map(([name, value]) => `${name}: ${value}`),
    ...(request.body === undefined ? [] : ['', request.body]),
  ];
  return html`<pre>${lines.join('\n')}</pre>
<p>Answer: ${request.status === undefined ? 'none (the request failed)' : html`HTTP <strong>${request.status}</strong>`}</p>`;
}

function requestsBlock(requests: RecordedRequest[], whenNone: string): SafeHtml {
  if (requests.length === 0) return html`<p class="muted">${whenNone}</p>`;
  return html`${requests.map(requestBlock)}`;
}

function tokenStep(step: TokenStep, now: number, basePath: string): SafeHtml {
  const outcome =
    'token' in step.result
      ? html`<table>
<tr><th>access_token</th><td><code>${redactSecret(step.result.token.accessToken)}</code> (redacted)</td></tr>
<tr><th>token_type</th><td><code>${step.result.token.tokenType}</code></td></tr>
<tr><th>scopes</th><td><code>${step.result.token.scopes.join(' ') || '(none listed)'}</code></td></tr>
<tr><th>expires</th><td>${readableTime(step.result.token.expiresAt / 1000, now)}</td></tr>
</table>`
      : html`<div class="error"><p><code>${step.result.error.code}</code></p><p>${step.result.error.message}</p>${
          step.result.error.lesson === undefined
            ? ''
            : html`<p>Read more: <a href="${basePath}/lessons/${step.result.error.lesson}">lesson ${step.result.error.lesson}</a>.</p>`
        }</div>`;
  return html`<h3>${step.label}</h3>
<p>Restriction: <code>${step.restriction}</code></p>
${requestsBlock(step.requests, 'No request during this page load: the token came from the token cache (a token lives an hour or more; the app exchanges a new JWT only near its expiry).')}
${outcome}`;
}

/** Sections 3 and 4: the REST call and the repository, or why there was none. */
function apiSections(view: RepoPageView): SafeHtml {
  if (!view.api) {
    return html`<h2>3. No REST call</h2>
<div class="error"><p>Without a token restricted to this repository, the app stops here. It does <strong>not</strong> fall back to
the installation's unrestricted token: a page that quietly widened its own access whenever the narrow token failed would hide
the failure, and hold more than it needs (lesson 5). Fix what Bitbucket's answer above says, then reload.</p></div>`;
  }
  const repo = view.api.repository;
  const clone = Array.isArray(repo.links?.clone) ? repo.links.clone : [];
  return html`<h2>3. The REST API, with the restricted token</h2>
<p>The call carries <code>Authorization: Bearer</code> with the token restricted to this repository: it can read this
repository and nothing else of the workspace.</p>
${requestsBlock(view.api.requests, 'No request recorded.')}

<h2>4. The repository</h2>
<table>
<tr><th>name</th><td>${text(repo.name)}</td></tr>
<tr><th>full_name</th><td>${text(repo.full_name)}</td></tr>
<tr><th>uuid</th><td><code>${text(repo.uuid)}</code></td></tr>
<tr><th>private</th><td>${text(repo.is_private)}</td></tr>
<tr><th>mainbranch</th><td>${text(repo.mainbranch?.name)}</td></tr>
<tr><th>links.html</th><td>${link(repo.links?.html?.href)}</td></tr>
${clone.map((c) => html`<tr><th>clone (${text(c.name)})</th><td><code>${text(c.href)}</code></td></tr>`)}
</table>
<p class="muted">Lesson 5 explains the API call and pagination.</p>`;
}

/**
 * The "JWT Authorization Grant" repository page: the verified iframe JWT, the JWT grant for a
 * token restricted to this repository (requests as sent, secrets redacted, and the token obtained
 * or Bitbucket's refusal), the REST call made with that token and the repository it returned.
 *
 * @example res.type('html').send(renderRepoPage(view))
 */
export function renderRepoPage(view: RepoPageView): string {
  const body = html`
<p>What this page did, when Bitbucket loaded it in the repository's navigation.</p>

<h2>1. Bitbucket's JWT, verified</h2>
<p>Bitbucket put a JWT in this page's URL (<code>?jwt=…</code>), signed with the installation's shared secret.
The app found the installation by <code>iss</code> (the clientKey), checked the HS256 signature, the times, and the
query string hash of this very URL. Lesson 6 explains each check.</p>
<pre>${redactJwt(view.token)}</pre>
${claimRows(view.claims, view.now)}
<p>Installation: <code>${view.clientKey}</code><br>Workspace (principal): <code>${view.workspace}</code><br>
Repository: <code>${view.repoUuid}</code></p>

<h2>2. The JWT grant: a token for this repository only</h2>
<p>The app signs its own JWT (<code>iss</code> app key, <code>sub</code> clientKey) and swaps it at the token endpoint
(<code>grant_type=urn:bitbucket:oauth2:jwt</code>), with <code>bitbucket_repository</code> set to this repository: the token
then works on this repository only, with no workspace-level permission. Lesson 4 explains the exchange.</p>
${tokenStep(view.grant, view.now, view.basePath ?? '')}

${apiSections(view)}`;
  return renderLayout({ title: 'JWT Authorization Grant', body, scripts: view.scripts ?? [] });
}
