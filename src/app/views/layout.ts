import { html, trustedHtml, type SafeHtml } from '../../text/html.ts';

/** Kept inline and small: the pages must render inside Bitbucket's iframe with no extra requests. */
const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #172b4d; margin: 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin-top: 0; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #dfe1e6; padding-bottom: .25rem; }
pre, code { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #f4f5f7; padding: .75rem 1rem; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .25rem .75rem .25rem 0; vertical-align: top; }
.error { border-left: 4px solid #de350b; padding-left: 1rem; }
.ok { color: #006644; }
.muted { color: #6b778c; }
ol.lessons li.done::marker { content: "✓ "; color: #006644; }
.flow-diagram .flow-here { color: #0052cc; }
`;

/**
 * A complete HTML document around a page body.
 *
 * @param options.title The document title and heading.
 * @param options.body The page content, built with the `html` tag.
 * @param options.scripts Absolute script URLs to load (Bitbucket's `all.js` in an iframe page).
 *
 * @example
 * res.type('html').send(renderLayout({ title: 'Hello', body: html`<p>Hi</p>` }))
 */
export function renderLayout(options: { title: string; body: SafeHtml; scripts?: string[] }): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<style>${trustedHtml(STYLE)}</style>
${(options.scripts ?? []).map((src) => html`<script src="${src}"></script>`)}
</head>
<body>
<main>
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`.value;
}
