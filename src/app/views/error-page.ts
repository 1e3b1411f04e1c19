import { html } from '../../text/html.ts';
import { renderLayout } from './layout.ts';

/**
 * What an error page shows: never a stack trace, only what the reader can act on.
 *
 * @example const view: ErrorView = { status: 404, code: 'ERR_NOT_FOUND', message: error.message }
 */
export interface ErrorView {
  status: number;
  code: string;
  message: string;
  /** The lesson whose notes explain the error, linked from the page. */
  lesson?: number | undefined;
  requestId?: string | undefined;
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath?: string;
}

/**
 * The HTML page for an error: status, stable code, the message (what is wrong and what to do),
 * a link to the lesson that explains it, and the request id to find the log line.
 *
 * @example
 * res.status(401).type('html').send(renderErrorPage({ status: 401, code: 'ERR_JWT_EXPIRED', message, lesson: 6 }))
 */
export function renderErrorPage(view: ErrorView): string {
  const base = view.basePath ?? '';
  const body = html`<div class="error">
<p><strong>HTTP ${view.status}</strong> · <code>${view.code}</code></p>
<p>${view.message}</p>
${view.lesson !== undefined ? html`<p>Read more: <a href="${base}/lessons/${view.lesson}">lesson ${view.lesson}</a>.</p>` : ''}
</div>
${view.requestId ? html`<p class="muted">Request id: <code>${view.requestId}</code></p>` : ''}
<p><a href="${base}/">Home</a></p>`;
  return renderLayout({ title: titleFor(view.status), body });
}

function titleFor(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 401) return 'Not authenticated';
  if (status >= 500) return 'Something failed';
  return 'Request refused';
}
