import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';

/**
 * A lesson as the landing page lists it.
 *
 * @example const lesson: HomeLesson = { number: 1, title: 'The app descriptor', completed: true }
 */
export interface HomeLesson {
  number: number;
  title: string;
  completed: boolean;
}

/**
 * What the landing page shows: nothing secret, only counts and public URLs.
 *
 * @example renderHome({ ...view, installations: (await store.list()).length })
 */
export interface HomeView {
  appKey: string;
  live: boolean;
  scenario: string;
  descriptorUrl: string;
  /** The install link (src/connect/install-link.ts): `descriptor_uri` and `redirect_uri`. */
  installUrl: string;
  installations: number;
  lessons: HomeLesson[];
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath: string;
  /** The flow diagram, HTML from src/notes/diagram.ts. */
  diagram: SafeHtml;
}

/**
 * The landing page: the lessons with progress, the flow diagram, the descriptor and install
 * URLs, and how many installations the store holds.
 *
 * @example res.type('html').send(renderHome(view))
 */
export function renderHome(view: HomeView): string {
  const done = view.lessons.filter((lesson) => lesson.completed).length;
  const body = html`
<p>A Connect app for Bitbucket Cloud, and the lessons that explain it: the app captures the
<code>installed</code> payload, signs a JWT with its shared secret, swaps it for an access token
(the JWT grant) and calls the REST API with it.</p>
<p>Mode: <strong>${view.live ? 'live (real Bitbucket)' : 'offline (the in-process Bitbucket mock)'}</strong>${view.live ? '' : html`, scenario <code>${view.scenario}</code>`}.</p>
<p class="muted">Since February 2, 2026, new Bitbucket Connect apps can no longer be registered or installed;
live mode serves apps registered before then, offline mode is how everyone else learns the flow.</p>

<h2>Lessons</h2>
${view.lessons.length === 0
    ? html`<p class="muted">No lessons listed in lessons/manifest.json.</p>`
    : html`<p>${done} of ${view.lessons.length} completed. Run one with <code>npm run lesson N</code>.</p>
<ol class="lessons">${view.lessons.map(
        (lesson) =>
          html`<li value="${lesson.number}"${lesson.completed ? html` class="done"` : ''}><a href="${view.basePath}/lessons/${lesson.number}">${lesson.title}</a>${lesson.completed ? html` <span class="ok">(done)</span>` : ''}</li>`,
      )}</ol>`}

<h2>The flow</h2>
${view.diagram}

<h2>This app</h2>
<table>
<tr><th>App key</th><td><code>${view.appKey}</code></td></tr>
<tr><th>Descriptor</th><td><a href="${view.descriptorUrl}">${view.descriptorUrl}</a></td></tr>
<tr><th>Install</th><td><a href="${view.installUrl}" target="_blank" rel="noopener noreferrer">${view.installUrl}</a><br>
<span class="muted">Bitbucket reads the descriptor, asks for a workspace and the scopes, then sends you back to
<code>/install-complete?client_key=…</code>, which says whether the installation arrived.</span></td></tr>
<tr><th>Installations stored</th><td>${view.installations}</td></tr>
<tr><th>Health</th><td><a href="${view.basePath}/healthcheck">/healthcheck</a></td></tr>
</table>`;
  return renderLayout({ title: 'jwt-grant-lab', body });
}
