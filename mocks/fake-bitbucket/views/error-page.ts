import { html } from '../../../src/text/html.ts';
import { paths } from '../paths.ts';
import { renderPage } from './layout.ts';

/** What an error page shows: never a stack trace, never a secret (the caller redacts). */
export interface ErrorView {
  status: number;
  code: string;
  message: string;
  /** One line a problem (a descriptor's, say), each shown as a list item. */
  problems?: readonly string[];
  /** A block to show as it is (an app's answer), already redacted and cut short. */
  detail?: { label: string; text: string };
  lesson?: number;
  requestId: string;
  scenario: string;
}

const TITLES: Record<number, string> = {
  400: 'Something in the form is not right',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Changed meanwhile',
  413: 'Too large',
  422: "This app can't be installed",
  502: 'The app did not answer as expected',
};

/**
 * The page of every failed request: title, error code, the message (what is wrong and what to
 * do), the problems one by one, and the lesson that explains it.
 *
 * @example res.status(422).type('html').send(renderErrorPage({ status: 422, code, message, problems, requestId, scenario }))
 */
export function renderErrorPage(view: ErrorView): string {
  const title = TITLES[view.status] ?? (view.status >= 500 ? 'Something went wrong' : 'That did not work');
  return renderPage({
    title,
    scenario: view.scenario,
    main: html`<h1>${title}</h1>
<div class="message error">
<p><code>${view.code}</code> <span class="muted">HTTP ${view.status}</span></p>
<p style="white-space:pre-line">${view.problems && view.problems.length > 0 ? view.message.split('\n')[0] : view.message}</p>
${view.problems && view.problems.length > 0 ? html`<ul class="problems">${view.problems.map((problem) => html`<li>${problem}</li>`)}</ul>` : ''}
</div>
${view.detail ? html`<h2>${view.detail.label}</h2><pre>${view.detail.text}</pre>` : ''}
${view.lesson ? html`<p>Lesson ${view.lesson} explains this: <code>npm run lesson ${view.lesson}</code>, or <code>npm run notes ${view.lesson}</code>.</p>` : ''}
<p><a class="button subtle" href="${paths.overview}">Back to the workspace</a> <span class="muted">request id ${view.requestId}</span></p>`,
  });
}
