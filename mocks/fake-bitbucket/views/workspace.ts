import { SCENARIOS } from '../../../src/config.ts';
import { html, type SafeHtml } from '../../../src/text/html.ts';
import type { MockLogEntry } from '../../state.ts';
import { paths } from '../paths.ts';
import type { InstalledApp } from '../registry.ts';
import type { Site } from '../site.ts';
import { renderPage } from './layout.ts';

/** What the workspace overview shows. */
export interface OverviewView {
  site: Site;
  apps: InstalledApp[];
  scenario: string;
  /** The mock's latest requests (token endpoint and API), newest first. */
  activity: MockLogEntry[];
}

/**
 * The workspace sidebar, shared by the overview and the installed-apps page.
 *
 * @example workspaceSidebar(site, 'overview')
 */
export function workspaceSidebar(site: Site, current: 'overview' | 'apps' | 'install'): SafeHtml {
  const { workspace } = site;
  const item = (key: typeof current, href: string, label: string) =>
    html`<a href="${href}" class="${key === current ? 'current' : ''}">${label}</a>`;
  return html`<h2><span class="avatar">${workspace.name.slice(0, 1)}</span> ${workspace.name}</h2>
${item('overview', paths.overview, 'Repositories')}
<span class="item">Projects</span>
<span class="item">Pull requests</span>
<div class="section">Workspace settings</div>
${item('apps', paths.apps(workspace.slug), 'Installed apps')}
${item('install', paths.installForm, 'Install app from URL')}`;
}

function appsPanel(site: Site, apps: InstalledApp[]): SafeHtml {
  if (apps.length === 0) {
    return html`<div class="message info">
<p><strong>No app installed yet.</strong> Install the lab's Connect app to see the JWT grant at work.</p>
<p><a class="button" href="${paths.installForm}">Install app from URL</a></p>
</div>`;
  }
  return html`<div class="card">
<p><strong>${apps.length === 1 ? '1 app' : `${apps.length} apps`} installed:</strong> ${apps.map(
    (app, i) => html`${i > 0 ? ', ' : ''}${app.descriptor.name} <code>${app.appKey}</code>`,
  )}.
Open a repository and find the app's pages in its sidebar.</p>
<p><a class="button subtle" href="${paths.apps(site.workspace.slug)}">Manage apps</a>
<a class="button subtle" href="${paths.installForm}">Install app from URL</a></p>
</div>`;
}

function repositoryRows(site: Site): SafeHtml {
  return html`${site.repositories.map(
    (repo) => html`<tr>
<td><a href="${paths.repository(site.workspace.slug, repo.slug)}"><strong>${repo.name}</strong></a><br><span class="muted">${repo.description}</span></td>
<td>${repo.project.name}</td>
<td>${repo.language || '—'}</td>
<td>${repo.is_private ? html`<span class="lozenge">private</span>` : html`<span class="lozenge green">public</span>`}</td>
<td class="muted">${repo.updated_on.slice(0, 10)}</td>
</tr>`,
  )}`;
}

function activityTable(activity: MockLogEntry[]): SafeHtml {
  if (activity.length === 0) {
    return html`<p class="muted">No call yet. Once an app exchanges a JWT or calls the API, its requests show here.</p>`;
  }
  return html`<table>
<tr><th>time</th><th>endpoint</th><th>status</th></tr>
${activity.map(
  (entry) => html`<tr>
<td class="muted">${new Date(entry.at).toISOString().slice(11, 19)}</td>
<td><code>${entry.endpoint}</code></td>
<td>${entry.status === null ? html`<span class="lozenge">aborted</span>` : html`<span class="lozenge ${entry.status < 400 ? 'green' : 'red'}">${entry.status}</span>`}</td>
</tr>`,
)}
</table>`;
}

function scenarioForm(current: string): SafeHtml {
  return html`<form method="post" action="${paths.scenario}">
<label for="scenario">Failure scenario of the token endpoint and the API</label>
<select id="scenario" name="scenario">${SCENARIOS.map(
    (name) => html`<option value="${name}"${name === current ? html` selected` : ''}>${name}</option>`,
  )}</select>
<button class="button subtle" type="submit">Apply</button>
<p class="muted">A one-time fault (429, 500, an expired token) is armed again each time you apply.</p>
</form>`;
}

/**
 * The workspace overview (`/`): installed apps, the 23 repositories, the mock's scenario switch
 * and its latest calls.
 *
 * @example res.type('html').send(renderOverview({ site, apps: registry.list(), scenario: 'happy', activity: [] }))
 */
export function renderOverview(view: OverviewView): string {
  const { site } = view;
  return renderPage({
    title: site.workspace.name,
    scenario: view.scenario,
    breadcrumbs: [{ label: site.workspace.name }],
    sidebar: workspaceSidebar(site, 'overview'),
    main: html`<h1>${site.workspace.name}</h1>
${appsPanel(site, view.apps)}
<h2>Repositories</h2>
<table>
<tr><th>name</th><th>project</th><th>language</th><th>access</th><th>last updated</th></tr>
${repositoryRows(site)}
</table>
<h2>Bitbucket's side of the JWT grant</h2>
<p class="muted">The latest calls to this fake's token endpoint (<code>/site/oauth2/access_token</code>) and REST API (<code>/2.0/…</code>), newest first.</p>
${activityTable(view.activity)}
<h2>Scenario</h2>
${scenarioForm(view.scenario)}`,
  });
}
