import type { Installation } from '../../store/installation.ts';
import { html } from './html.ts';
import { renderLayout } from './layout.ts';

/**
 * Where an installation stands, in the words the install-complete page uses: whether it arrived,
 * and what to do next.
 *
 * @example const status: InstallStatus = installStatus(await store.get(clientKey))
 */
export interface InstallStatus {
  /** True when the app holds the installation and can act for it. */
  arrived: boolean;
  headline: string;
  detail: string;
  /** What the reader can do now, in order. */
  next: string[];
}

/**
 * The one place that turns what the store holds for a client key into the page's wording. Today
 * the store knows only "stored" or "not stored"; installation states (pending, active, uninstalled)
 * map here too, each with its own headline and advice.
 *
 * @example
 * installStatus(undefined).arrived // false: "Not arrived yet"
 * installStatus(await store.get(clientKey)).headline
 */
export function installStatus(installation: Installation | undefined): InstallStatus {
  if (installation) {
    return {
      arrived: true,
      headline: 'The installation arrived',
      detail: "Bitbucket's installed call reached this app, and the app stored the installation.",
      next: [
        'Open any repository of the workspace and click JWT Authorization Grant in its navigation.',
        'Run the lessons against it: LIVE=1 npm run lesson 3 (then 4, 5, 6, 7).',
      ],
    };
  }
  return {
    arrived: false,
    headline: 'Not arrived yet',
    detail:
      'The app holds no installation for this client key. Bitbucket POSTs the installed call to the app before it ' +
      'sends you here; it did not arrive, or the app refused it.',
    next: [
      'Check again in a few seconds.',
      "Look in the app's log for POST /installed: a 4xx line says why the app refused it (lesson 2).",
      'Make sure BASE_URL is the public https URL the descriptor was installed from, and that Bitbucket can reach it (lesson 1).',
    ],
  };
}

/**
 * What the install-complete page shows: the client key Bitbucket gave back and where that
 * installation stands. Nothing from the installation itself: the redirect carries no JWT, so
 * anyone can open this URL.
 *
 * @example renderInstallComplete({ clientKey, status: installStatus(installation), checkAgainUrl: req.originalUrl, basePath: '' })
 */
export interface InstallCompleteView {
  clientKey: string;
  status: InstallStatus;
  /** This page's own URL, for "check again". */
  checkAgainUrl: string;
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath: string;
}

/**
 * The page Bitbucket's install link redirects to (`redirect_uri`): did the installation arrive?
 *
 * @example res.type('html').send(renderInstallComplete(view))
 */
export function renderInstallComplete(view: InstallCompleteView): string {
  const { status } = view;
  const body = html`
<p>Bitbucket sent you back here after the install, with the installation's client key:</p>
<pre>${view.clientKey}</pre>
<h2 class="${status.arrived ? 'ok' : 'muted'}">${status.arrived ? '✓ ' : ''}${status.headline}</h2>
<p>${status.detail}</p>
<ol>${status.next.map((step) => html`<li>${step}</li>`)}</ol>
${status.arrived ? '' : html`<p><a href="${view.checkAgainUrl}">Check again</a></p>`}
<p><a href="${view.basePath}/">Home</a> · <a href="${view.basePath}/lessons/2">Lesson 2: capturing the installation</a></p>`;
  return renderLayout({ title: 'Install complete?', body });
}
