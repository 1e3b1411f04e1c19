import { lessonName } from '../../errors.ts';
import type { ExplainedField } from '../../jwt/explain-claims.ts';
import type { Inspection } from '../../jwt/inspect.ts';
import { DIRECTION_NAMES } from '../../jwt/inspect-text.ts';
import { differenceWindow } from '../../text/first-difference.ts';
import { html, trustedHtml, type SafeHtml } from '../../text/html.ts';
import { renderLayout } from './layout.ts';

/**
 * The fields of the form that are shown again after an analysis. Neither the token (its signature
 * is a credential) nor the secret is ever among them.
 *
 * @example const form: InspectForm = { method: 'GET', url: '/oauth-callback?repoUuid=%7B1%7D' }
 */
export interface InspectForm {
  method?: string;
  url?: string;
  body?: string;
  baseUrl?: string;
}

/**
 * What the `/inspect` page shows: the form, and an inspection or a problem with the input.
 *
 * @example renderInspectPage({ basePath: '', form: {}, inspection })
 */
export interface InspectPageView {
  /** The path of BASE_URL, prefixed to the form's action and the links. */
  basePath: string;
  form: InspectForm;
  inspection?: Inspection;
  /** Why nothing could be inspected (an empty token, an unparseable URL). */
  problem?: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const VERDICTS = {
  valid: ['ok', '✓ Valid'],
  invalid: ['error', '✗ Invalid'],
  unverified: ['muted', '? Not verified'],
} as const;

const STYLE = trustedHtml(`<style>
form.inspect label { display: block; margin: .5rem 0; }
form.inspect textarea, form.inspect input[type=text], form.inspect input[type=password] { width: 100%; box-sizing: border-box; font: 13px/1.45 ui-monospace, Menlo, monospace; }
.finding-error { color: #de350b; } .finding-warning { color: #974f0c; } .finding-info { color: #0052cc; }
td.meaning { color: #6b778c; }
.inspect-results code { overflow-wrap: anywhere; }
.inspect-results th { white-space: nowrap; }
</style>`);

function fieldRows(fields: ExplainedField[]): SafeHtml {
  return html`<table>${fields.map(
    (field) => html`<tr><th><code>${field.name}</code></th><td><code>${field.status === 'missing' ? '' : field.value}</code>${
      field.moment ? html` = ${field.moment.iso} (${field.moment.relative})` : ''
    }${field.status === 'ok' ? '' : html` <strong class="${field.status === 'extra' ? 'finding-warning' : 'finding-error'}">${field.status}</strong>`}</td><td class="meaning">${field.meaning}</td></tr>`,
  )}</table>`;
}

function qshSection(inspection: Inspection): SafeHtml {
  const { request, qsh } = inspection;
  const explanation = qsh.explanation;
  const status = {
    match: 'matches this request',
    accepted: 'accepted: a form the token endpoint takes (see the findings)',
    mismatch: 'does not match this request',
    missing: 'missing',
    'not-checked': 'not checked: no request given',
  }[qsh.status];
  const signer = explanation?.signer && differenceWindow(explanation.signer.canonical, explanation.canonical);
  return html`<h2>Request and qsh</h2>
${request ? html`<p><code>${request.method} ${request.url}</code>, base URL <code>${request.baseUrl ?? '(none)'}</code>${request.body ? html`, form body <code>${request.body}</code>` : ''}</p>` : ''}
${request?.assumed ? html`<p class="muted">${request.assumed}</p>` : ''}
<p>qsh: <strong>${status}</strong></p>
${explanation ? html`<pre>canonical request here  ${explanation.canonical}
its hash                ${explanation.qsh}
the token's qsh         ${qsh.received ?? ''}</pre>` : ''}
${signer ? html`<p>The token's qsh is the hash of what the signer built:</p>
<pre>signer hashed  ${signer.a}
should be      ${signer.b}
               ${signer.caret} first difference, character ${signer.index + 1}</pre>` : ''}`;
}

function results(inspection: Inspection, basePath: string): SafeHtml {
  const [verdictClass, verdictText] = VERDICTS[inspection.verdict];
  const { signature } = inspection;
  const secret = signature.secret ? html` with ${signature.secret.label} (secret <code>${signature.secret.redacted}</code>)` : '';
  return html`<div class="inspect-results"><h2 class="${verdictClass}">${verdictText}</h2>
<p>${inspection.summary}</p>
<p>Token <code>${inspection.token.redacted}</code> (${inspection.token.length} characters, signature redacted)</p>
<p>Direction: <strong>${DIRECTION_NAMES[inspection.direction.direction]}</strong>: ${inspection.direction.reason}</p>
${inspection.findings.length > 0 ? html`<h2>Findings</h2><ul>${inspection.findings.map(
    (f) => html`<li class="finding-${f.severity}"><strong>${f.code}</strong> ${f.message}${f.lesson ? html` <a href="${basePath}/lessons/${f.lesson}">${lessonName(f.lesson)}</a>` : ''}</li>`,
  )}</ul>` : ''}
${inspection.header.length > 0 ? html`<h2>Header</h2>${fieldRows(inspection.header)}` : ''}
${inspection.claims.length > 0 ? html`<h2>Claims</h2>${fieldRows(inspection.claims)}` : ''}
${qshSection(inspection)}
<h2>Signature</h2>
<p>${{ valid: html`<span class="ok">✓ valid</span>${secret}`, invalid: html`<span class="error">✗ does not verify</span>${secret}`, 'not-checked': html`<span class="muted">not checked: no secret</span>` }[signature.status]}</p></div>`;
}

/**
 * The `/inspect` page: the form (method, URL, form body, base URL, an optional secret) and, after
 * a POST, what `inspectJwt` found. Every value is escaped; the token and the secret are never
 * put back in the form.
 *
 * @example res.type('html').send(renderInspectPage({ basePath: '', form: { url: '/installed', method: 'POST' }, inspection }))
 */
export function renderInspectPage(view: InspectPageView): string {
  const { form, basePath } = view;
  const method = form.method ?? '';
  const body = html`${STYLE}
<p>Paste a Connect JWT to see its claims explained, its signature checked and its qsh recomputed for the request it came with;
on a mismatch, the signer's mistake is named. The same as <code>npm run inspect</code>. Nothing you send is stored; the token
and the secret are not shown again (paste them again to re-check).</p>
${view.problem ? html`<p class="error">${view.problem}</p>` : ''}
<form class="inspect" method="post" action="${basePath}/inspect">
<label>Token (or <code>Authorization: JWT …</code>, or a page URL with <code>?jwt=…</code>)
<textarea name="token" rows="4" required spellcheck="false" autocomplete="off"></textarea></label>
<label>Method <select name="method">
<option value=""${method === '' ? trustedHtml(' selected') : ''}>GET (POST for the token endpoint, assumed without a URL)</option>
${METHODS.map((m) => html`<option${method === m ? trustedHtml(' selected') : ''}>${m}</option>`)}
</select></label>
<label>URL of the request <input type="text" name="url" value="${form.url ?? ''}" placeholder="https://api.bitbucket.org/2.0/repositories/… or /installed" spellcheck="false"></label>
<label>Its form body, if any <input type="text" name="body" value="${form.body ?? ''}" placeholder="grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt" spellcheck="false"></label>
<label>Base URL <input type="text" name="baseUrl" value="${form.baseUrl ?? ''}" placeholder="default: BASE_URL for Bitbucket's tokens, Bitbucket's origin for the app's" spellcheck="false"></label>
<label>Shared secret (optional: otherwise the stored installation's) <input type="password" name="sharedSecret" value="" autocomplete="off"></label>
<p><button type="submit">Inspect</button></p>
</form>
${view.inspection ? results(view.inspection, basePath) : ''}
<p><a href="${basePath}/">Home</a> · <a href="${basePath}/lessons/6">Lesson 6: verifying incoming JWTs</a> · <a href="${basePath}/lessons/3">Lesson 3: signing a JWT</a></p>`;
  return renderLayout({ title: 'Inspect a JWT', body });
}
