import { html, type SafeHtml } from '../../../src/text/html.ts';
import { paths } from '../paths.ts';
import type { InstalledApp } from '../registry.ts';
import type { Site } from '../site.ts';
import { renderPage } from './layout.ts';
import { workspaceSidebar } from './workspace.ts';

/** The outcome of an uninstall, shown once on the page it redirects to. */
export interface UninstallNotice {
  appName: string;
  /** The app's HTTP status, or why it could not be told. */
  answer: { status: number } | { unreachable: string };
}

function notice(value: UninstallNotice | undefined): SafeHtml {
  if (!value) return html``;
  if ('status' in value.answer) {
    const ok = value.answer.status >= 200 && value.answer.status < 300;
    return html`<div class="message ${ok ? 'success' : 'warning'}"><p><strong>${value.appName}</strong> is uninstalled.
The app answered the <code>uninstalled</code> callback with HTTP ${value.answer.status}${ok ? '' : ': it may still hold the installation, but its tokens no longer work'}.</p></div>`;
  }
  return html`<div class="message warning"><p><strong>${value.appName}</strong> is uninstalled, but the app could not be told
(${value.answer.unreachable}). It still holds the installation; its tokens no longer work.</p></div>`;
}

function appCard(site: Site, app: InstalledApp): SafeHtml {
  return html`<div class="card">
<h2 style="margin-top:0">${app.descriptor.name} <span class="lozenge blue">installed</span></h2>
<table>
<tr><th>app key</th><td><code>${app.appKey}</code></td></tr>
<tr><th>clientKey</th><td><code>${app.clientKey}</code></td></tr>
<tr><th>scopes</th><td>${app.descriptor.scopes.map((scope) => html`<code>${scope}</code> `)}</td></tr>
<tr><th>descriptor</th><td><code>${app.descriptorUrl}</code></td></tr>
<tr><th>installed</th><td>${app.installedAt}</td></tr>
</table>
<form class="inline" method="post" action="${paths.uninstall(site.workspace.slug)}">
<input type="hidden" name="clientKey" value="${app.clientKey}">
<button class="button danger" type="submit">Uninstall</button>
</form>
</div>`;
}

/**
 * The workspace's installed apps, each with its Uninstall button.
 *
 * @example res.type('html').send(renderApps({ site, scenario, apps: registry.list(), notice: undefined }))
 */
export function renderApps(view: { site: Site; scenario: string; apps: InstalledApp[]; notice?: UninstallNotice }): string {
  const { site } = view;
  return renderPage({
    title: 'Installed apps',
    scenario: view.scenario,
    breadcrumbs: [{ label: site.workspace.name, href: paths.overview }, { label: 'Workspace settings' }, { label: 'Installed apps' }],
    sidebar: workspaceSidebar(site, 'apps'),
    main: html`<h1>Installed apps</h1>
${notice(view.notice)}
${view.apps.length === 0 ? html`<p class="muted">No app is installed in ${site.workspace.name}.</p>` : view.apps.map((app) => appCard(site, app))}
<p><a class="button" href="${paths.installForm}">Install app from URL</a></p>`,
  });
}
