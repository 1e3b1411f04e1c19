import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trustedHtml } from './html.ts';

describe('html', () => {
  it('escapes interpolated text, including attribute quotes', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
  });

  it('nests safe HTML and joins arrays, leaving out null, undefined and false', () => {
    const items = ['a<', 'b'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}</ul>`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
  });

  it('passes trusted HTML through untouched and renders numbers', () => {
    expect(html`${trustedHtml('<b>bold</b>')} ${0}`.value).toBe('<b>bold</b> 0');
  });

  it('does not treat a look-alike object as safe', () => {
    expect(html`${{ value: '<b>' } as unknown}`.value).toBe('[object Object]');
    expect(escapeHtml('<b>')).toBe('&lt;b&gt;');
  });
});
