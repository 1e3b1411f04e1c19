import hljsCore from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import http from 'highlight.js/lib/languages/http';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import typescript from 'highlight.js/lib/languages/typescript';

/**
 * Syntax highlighting for the web notes: highlight.js with only the languages the notes use, so
 * loading the app stays quick.
 */

// A private instance: registering languages on the shared default one would be global state.
const hljs = hljsCore.newInstance();
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('http', http);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('json', json);
hljs.registerLanguage('typescript', typescript);
hljs.registerAliases(['shell', 'console', 'curl'], { languageName: 'bash' });

/**
 * Highlights `code` as `language` (a fence's info word, aliases like `ts`, `sh`, `js` included)
 * into HTML spans with `hljs-*` classes. Returns `undefined` for a language it does not know, so
 * the caller escapes the code as plain text instead.
 *
 * @example
 * highlightCode('GET /2.0/user HTTP/1.1', 'http') // '<span class="hljs-keyword">GET</span> ...'
 */
export function highlightCode(code: string, language: string): string | undefined {
  if (!language || !hljs.getLanguage(language)) return undefined;
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
