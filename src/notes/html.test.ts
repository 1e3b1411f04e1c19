import { describe, expect, it } from 'vitest';
import { LESSON_ARROWS } from './diagram.ts';
import { renderMarkdownToHtml, renderNotesPage } from './html.ts';

describe('renderMarkdownToHtml', () => {
  it('renders callouts as titled divs and plain quotes as blockquotes', () => {
    const html = renderMarkdownToHtml('> [!NOTE]\n> Tokens last `expires_in` seconds.\n\n> [!WARNING]\n> No refresh token.\n\n> [!TIP] Cache it\n> Until it expires.\n\n> just a quote');
    expect(html).toContain(
      '<div class="callout callout-note" role="note">\n<p class="callout-title"><span class="callout-label">Note</span></p>\n<p>Tokens last <code>expires_in</code> seconds.</p>\n</div>',
    );
    expect(html).toContain('<div class="callout callout-warning" role="note">');
    expect(html).toContain('<p class="callout-title"><span class="callout-label">Tip</span> Cache it</p>');
    expect(html).toContain('<blockquote>\n<p>just a quote</p>\n</blockquote>');
    expect(html).not.toContain('[!NOTE]');
    expect(html.match(/<\/div>/g)).toHaveLength(3);
  });

  it('closes each callout where its quote ends, also when quotes nest', () => {
    const html = renderMarkdownToHtml('> [!CAUTION]\n> outer\n>\n> > inner quote\n\nafter');
    expect(html).toBe(
      '<div class="callout callout-caution" role="note">\n<p class="callout-title"><span class="callout-label">Caution</span></p>\n' +
        '<p>outer</p>\n<blockquote>\n<p>inner quote</p>\n</blockquote>\n</div>\n<p>after</p>\n',
    );
  });

  it('highlights code in the languages the notes use', () => {
    for (const [language, keyword] of [
      ['bash', '<span class="hljs-string">&quot;JWT <span class="hljs-variable">$JWT</span>&quot;</span>'],
      ['json', '<span class="hljs-attr">&quot;access_token&quot;</span>'],
      ['typescript', '<span class="hljs-keyword">const</span>'],
      ['ts', '<span class="hljs-keyword">const</span>'],
      ['javascript', '<span class="hljs-keyword">const</span>'],
      ['http', '<span class="hljs-keyword">POST</span>'],
    ] as const) {
      const code = {
        bash: 'curl -H "JWT $JWT" x',
        json: '{"access_token": "x"}',
        typescript: 'const a: number = 1',
        ts: 'const a = 1',
        javascript: 'const a = 1',
        http: 'POST /site/oauth2/access_token HTTP/1.1',
      }[language];
      const html = renderMarkdownToHtml(`\`\`\`${language}\n${code}\n\`\`\``);
      expect(html).toContain(`<pre><code class="language-${language}">`);
      expect(html).toContain(keyword);
    }
  });

  it('escapes code in other languages without highlighting it', () => {
    const html = renderMarkdownToHtml('```python\nif a < b: print("<hi>")\n```');
    expect(html).toBe('<pre><code class="language-python">if a &lt; b: print(&quot;&lt;hi&gt;&quot;)\n</code></pre>\n');
  });

  it('gives headings unique ids for anchors', () => {
    const html = renderMarkdownToHtml('# The JWT grant\n\n## Claims: `iss` & `sub`\n\n## Claims: `iss` & `sub`\n\n### ¿Qué?\n\n## !!!');
    expect(html).toContain('<h1 id="the-jwt-grant">The JWT grant<a class="anchor" href="#the-jwt-grant"');
    expect(html).toContain('<h2 id="claims-iss--sub">');
    expect(html).toContain('<h2 id="claims-iss--sub-1">');
    expect(html).toContain('<h3 id="qué">');
    expect(html).toContain('<h2 id="section">');
  });

  it('starts the ids afresh for every document', () => {
    renderMarkdownToHtml('# Same');
    expect(renderMarkdownToHtml('# Same')).toContain('<h1 id="same">');
  });

  it('never passes raw HTML or script links through', () => {
    const html = renderMarkdownToHtml(
      '<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> and [click](javascript:alert(1)) and ![i](javascript:x)',
    );
    expect(html).not.toMatch(/<script|<img src=x|href="javascript/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('links bare URLs and applies typography', () => {
    expect(renderMarkdownToHtml('See https://api.bitbucket.org/2.0 -- "quoted"')).toBe(
      '<p>See <a href="https://api.bitbucket.org/2.0">https://api.bitbucket.org/2.0</a> – “quoted”</p>\n',
    );
  });

  it('renders tables with alignment', () => {
    const html = renderMarkdownToHtml('| a | b |\n|:-:|--:|\n| 1 | 2 |');
    expect(html).toContain('<th style="text-align:center">a</th>');
    expect(html).toContain('<td style="text-align:right">2</td>');
  });
});

describe('renderNotesPage', () => {
  const nav = {
    prev: { href: '/lessons/3', title: 'Sign a JWT' },
    index: { href: '/lessons', title: 'All lessons' },
    next: { href: '/lessons/5', title: 'Call the API' },
  };

  it('is a complete page with an escaped title and the notes', () => {
    const page = renderNotesPage({ title: 'Lesson 4 <exchange> & "tokens"', markdown: '# Exchange\n\nSwap it.', nav });
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<title>Lesson 4 &#60;exchange&#62; &#38; &#34;tokens&#34;</title>');
    expect(page).toContain('<h1 id="exchange">Exchange');
    expect(page).toContain('<p>Swap it.</p>');
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('is self-contained: inline CSS with a highlight theme, no scripts, no external resources', () => {
    const page = renderNotesPage({ title: 't', markdown: '```bash\nls\n```', nav });
    expect(page).toMatch(/<style>[\s\S]*max-width: 46rem[\s\S]*\.hljs-keyword[\s\S]*<\/style>/);
    expect(page).not.toMatch(/<script|<link /i);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'"`);
  });

  it('links prev, index and next, above and below the notes', () => {
    const page = renderNotesPage({ title: 't', markdown: 'x', nav });
    expect(page.match(/<a class="prev" rel="prev" href="\/lessons\/3">← Sign a JWT<\/a>/g)).toHaveLength(2);
    expect(page.match(/<a class="index" href="\/lessons">All lessons<\/a>/g)).toHaveLength(2);
    expect(page.match(/<a class="next" rel="next" href="\/lessons\/5">Call the API →<\/a>/g)).toHaveLength(2);
  });

  it('leaves out a missing prev or next and escapes link text and targets', () => {
    const page = renderNotesPage({
      title: 't',
      markdown: 'x',
      nav: { index: { href: '/lessons?a=1&b="2"', title: '<All>' }, next: { href: 'javascript:alert(1)', title: 'n' } },
    });
    expect(page).not.toContain('rel="prev"');
    expect(page).toContain('<span class="prev"></span>');
    expect(page).toContain('href="/lessons?a=1&#38;b=&#34;2&#34;">&#60;All&#62;</a>');
    expect(page).toContain('<a class="next" rel="next" href="#">n →</a>');
  });

  it('shows the flow diagram when asked, under the notes’ title, the lesson’s step marked', () => {
    const page = renderNotesPage({ title: 't', markdown: '# Exchange\n\nx', nav, flow: LESSON_ARROWS[4] });
    expect(page).toContain('</h1>\n<figure class="flow">\n<pre class="flow-diagram">');
    expect(page.indexOf('<figure')).toBeLessThan(page.indexOf('<p>x</p>'));
    const untitled = renderNotesPage({ title: 't', markdown: 'x\n\n# Later', nav, flow: 'api' });
    expect(untitled).toContain('<article class="notes">\n<figure class="flow">');
    expect(page).toMatch(/<strong class="flow-here">[^<]*POST access_token/);
    expect(renderNotesPage({ title: 't', markdown: 'x', nav })).not.toContain('<pre class="flow-diagram">');
  });
});
