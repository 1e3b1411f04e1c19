import type { Descriptor } from '../../../src/connect/descriptor.ts';
import { canonicalRequest } from '../../../src/jwt/qsh.ts';
import { redactSecret } from '../../../src/redact.ts';
import { html, type SafeHtml } from '../../../src/text/html.ts';
import type { InstalledPayload } from '../../fixtures/types.ts';
import type { DescriptorLocation } from '../descriptor-fetch.ts';
import { paths } from '../paths.ts';
import type { InstalledApp } from '../registry.ts';
import type { Site } from '../site.ts';
import { renderPage } from './layout.ts';
import { describeScope } from './scopes.ts';
import { workspaceSidebar } from './workspace.ts';

/**
 * The pages of "Install app from URL": the form, the consent page ("Grant access") and the
 * result, in the order Bitbucket shows them.
 */

/**
 * The "Install app from URL" form. It GETs the consent page with `descriptor_uri`, as
 * Bitbucket's own install link for private apps does.
 *
 * @param view.note Shown above the form (e.g. why an `addon_key` link landed here).
 * @example res.type('html').send(renderInstallForm({ site, scenario, defaultUrl: 'http://127.0.0.1:3000' }))
 */
export function renderInstallForm(view: { site: Site; scenario: string; defaultUrl: string; note?: string }): string {
  return renderPage({
    title: 'Install app from URL',
    scenario: view.scenario,
    breadcrumbs: [{ label: view.site.workspace.name, href: paths.overview }, { label: 'Workspace settings' }, { label: 'Install app from URL' }],
    sidebar: workspaceSidebar(view.site, 'install'),
    main: html`<h1>Install app from URL</h1>
${view.note ? html`<div class="message info"><p>${view.note}</p></div>` : ''}
<p>Bitbucket reads the app's descriptor (<code>atlassian-connect.json</code>) from this URL, shows you what the app asks for,
and once you grant access, POSTs the signed <code>installed</code> payload to the app (lesson 2).</p>
<form method="get" action="${paths.authorize}">
<label for="descriptor_uri">App URL</label>
<input id="descriptor_uri" name="descriptor_uri" type="url" required value="${view.defaultUrl}" size="48">
<button class="button" type="submit">Install</button>
<p class="muted">The app's base URL (<code>http://127.0.0.1:3000</code>) or its descriptor's URL (<code>…/atlassian-connect.json</code>).</p>
</form>`,
  });
}

/** What the consent page needs. */
export interface ConsentView {
  site: Site;
  scenario: string;
  descriptor: Descriptor;
  location: DescriptorLocation;
  /** Hex SHA-256 of the descriptor shown: "Grant access" installs only that descriptor. */
  sha256: string;
  /** The installed app with this key, when there is one (granting again updates it). */
  installed: InstalledApp | undefined;
  /** The install link's `redirect_uri` (checked): where the browser goes after the install. */
  redirectUri?: string;
}

function moduleList(descriptor: Descriptor): SafeHtml {
  const pages = descriptor.modules.repoPages ?? [];
  const others = Object.entries(descriptor.modules)
    .filter(([kind]) => kind !== 'repoPages')
    .map(([kind, value]) => `${kind} (${Array.isArray(value) ? value.length : 1})`);
  if (pages.length === 0 && others.length === 0) return html`<p class="muted">No modules: the app adds nothing to Bitbucket's pages.</p>`;
  return html`<ul>
${pages.map((page) => html`<li>Repository page <strong>${page.name.value}</strong>, in every repository's sidebar (<code>${page.url}</code>)</li>`)}
${others.map((other) => html`<li><code>${other}</code></li>`)}
</ul>`;
}

/**
 * The consent page: who the app is, what it may do (its scopes), what it adds, and the
 * "Grant access" button that installs exactly this descriptor.
 *
 * @example res.type('html').send(renderConsent({ site, scenario, descriptor, location, sha256, installed: undefined }))
 */
export function renderConsent(view: ConsentView): string {
  const { site, descriptor, location } = view;
  const differentBase = descriptor.baseUrl !== location.appUrl;
  return renderPage({
    title: `Grant access to ${descriptor.name}`,
    scenario: view.scenario,
    breadcrumbs: [{ label: site.workspace.name, href: paths.overview }, { label: 'Install app from URL', href: paths.installForm }, { label: descriptor.name }],
    sidebar: workspaceSidebar(site, 'install'),
    main: html`<h1>${descriptor.name} wants access to ${site.workspace.name}</h1>
<div class="card">
<p>${descriptor.description}</p>
<table>
<tr><th>app key</th><td><code>${descriptor.key}</code></td></tr>
${descriptor.vendor ? html`<tr><th>vendor</th><td>${descriptor.vendor.name}</td></tr>` : ''}
<tr><th>descriptor</th><td><code>${location.descriptorUrl}</code></td></tr>
<tr><th>baseUrl</th><td><code>${descriptor.baseUrl}</code></td></tr>
<tr><th>installed by</th><td>${site.admin.display_name} (workspace admin)</td></tr>
</table>
</div>
${
  view.installed
    ? html`<div class="message warning"><p><strong>Already installed.</strong> Granting again updates the installation:
Bitbucket POSTs <code>installed</code> again with the same clientKey, signed with the secret of the preceding install, and the app
answers it as a re-install. Tick "new secret" below to send a new sharedSecret in it (a rotation).</p></div>`
    : ''
}
${
  differentBase
    ? html`<div class="message info"><p>The descriptor's <code>baseUrl</code> is <code>${descriptor.baseUrl}</code>. Bitbucket would send the lifecycle
calls there; this fake sends them to <code>${location.appUrl}</code>, where it fetched the descriptor. The JWT's qsh is the same either way,
and the iframes load from <code>baseUrl</code>, as in Bitbucket.</p></div>`
    : ''
}
<h2>This app will be able to</h2>
<ul class="scopes">
${descriptor.scopes.length === 0 ? html`<li class="muted">Nothing: the app asks for no scope, so its access tokens can call no endpoint.</li>` : ''}
${descriptor.scopes.map((scope) => html`<li>${describeScope(scope)} <code>${scope}</code></li>`)}
</ul>
<h2>It adds</h2>
${moduleList(descriptor)}
<form method="post" action="${paths.authorize}">
<input type="hidden" name="descriptor_uri" value="${location.descriptorUrl}">
<input type="hidden" name="descriptor_sha256" value="${view.sha256}">
${view.redirectUri ? html`<input type="hidden" name="redirect_uri" value="${view.redirectUri}">` : ''}
${view.installed ? html`<p><label><input type="checkbox" name="rotate" value="on"> Issue a new sharedSecret (rotation)</label></p>` : ''}
<button class="button" type="submit">Grant access</button>
<a class="button subtle" href="${paths.overview}">Cancel</a>
</form>`,
  });
}

/** What the install result page needs. */
export interface InstalledView {
  site: Site;
  scenario: string;
  app: InstalledApp;
  /** The URL the installed callback was POSTed to. */
  callbackUrl: string;
  /** The app's HTTP status. */
  status: number;
  /** True when the app was installed before (this was an update). */
  updated: boolean;
  /** True when the call carried a JWT signed with the preceding install's secret (false: a first install). */
  signed: boolean;
  /** True when the update brought a new sharedSecret. */
  rotated: boolean;
}

/** The payload as shown: everything but the secret, which is redacted. */
function shownPayload(payload: InstalledPayload): string {
  const { sharedSecret, ...rest } = payload;
  return JSON.stringify({ ...rest, sharedSecret: sharedSecret === undefined ? undefined : `${redactSecret(sharedSecret)} (redacted)` }, null, 2);
}

/**
 * The page after "Grant access" succeeded: the app's answer, the request Bitbucket sent (secret
 * redacted) and where to go next.
 *
 * @example res.type('html').send(renderInstalled({ site, scenario, app, callbackUrl, status: 204, updated: false }))
 */
export function renderInstalled(view: InstalledView): string {
  const { site, app } = view;
  const pages = app.descriptor.modules.repoPages ?? [];
  const repo = site.repositories[0];
  return renderPage({
    title: `${app.descriptor.name} installed`,
    scenario: view.scenario,
    breadcrumbs: [{ label: site.workspace.name, href: paths.overview }, { label: 'Installed apps', href: paths.apps(site.workspace.slug) }, { label: app.descriptor.name }],
    sidebar: workspaceSidebar(site, 'apps'),
    main: html`<h1>${app.descriptor.name} ${view.updated ? 'updated' : 'installed'}</h1>
<div class="message success"><p><strong>${app.descriptor.name}</strong> is installed in ${site.workspace.name}.
The app answered the <code>installed</code> callback with <strong>HTTP ${view.status}</strong>.</p></div>
${
  repo && pages[0]
    ? html`<p><a class="button" href="${paths.repository(site.workspace.slug, repo.slug)}">Open ${repo.full_name}</a>
then click <strong>${pages[0].name.value}</strong> in its sidebar.</p>`
    : ''
}
${view.rotated ? html`<p>The payload carried a <strong>new sharedSecret</strong>: the app replaced the stored one, because the call was signed with the old one.</p>` : ''}
<h2>What Bitbucket sent the app</h2>
<pre>POST ${view.callbackUrl}
Content-Type: application/json
${
  view.signed
    ? html`Authorization: JWT &lt;HS256 with the secret of the preceding install: iss = aud = clientKey, qsh of ${canonicalRequest('POST', `${app.descriptor.baseUrl}${app.descriptor.lifecycle.installed}`, app.descriptor.baseUrl)}&gt;`
    : html`(no Authorization header: a first install is not signed, there is no preceding secret)`
}

${shownPayload(app.payload)}</pre>
<p class="muted">The app keeps <code>clientKey</code> and <code>sharedSecret</code>: with them it signs the JWT it swaps for an access token (lessons 3 and 4).
${view.signed ? '' : html`A first install can come from anyone, so the app proves it with one such exchange before it uses it (lesson 2).`}</p>`,
  });
}
