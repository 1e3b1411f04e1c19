import { describe, expect, it } from 'vitest';
import { highlightCode } from './highlight.ts';

describe('highlightCode', () => {
  it('highlights the registered languages and their aliases', () => {
    expect(highlightCode('echo "$TOKEN"', 'sh')).toContain('<span class="hljs-variable">$TOKEN</span>');
    expect(highlightCode('curl -s x', 'console')).toContain('curl');
    expect(highlightCode('{"expires_in": 7200}', 'json')).toContain('<span class="hljs-number">7200</span>');
    expect(highlightCode('let x = 1', 'js')).toContain('<span class="hljs-keyword">let</span>');
    expect(highlightCode('GET /2.0/user HTTP/1.1', 'HTTP')).toContain('<span class="hljs-keyword">GET</span>');
  });

  it('escapes HTML in the code it highlights', () => {
    expect(highlightCode('const a = "<script>"', 'typescript')).toContain('&lt;script&gt;');
  });

  it('declines languages it does not load, and none', () => {
    expect(highlightCode('print(1)', 'python')).toBeUndefined();
    expect(highlightCode('x', '')).toBeUndefined();
  });
});
