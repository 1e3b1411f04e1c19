import type { PageModule } from '../../../src/connect/descriptor.ts';
import { redactJwt } from '../../../src/redact.ts';
import { html, type SafeHtml } from '../../../src/text/html.ts';
import type { BitbucketRepository } from '../../fixtures/types.ts';
import { paths } from '../paths.ts';
import type { InstalledApp } from '../registry.ts';
import type { Site } from '../site.ts';
import { renderPage } from './layout.ts';

/** A repository page module of an installed app: one sidebar link. */
export interface RepoPageLink {
  app: InstalledApp;
  module: PageModule;
}

/**
 * Every `repoPages` module of the installed apps, in install order.
 *
 * @example repoPageLinks(registry.list()).map((l) => l.module.name.value) // ['JWT Authorization Grant']
 */
export function repoPageLinks(apps: InstalledApp[]): RepoPageLink[] {
  return apps.flatMap((app) => (app.descriptor.modules.repoPages ?? []).map((module) => ({ app, module })));
}

/** The `aui-iconfont-unlock` look, drawn inline: the page loads no icon font. */
const UNLOCK_ICON = html`<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor"/><path d="M5.5 7V4.8a2.5 2.5 0 0 1 4.9-.7" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>`;

function sidebar(site: Site, repo: BitbucketRepository, links: RepoPageLink[], current?: RepoPageLink): SafeHtml {
  const ws = site.workspace.slug;
  const isCurrent = (link: RepoPageLink) => current !== undefined && link.app.clientKey === current.app.clientKey && link.module.key === current.module.key;
  return html`<h2><span class="avatar" style="background:#00875A">${repo.name.slice(0, 1).toUpperCase()}</span> ${repo.name}</h2>
<a href="${paths.repository(ws, repo.slug)}" class="${current ? '' : 'current'}">Source</a>
<span class="item">Commits</span>
<span class="item">Branches</span>
<span class="item">Pull requests</span>
<span class="item">Pipelines</span>
<span class="item">Deployments</span>
<div class="section">Apps</div>
${
  links.length === 0
    ? html`<span class="item">No app pages. <a href="${paths.installForm}">Install an app</a></span>`
    : links.map(
        (link) =>
          html`<a href="${paths.addon(ws, repo.slug, link.app.appKey, link.module.key)}" class="${isCurrent(link) ? 'current' : ''}" title="${link.app.descriptor.name}">${UNLOCK_ICON} ${link.module.name.value}</a>`,
      )
}`;
}

function crumbs(site: Site, repo: BitbucketRepository, last?: string) {
  const ws = site.workspace;
  return [
    { label: ws.name, href: paths.overview },
    { label: repo.project.name },
    last ? { label: repo.name, href: paths.repository(ws.slug, repo.slug) } : { label: repo.name },
    ...(last ? [{ label: last }] : []),
  ];
}

/**
 * A repository's source page: summary, clone URL, and in the sidebar the page modules of every
 * installed app (the "JWT Authorization Grant" link).
 *
 * @example res.type('html').send(renderRepository({ site, repo, apps: registry.list(), scenario: 'happy' }))
 */
export function renderRepository(view: { site: Site; repo: BitbucketRepository; apps: InstalledApp[]; scenario: string }): string {
  const { site, repo } = view;
  const links = repoPageLinks(view.apps);
  const https = repo.links.clone.find((clone) => clone.name === 'https')?.href ?? '';
  return renderPage({
    title: repo.full_name,
    scenario: view.scenario,
    breadcrumbs: crumbs(site, repo),
    sidebar: sidebar(site, repo, links),
    main: html`<h1>${repo.name} ${repo.is_private ? html`<span class="lozenge">private</span>` : html`<span class="lozenge green">public</span>`}</h1>
<p>${repo.description || html`<span class="muted">No description.</span>`}</p>
<table>
<tr><th>full name</th><td><code>${repo.full_name}</code></td></tr>
<tr><th>UUID</th><td><code>${repo.uuid}</code></td></tr>
<tr><th>main branch</th><td><code>${repo.mainbranch.name}</code></td></tr>
<tr><th>language</th><td>${repo.language || '—'}</td></tr>
<tr><th>clone</th><td><code>git clone ${https}</code></td></tr>
</table>
${
  links.length === 0
    ? html`<div class="message info"><p>No app adds a page to repositories yet. <a href="${paths.installForm}">Install the lab's app</a>, then come back: its "JWT Authorization Grant" page shows in this sidebar.</p></div>`
    : html`<div class="message info"><p>Installed apps add ${links.length === 1 ? 'a page' : 'pages'} to this repository: ${links.map(
        (link, i) => html`${i > 0 ? ', ' : ''}<a href="${paths.addon(site.workspace.slug, repo.slug, link.app.appKey, link.module.key)}">${link.module.name.value}</a>`,
      )}, in the sidebar.</p></div>`
}`,
  });
}

/** What the app page (a repoPages module in its iframe) shows. */
export interface AddonView {
  site: Site;
  repo: BitbucketRepository;
  apps: InstalledApp[];
  link: RepoPageLink;
  /** The signed iframe URL (holds a JWT: only its redacted form is printed as text). */
  iframeUrl: string;
  scenario: string;
}

/**
 * A repository page module: the app's page in an `<iframe>` whose URL carries the context
 * parameters and a JWT signed with the installation's secret, as Bitbucket frames it.
 *
 * @example res.type('html').send(renderAddon({ site, repo, apps, link, iframeUrl, scenario }))
 */
export function renderAddon(view: AddonView): string {
  const { site, repo, link } = view;
  const jwtStart = view.iframeUrl.indexOf('jwt=');
  const shownUrl = jwtStart === -1 ? view.iframeUrl : `${view.iframeUrl.slice(0, jwtStart)}jwt=${redactJwt(decodeURIComponent(view.iframeUrl.slice(jwtStart + 4)))}`;
  return renderPage({
    title: `${link.module.name.value} · ${repo.full_name}`,
    scenario: view.scenario,
    breadcrumbs: crumbs(site, repo, link.module.name.value),
    sidebar: sidebar(site, repo, repoPageLinks(view.apps), link),
    main: html`<h1>${link.module.name.value}</h1>
<iframe class="addon-frame" title="${link.module.name.value} (${link.app.descriptor.name})" src="${view.iframeUrl}"></iframe>
<details>
<summary class="muted">How Bitbucket framed this page</summary>
<p>The iframe loads the module URL from the app's descriptor (<code>${link.module.url}</code>) on its <code>baseUrl</code>,
with the context parameters filled in and a JWT signed with the installation's shared secret
(<code>iss</code> = <code>aud</code> = the clientKey, a qsh over this URL without <code>jwt</code>). Lesson 6 shows how the app checks it.</p>
<pre>GET ${shownUrl}</pre>
<p class="muted">A blank frame means the app refused to be framed here: start it with <code>BITBUCKET_URL</code> set to this fake's address, which its
<code>Content-Security-Policy: frame-ancestors</code> must allow.</p>
</details>`,
  });
}
