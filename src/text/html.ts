/**
 * HTML built by a tagged template that escapes every interpolated value, so a repository name, a
 * claim or an error message can never inject markup. Only values already marked safe (the output
 * of {@link html} itself, or {@link trustedHtml} for HTML rendered by our own renderers) pass
 * through as they are.
 */

const SAFE = Symbol('safe-html');

/**
 * A piece of HTML known to be safe to embed as it is.
 *
 * @example const cell: SafeHtml = html`<td>${value}</td>`
 */
export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for element content and quoted attribute values.
 *
 * @example escapeHtml('<b title="x">') // '&lt;b title=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * Marks HTML as safe without escaping it. Only for HTML our own renderers produced (the lesson
 * notes, the flow diagram), never for anything that came with a request.
 *
 * @example trustedHtml(renderFlowDiagramHtml())
 */
export function trustedHtml(value: string): SafeHtml {
  return { [SAFE]: true, value };
}

function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && SAFE in value;
}

/** One interpolated value: safe HTML as is, arrays joined, nothing for null/undefined/false. */
function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (isSafeHtml(value)) return value.value;
  return escapeHtml(String(value));
}

/**
 * The template tag: `html\`<p>${name}</p>\`` escapes `name`.
 *
 * @example
 * const item = (name: string) => html`<li>${name}</li>`
 * html`<ul>${names.map(item)}</ul>`.value
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return trustedHtml(out);
}
