import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripAnsi } from './style.ts';
import { renderMarkdownToTerminal } from './terminal.ts';
import visibleWidth from 'string-width';

const ESC = /\x1b/;
const plain = (markdown: string, width = 80) => renderMarkdownToTerminal(markdown, { width, color: false });
const colored = (markdown: string, width = 80) => renderMarkdownToTerminal(markdown, { width, color: true });
const lines = (text: string) => stripAnsi(text).split('\n');
const SGR_ONLY = /\x1b\[[\d;]*m/g;

describe('headings', () => {
  it('styles h1 bold and underlined, h2 bold, h3 bold and dim', () => {
    const out = colored('# One\n\n## Two\n\n### Three');
    expect(out).toContain('\x1b[1;4mOne\x1b[0m');
    expect(out).toContain('\x1b[1mTwo\x1b[0m');
    expect(out).toContain('\x1b[1;2mThree\x1b[0m');
    expect(lines(out)).toEqual(['One', '', 'Two', '', 'Three']);
  });

  it('underlines the two top levels with rules when there is no colour', () => {
    expect(lines(plain('# The grant\n\n## Claims\n\n### Deeper'))).toEqual([
      'The grant',
      '═════════',
      '',
      'Claims',
      '──────',
      '',
      'Deeper',
    ]);
  });

  it('wraps a long heading within the width', () => {
    const out = lines(plain(`# ${'word '.repeat(30)}`, 40));
    expect(out.every((line) => visibleWidth(line) <= 40)).toBe(true);
    expect(out.length).toBeGreaterThan(3);
  });
});

describe('paragraphs and inline text', () => {
  const text = 'The app signs an HS256 JWT with the shared secret and swaps it for an access token at the token endpoint, then calls the REST API with that token.';

  it('wraps paragraphs to the width without losing or splitting words', () => {
    const out = lines(plain(text, 40));
    expect(out.length).toBeGreaterThan(2);
    for (const line of out) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    expect(out.join(' ')).toBe(text);
  });

  it('does not count escape codes toward the width', () => {
    const styled = `**${text}**`;
    const out = colored(styled, 40).split('\n');
    expect(out.map(stripAnsi)).toEqual(plain(text, 40).split('\n'));
    // Each wrapped line carries its own bold, so the style survives the line breaks.
    for (const line of out) expect(line).toMatch(/^\x1b\[1m.*\x1b\[(0|22)m$/);
  });

  it('renders emphasis italic, strong bold and inline code cyan', () => {
    const out = colored('an *em* and **strong** and `code` here');
    expect(out).toContain('\x1b[3mem\x1b[0m');
    expect(out).toContain('\x1b[1mstrong\x1b[0m');
    expect(out).toContain('\x1b[36mcode\x1b[0m');
    expect(stripAnsi(out)).toBe('an em and strong and code here');
  });

  it('nests styles: code inside strong is bold and cyan', () => {
    expect(colored('**see `exp`**')).toContain('\x1b[1;36mexp\x1b[0m');
  });

  it('keeps the author’s markers for emphasis and backticks for code without colour', () => {
    expect(plain('an *em*, _em2_, **strong** and `Authorization: JWT`')).toBe(
      'an *em*, _em2_, **strong** and `Authorization: JWT`',
    );
  });

  it('joins soft breaks and keeps hard breaks', () => {
    expect(plain('one\ntwo')).toBe('one two');
    expect(plain('one  \ntwo')).toBe('one\ntwo');
    expect(plain('one\\\ntwo')).toBe('one\ntwo');
  });

  it('decodes entities and applies typography', () => {
    expect(plain('Tom &amp; Jerry &copy; &#x41; "quoted"')).toBe('Tom & Jerry © A “quoted”');
  });
});

describe('links', () => {
  it('shows a link as text (url)', () => {
    expect(plain('Read [the docs](https://developer.atlassian.com/x) now.')).toBe(
      'Read the docs (https://developer.atlassian.com/x) now.',
    );
  });

  it('shows a bare or auto link, or one whose text is its url, once', () => {
    expect(plain('See https://bitbucket.org/site/addons today')).toBe('See https://bitbucket.org/site/addons today');
    expect(plain('See <https://api.bitbucket.org/2.0>')).toBe('See https://api.bitbucket.org/2.0');
    expect(plain('See [https://x.example/a](https://x.example/a)')).toBe('See https://x.example/a');
    expect(plain('Mail <dev@example.com>')).toBe('Mail dev@example.com');
  });

  it('colours link text and dims the url', () => {
    const out = colored('[docs](https://example.com)');
    expect(out).toContain('\x1b[34;4mdocs\x1b[0m');
    expect(out).toContain('\x1b[2m(https://example.com)\x1b[0m');
  });

  it('shows images as their alt text and source', () => {
    expect(plain('![the flow](flow.png)')).toBe('[image: the flow] (flow.png)');
  });
});

describe('code blocks', () => {
  const long = `curl -X POST -H "Authorization: JWT $JWT" --data grant_type=urn:bitbucket:oauth2:jwt https://bitbucket.org/site/oauth2/access_token`;

  it('indents fenced code behind a gutter and keeps long lines whole', () => {
    const out = lines(plain(`Run:\n\n\`\`\`bash\n${long}\n\n  echo done\n\`\`\``, 40));
    expect(out).toEqual(['Run:', '', `  │ ${long}`, '  │', '  │   echo done']);
  });

  it('renders indented code the same way and expands tabs', () => {
    expect(lines(plain('Text\n\n    a\tb\n    \tc'))).toEqual(['Text', '', '  │ a   b', '  │     c']);
  });

  it('dims the gutter but leaves the code unstyled', () => {
    const out = colored('```\nnpm run lesson\n```');
    expect(out).toBe('  \x1b[2m│ \x1b[0mnpm run lesson');
  });
});

describe('lists', () => {
  it('renders bullets with a hanging indent', () => {
    const out = lines(plain(`- ${'long words '.repeat(8).trim()}\n- short`, 40));
    expect(out[0]).toMatch(/^• long/);
    expect(out.slice(1, -1).every((line) => line.startsWith('  ') && !line.startsWith('   '))).toBe(true);
    expect(out.at(-1)).toBe('• short');
    for (const line of out) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
  });

  it('indents nested lists under their parent’s text, with a different bullet', () => {
    expect(lines(plain('- one\n  - two\n    - three\n- four'))).toEqual([
      '• one',
      '  ◦ two',
      '    ▪ three',
      '• four',
    ]);
  });

  it('numbers ordered lists from their start and aligns the numbers', () => {
    const items = Array.from({ length: 11 }, (_, i) => `${i + 1}. item`).join('\n');
    const out = lines(plain(items));
    expect(out[0]).toBe(' 1. item');
    expect(out[10]).toBe('11. item');
    expect(lines(plain('3) three\n4) four'))).toEqual(['3) three', '4) four']);
  });

  it('indents the continuation of an ordered item under its text', () => {
    const out = lines(plain(`1. ${'word '.repeat(20).trim()}`, 40));
    expect(out[0]).toMatch(/^1\. word/);
    expect(out[1]).toMatch(/^ {3}word/);
  });

  it('separates the items of a loose list with blank lines', () => {
    expect(lines(plain('- one\n\n- two'))).toEqual(['• one', '', '• two']);
  });

  it('keeps a code block inside a list item under the item', () => {
    expect(lines(plain('1. Run:\n\n   ```\n   npm test\n   ```'))).toEqual(['1. Run:', '', '     │ npm test']);
  });
});

describe('tables', () => {
  const table = '| claim | value |\n|---|---|\n| `iss` | the app key |\n| `sub` | clientKey |';

  it('draws box borders with columns sized to their content', () => {
    expect(lines(plain(table))).toEqual([
      '┌───────┬─────────────┐',
      '│ claim │ value       │',
      '├───────┼─────────────┤',
      '│ `iss` │ the app key │',
      '│ `sub` │ clientKey   │',
      '└───────┴─────────────┘',
    ]);
  });

  it('aligns columns as the delimiter row says', () => {
    const out = lines(plain('| left | centre | right |\n|:--|:-:|--:|\n| a | b | c |'));
    expect(out[3]).toBe('│ a    │   b    │     c │');
  });

  it('wraps wide cells so the table fits the width', () => {
    const wide = 'descriptor key, echoed as key in the installed payload, long enough to need wrapping';
    const out = lines(plain(`| claim | notes |\n|---|---|\n| iss | ${wide} |\n| sub | x |`, 40));
    for (const line of out) expect(visibleWidth(line)).toBe(40);
    const noteLines = out.filter((line) => line.startsWith('│ ') && !line.includes('notes'));
    expect(noteLines.length).toBeGreaterThan(3);
    const text = noteLines.map((line) => line.split('│')[2]!.trim()).filter(Boolean).join(' ');
    expect(text).toBe(`${wide} x`);
    // A rule between rows once a row takes several lines.
    expect(out.filter((line) => line.startsWith('├'))).toHaveLength(2);
  });

  it('keeps a column wide enough for its longest word when it can', () => {
    const out = lines(plain(`| term | meaning |\n|---|---|\n| authentication_header | ${'words that wrap '.repeat(8)} |`, 40));
    expect(out.some((line) => line.includes('│ authentication_header │'))).toBe(true);
    for (const line of out) expect(visibleWidth(line)).toBe(40);
  });

  it('makes header cells bold and borders dim', () => {
    const out = colored(table);
    expect(out).toContain('\x1b[1mclaim\x1b[0m');
    expect(out).toContain('\x1b[2m┌');
    expect(out).toContain('\x1b[36miss\x1b[0m');
  });

  it('shows a table too wide for any column layout as records', () => {
    const header = `|${Array.from({ length: 12 }, (_, i) => ` h${i} `).join('|')}|`;
    const rule = `|${'---|'.repeat(12)}`;
    const row = `|${Array.from({ length: 12 }, (_, i) => ` v${i} `).join('|')}|`;
    const out = lines(plain(`${header}\n${rule}\n${row}\n${row}`, 40));
    expect(out.slice(0, 3)).toEqual(['h0: v0', 'h1: v1', 'h2: v2']);
    expect(out).toContain('');
    for (const line of out) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
  });
});

describe('blockquotes and callouts', () => {
  it('puts a bar before each line of a quote', () => {
    expect(lines(plain('> quoted\n>\n> second'))).toEqual(['▌ quoted', '▌', '▌ second']);
  });

  it.each([
    ['NOTE', 'Note:', '\x1b[1;34mNOTE\x1b[0m'],
    ['WARNING', 'Warning:', '\x1b[1;33mWARNING\x1b[0m'],
    ['TIP', 'Tip:', '\x1b[1;32mTIP\x1b[0m'],
  ])('labels a [!%s] callout', (marker, plainLabel, colorLabel) => {
    const markdown = `> [!${marker}]\n> The body.`;
    expect(lines(plain(markdown))).toEqual([`▌ ${plainLabel}`, '▌ The body.']);
    expect(colored(markdown).split('\n')[0]).toContain(colorLabel);
  });

  it('takes the marker case-insensitively and keeps a title written after it', () => {
    expect(lines(plain('> [!tip] Cache the token\n> It lives for `expires_in` seconds.'))).toEqual([
      '▌ Tip: Cache the token',
      '▌ It lives for `expires_in` seconds.',
    ]);
  });

  it('leaves an escaped marker and a marker inside a line as a plain quote', () => {
    expect(lines(plain('> \\[!NOTE]\n> body'))).toEqual(['▌ [!NOTE] body']);
    expect(lines(plain('> see [!NOTE]'))).toEqual(['▌ see [!NOTE]']);
  });

  it('wraps quoted text within the width, bar included', () => {
    const out = lines(plain(`> [!WARNING]\n> ${'careful now '.repeat(10)}`, 40));
    for (const line of out) {
      expect(line.startsWith('▌')).toBe(true);
      expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    }
  });
});

describe('other blocks', () => {
  it('draws a horizontal rule across the width', () => {
    expect(lines(plain('a\n\n---\n\nb', 50))).toEqual(['a', '', '─'.repeat(50), '', 'b']);
  });

  it('shows raw HTML as text', () => {
    expect(plain('<details>\nhidden\n</details>')).toBe('<details>\nhidden\n</details>');
    expect(plain('a <kbd>Ctrl</kbd> b')).toBe('a <kbd>Ctrl</kbd> b');
  });
});

describe('options and safety', () => {
  it('clamps the width to 40..120 and defaults to 80', () => {
    expect(plain('---', 10)).toBe('─'.repeat(40));
    expect(plain('---', 500)).toBe('─'.repeat(120));
    expect(renderMarkdownToTerminal('---', { color: false })).toBe('─'.repeat(80));
    expect(renderMarkdownToTerminal('---', { width: Number.NaN, color: false })).toBe('─'.repeat(80));
  });

  it('stops indenting deeply nested quotes and lists instead of overflowing', () => {
    const quotes = `${'> '.repeat(40)}${'deep text '.repeat(10)}`;
    const list = Array.from({ length: 30 }, (_, depth) => `${'  '.repeat(depth)}- level ${depth} ${'x'.repeat(12)}`).join('\n');
    for (const markdown of [quotes, list]) {
      const out = lines(plain(markdown, 40));
      expect(out.join(' ')).toContain(markdown === quotes ? 'deep text' : 'level 29');
      for (const line of out) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    }
  });

  it('colours by default', () => {
    expect(renderMarkdownToTerminal('**x**')).toMatch(ESC);
  });

  it('emits no escape code at all without colour', () => {
    const everything = [
      '# H1', '## H2', '### H3', 'para *em* **b** `c` ~~s~~ [l](http://x.y)', '> [!NOTE]\n> n',
      '- a\n  1. b', '| a | b |\n|---|--:|\n| 1 | 2 |', '```js\nx\n```', '---', '<b>x</b>',
    ].join('\n\n');
    expect(plain(everything)).not.toMatch(ESC);
    expect(colored(everything)).toMatch(ESC);
  });

  it('shows control characters from the document instead of sending them', () => {
    const hostile = 'a\x1b[2Jb `\x1b]0;title\x07` [x](http://e.com/\x1b)\n\n```\n\x1b[31mred\x9b1m\n```\n\n&#12;';
    const out = plain(hostile);
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(out).toContain('a␛[2Jb');
    expect(out).toContain('␛[31mred�1m');
    // With colour, the only escapes left are the renderer's own SGR codes.
    expect(colored(hostile).replace(SGR_ONLY, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});

/** Lines wider than the width are only allowed for code, behind its gutter. */
function checkLines(output: string, width: number, color: boolean): void {
  if (!color) expect(output).not.toMatch(ESC);
  for (const line of lines(output)) {
    if (visibleWidth(line) > width) expect(line).toContain('│ ');
  }
}

describe('any input', () => {
  const pieces = [
    '# ', '## ', '#### ', '> ', '> [!NOTE]\n', '> [!warning] title\n', '- ', '* ', '1. ', '10) ', '   ', '    ',
    '```\n', '```ts\n', '~~~', '|', '| a | b |\n|---|:-:|\n', '|---|', '---\n', '***', '*', '**', '_', '`', '~~',
    '[', ']', '](', ')', '![', '<', '>', 'http://example.com/path', 'www.example.com', '&amp;', '&#12;', '&nbsp;',
    '\n', '\n\n', ' ', '  \n', '\\', '\t', 'word', 'a'.repeat(150), '認証トークン', '👍🏽', 'e\u0301', '\u200b',
    '\x1b[31m', '\x9b', '<b>', '<div>\n', '\r\n',
  ];
  const markdownish = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => parts.join(''));
  const width = fc.integer({ min: 0, max: 200 });

  it('renders markdown-shaped noise without throwing, within the width', () => {
    fc.assert(
      fc.property(markdownish, width, fc.boolean(), (markdown, requested, color) => {
        const clamped = Math.min(120, Math.max(40, requested));
        checkLines(renderMarkdownToTerminal(markdown, { width: requested, color }), clamped, color);
      }),
      { numRuns: 300 },
    );
  });

  it('renders arbitrary strings without throwing, within the width', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), width, fc.boolean(), (markdown, requested, color) => {
        const clamped = Math.min(120, Math.max(40, requested));
        checkLines(renderMarkdownToTerminal(markdown, { width: requested, color }), clamped, color);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (markdown) => {
        checkLines(renderMarkdownToTerminal(markdown, { width: 40, color: false }), 40, false);
      }),
      { numRuns: 200 },
    );
  });
});
