import MarkdownIt from 'markdown-it';
import type { MarkdownIt as Parser, Token } from 'markdown-it';
import { CALLOUT_TITLES, calloutOf, calloutPlugin } from './callout.ts';
import { renderFlowDiagramHtml } from './diagram.ts';
import type { FlowArrow } from './diagram.ts';
import { highlightCode } from './highlight.ts';
import { NOTES_PAGE_CSS } from './page-style.ts';

/**
 * Lesson notes for the web: markdown to an HTML fragment, and the self-contained page the app
 * serves at `/lessons/:n`.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens. */
function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

function headingText(inline: Token | undefined): string {
  return (inline?.children ?? [])
    .filter((t) => t.type === 'text' || t.type === 'code_inline')
    .map((t) => t.content)
    .join('');
}

/** Gives every heading a unique `id`, per document, so sections can be linked to. */
function headingIdsPlugin(md: Parser): void {
  md.core.ruler.push('heading_ids', (state) => {
    const used = new Set<string>();
    state.tokens.forEach((token, index) => {
      if (token.type !== 'heading_open') return;
      const base = slugify(headingText(state.tokens[index + 1])) || 'section';
      let id = base;
      for (let n = 1; used.has(id); n++) id = `${base}-${n}`;
      used.add(id);
      token.attrSet('id', id);
    });
  });
  md.renderer.rules.heading_close = (tokens, index, options, _env, self) => {
    const id = tokens[index - 2]?.attrGet('id');
    const anchor = id ? `<a class="anchor" href="#${escapeHtml(String(id))}" aria-label="Link to this section">#</a>` : '';
    return anchor + self.renderToken(tokens, index, options);
  };
}

/** Callout blockquotes become `<div class="callout callout-KIND" role="note">` with a title line. */
function calloutHtmlPlugin(md: Parser): void {
  md.use(calloutPlugin);
  md.renderer.rules.blockquote_open = (tokens, index, options, env, self) => {
    const callout = calloutOf(tokens[index]!);
    if (!callout) return self.renderToken(tokens, index, options);
    const label = `<span class="callout-label">${escapeHtml(CALLOUT_TITLES[callout.kind])}</span>`;
    const title = callout.title.length > 0 ? ` ${md.renderer.renderInline(callout.title, options, env)}` : '';
    return `<div class="callout callout-${callout.kind}" role="note">\n<p class="callout-title">${label}${title}</p>\n`;
  };
  md.renderer.rules.blockquote_close = (tokens, index, options, _env, self) =>
    calloutOf(tokens[index]!) ? '</div>\n' : self.renderToken(tokens, index, options);
}

// Notes are trusted, but raw HTML stays off: a pasted payload must show, not run.
const md = new MarkdownIt({
  html: false,
  linkify: true,
  typographer: true,
  highlight: (code, language) => highlightCode(code, language) ?? '',
})
  .use(calloutHtmlPlugin)
  .use(headingIdsPlugin);

/**
 * Renders markdown (the lesson notes) to an HTML fragment: headings with `id`s, highlighted code
 * (`hljs-*` classes for bash, json, typescript, javascript, http), callouts as
 * `<div class="callout callout-note">`. Raw HTML in the markdown is escaped, not rendered.
 *
 * @example
 * renderMarkdownToHtml('## Claims\n\n> [!NOTE]\n> `sub` is the clientKey.')
 * // '<h2 id="claims">Claims<a class="anchor" ...>#</a></h2>\n<div class="callout callout-note" ...'
 */
export function renderMarkdownToHtml(markdown: string): string {
  return md.render(markdown);
}

/**
 * A link of the page's navigation.
 *
 * @example const index: NavLink = { href: '/lessons', title: 'All lessons' };
 */
export interface NavLink {
  href: string;
  title: string;
}

/**
 * What {@link renderNotesPage} needs.
 *
 * @example
 * const options: NotesPageOptions = { title: 'Lesson 2', markdown, nav: { index }, flow: LESSON_ARROWS[2] };
 */
export interface NotesPageOptions {
  /** The page title (plain text; escaped). */
  title: string;
  /** The notes, as markdown. */
  markdown: string;
  nav: { prev?: NavLink; next?: NavLink; index: NavLink };
  /** When set, the flow diagram with these steps marked opens the page. */
  flow?: FlowArrow | readonly FlowArrow[];
}

const SCHEME = /^([a-z][a-z\d+.-]*):/i;

/** Only relative, http(s) and mailto links; anything else (`javascript:`...) goes nowhere. */
function safeHref(href: string): string {
  // Browsers ignore tabs and newlines inside URLs and leading control characters.
  const normalized = href.replace(/[\t\n\r]/g, '').replace(/^[\x00-\x20]+/, '');
  const scheme = SCHEME.exec(normalized)?.[1]?.toLowerCase();
  return scheme === undefined || ['http', 'https', 'mailto'].includes(scheme) ? href : '#';
}

function navLink(link: NavLink | undefined, className: string, rel: string, text: (title: string) => string): string {
  if (!link) return `<span class="${className}"></span>`;
  const relAttribute = rel ? ` rel="${rel}"` : '';
  return `<a class="${className}"${relAttribute} href="${escapeHtml(safeHref(link.href))}">${text(escapeHtml(link.title))}</a>`;
}

function renderNav(nav: NotesPageOptions['nav'], label: string): string {
  return [
    `<nav class="lesson-nav" aria-label="${label}">`,
    navLink(nav.prev, 'prev', 'prev', (t) => `← ${t}`),
    navLink(nav.index, 'index', '', (t) => t),
    navLink(nav.next, 'next', 'next', (t) => `${t} →`),
    '</nav>',
  ].join('\n');
}

/**
 * A complete, self-contained HTML page for one lesson's notes: inline CSS (light and dark), no
 * scripts (a Content-Security-Policy forbids them), prev / index / next navigation above and below,
 * and with `flow` the flow diagram under the notes' title.
 *
 * @example
 * res.type('html').send(renderNotesPage({
 *   title: 'Lesson 4: the exchange',
 *   markdown: notes,
 *   nav: { prev: { href: '/lessons/3', title: 'Sign a JWT' }, index: { href: '/lessons', title: 'All lessons' } },
 *   flow: LESSON_ARROWS[4],
 * }));
 */
export function renderNotesPage(o: NotesPageOptions): string {
  const diagram =
    o.flow === undefined
      ? ''
      : `<figure class="flow">\n${renderFlowDiagramHtml({ highlight: o.flow })}\n<figcaption>Where this lesson sits in the flow</figcaption>\n</figure>\n`;
  const notes = renderMarkdownToHtml(o.markdown);
  // The diagram goes under the notes' own title when they open with one.
  const title = /^<h1[ >][\s\S]*?<\/h1>\n/.exec(notes)?.[0] ?? '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'">
<title>${escapeHtml(o.title)}</title>
<style>${NOTES_PAGE_CSS}</style>
</head>
<body>
${renderNav(o.nav, 'Lessons')}
<main>
<article class="notes">
${title}${diagram}${notes.slice(title.length)}</article>
</main>
${renderNav(o.nav, 'Lessons (bottom)')}
</body>
</html>
`;
}
