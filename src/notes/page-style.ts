/**
 * The stylesheet of the web notes page, inlined so the page needs nothing else: readable type,
 * callouts, tables, the flow diagram, and a small highlight.js theme, light and dark.
 *
 * @example const page = `<style>${NOTES_PAGE_CSS}</style>`;
 */
export const NOTES_PAGE_CSS = `
:root {
  color-scheme: light dark;
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --subtle: #f6f8fa; --border: #d1d9e0;
  --link: #0969da; --here: #9a6700; --here-bg: #fff8c5;
  --note: #0969da; --tip: #1a7f37; --important: #8250df; --warning: #9a6700; --caution: #d1242f;
  --hl-keyword: #cf222e; --hl-string: #0a3069; --hl-number: #0550ae; --hl-title: #8250df;
  --hl-attr: #953800; --hl-comment: #59636e; --hl-meta: #116329;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --subtle: #151b23; --border: #3d444d;
    --link: #4493f8; --here: #d29922; --here-bg: #2e2a1a;
    --note: #4493f8; --tip: #3fb950; --important: #ab7df8; --warning: #d29922; --caution: #f85149;
    --hl-keyword: #ff7b72; --hl-string: #a5d6ff; --hl-number: #79c0ff; --hl-title: #d2a8ff;
    --hl-attr: #ffa657; --hl-comment: #9198a1; --hl-meta: #7ee787;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 17px/1.65 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main, .lesson-nav { max-width: 46rem; margin: 0 auto; padding: 0 1.25rem; }
main { padding-bottom: 2rem; }
a { color: var(--link); text-underline-offset: 0.15em; }
h1, h2, h3, h4 { line-height: 1.25; margin: 2rem 0 0.75rem; scroll-margin-top: 1rem; }
h1 { font-size: 2rem; margin-top: 1rem; }
h2 { font-size: 1.45rem; padding-bottom: 0.3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.15rem; }
.anchor { margin-left: 0.4rem; color: var(--muted); text-decoration: none; opacity: 0; }
h1:hover .anchor, h2:hover .anchor, h3:hover .anchor, h4:hover .anchor, .anchor:focus { opacity: 1; }
p, ul, ol, table, pre, .callout, figure { margin: 0 0 1rem; }
li + li { margin-top: 0.25rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
:not(pre) > code { padding: 0.15em 0.35em; border-radius: 6px; background: var(--subtle); border: 1px solid var(--border); }
pre { padding: 0.9rem 1rem; overflow-x: auto; line-height: 1.5; border-radius: 8px; background: var(--subtle); border: 1px solid var(--border); }
blockquote { margin: 0 0 1rem; padding: 0 1rem; color: var(--muted); border-left: 0.25rem solid var(--border); }
.callout { padding: 0.6rem 1rem; border-left: 0.25rem solid var(--callout); border-radius: 0 8px 8px 0; background: var(--subtle); }
.callout > :last-child { margin-bottom: 0; }
.callout-title { margin-bottom: 0.35rem; font-weight: 600; }
.callout-label { color: var(--callout); }
.callout-note { --callout: var(--note); }
.callout-tip { --callout: var(--tip); }
.callout-important { --callout: var(--important); }
.callout-warning { --callout: var(--warning); }
.callout-caution { --callout: var(--caution); }
table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; }
th, td { padding: 0.4rem 0.75rem; border: 1px solid var(--border); vertical-align: top; }
th { background: var(--subtle); }
hr { height: 1px; margin: 2rem 0; border: 0; background: var(--border); }
img { max-width: 100%; }
figure.flow { margin: 1.5rem 0; }
figure.flow figcaption { color: var(--muted); font-size: 0.9rem; }
.flow-diagram { font-size: 0.78rem; line-height: 1.35; }
.flow-here { color: var(--here); background: var(--here-bg); }
.lesson-nav { display: flex; justify-content: space-between; gap: 1rem; padding-top: 1rem; padding-bottom: 1rem; font-size: 0.95rem; }
.lesson-nav > * { flex: 1; }
.lesson-nav .index { text-align: center; }
.lesson-nav .next { text-align: right; }
.lesson-nav a { text-decoration: none; }
.lesson-nav a:hover { text-decoration: underline; }
.hljs-keyword, .hljs-selector-tag, .hljs-literal, .hljs-doctag { color: var(--hl-keyword); }
.hljs-string, .hljs-regexp, .hljs-template-tag { color: var(--hl-string); }
.hljs-number, .hljs-variable, .hljs-template-variable, .hljs-built_in { color: var(--hl-number); }
.hljs-title, .hljs-section, .hljs-title.function_ { color: var(--hl-title); }
.hljs-attr, .hljs-attribute, .hljs-property, .hljs-params, .hljs-type { color: var(--hl-attr); }
.hljs-comment, .hljs-quote, .hljs-punctuation { color: var(--hl-comment); }
.hljs-comment { font-style: italic; }
.hljs-meta, .hljs-symbol, .hljs-bullet { color: var(--hl-meta); }
.hljs-emphasis { font-style: italic; }
.hljs-strong { font-weight: 600; }
`;
