import { describe, expect, it } from 'vitest';
import { renderMarkdownToTerminal } from '../../src/notes/terminal.ts';
import { createOutput } from './output.ts';
import { useColor } from './style.ts';

function capture(color = false) {
  const chunks: string[] = [];
  const output = createOutput({ write: (text) => chunks.push(text), color, width: 80, markdown: renderMarkdownToTerminal });
  return { output, text: () => chunks.join('') };
}

const SECRET = 'hQ8xS3cr3tSharedSecretValue+/=';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHAifQ.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g';

describe('createOutput', () => {
  it('redacts a registered secret in lines, shown values and narration, also URL-encoded', () => {
    const { output, text } = capture();
    output.secret(SECRET);
    output.line(`secret=${SECRET}`);
    output.show('Installation', { sharedSecret: SECRET });
    output.say(`The form body was \`grant=${encodeURIComponent(SECRET)}\`.`);
    expect(text(), 'a secret never appears whole').not.toContain(SECRET);
    expect(text()).not.toContain(encodeURIComponent(SECRET));
    expect(text(), 'its prefix and length identify it').toContain('hQ8x…(30 chars)');
  });

  it('redacts JWT signatures without registering them', () => {
    const { output, text } = capture();
    output.line(`Authorization: JWT ${JWT}`);
    expect(text()).not.toContain('c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2g');
    expect(text(), 'header and claims stay readable').toContain('eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHAifQ.');
  });

  it('shows a JWT in narration redacted once: header and claims, then the signature prefix and its length', () => {
    const { output, text } = capture();
    output.say(`The token is \`${JWT}\`.`);
    expect(text()).toContain('eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHAifQ.c2ln…(39 chars)');
    expect(text(), 'not redacted a second time, as c2ln…(4 chars)…(39 chars)').not.toContain('(4 chars)');
  });

  it('redacts a secret in narration before wrapping could split it across lines', () => {
    const { output, text } = capture();
    const long = 'k'.repeat(60) + 'Q'.repeat(60);
    output.secret(long);
    output.say(`The key: ${long}`);
    expect(text()).not.toContain('k'.repeat(20));
    expect(text()).not.toContain('Q'.repeat(20));
    expect(text()).toContain('kkkk…(120 chars)');
  });

  it('prints markdown as written when it has no renderer', () => {
    const chunks: string[] = [];
    createOutput({ write: (t) => chunks.push(t), color: false }).say(`**bold** ${JWT}`);
    expect(chunks.join('')).toBe('**bold** eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHAifQ.c2ln…(39 chars)\n');
  });

  it('shares secrets between an output, its children and its quiet twin', () => {
    const { output, text } = capture();
    const child = output.child('  ');
    output.quiet().secret(SECRET);
    child.line(SECRET);
    expect(text()).toBe('  hQ8x…(30 chars)\n');
    expect(output.secrets()).toEqual([SECRET]);
  });

  it('prints nothing when quiet', () => {
    const { output, text } = capture();
    output.quiet().line('hello');
    output.quiet().show('x', 1);
    expect(text()).toBe('');
  });

  it('shows short values inline and objects as indented JSON', () => {
    const { output, text } = capture();
    output.show('Status', 'ok');
    output.show('Token', { scopes: 'account', expires_in: 7200 });
    expect(text()).toBe('Status: ok\nToken:\n  {\n    "scopes": "account",\n    "expires_in": 7200\n  }\n');
  });

  it('shows values JSON cannot hold', () => {
    const { output, text } = capture();
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    output.show('Cycle', cyclic);
    output.show('Big', 10n);
    expect(text()).toContain('[Circular');
    expect(text()).toContain('Big: "10"');
  });

  it('writes no escape codes without colour, and styles with it', () => {
    const plain = capture(false);
    plain.output.say('**bold** and `code`');
    plain.output.show('Label', 'value');
    expect(plain.text()).not.toMatch(/\x1b/);
    const colored = capture(true);
    colored.output.show('Label', 'value');
    expect(colored.text()).toMatch(/\x1b\[1m/);
  });
});

describe('useColor', () => {
  it('colours only a terminal, and never with NO_COLOR (non-empty) or --no-color', () => {
    expect(useColor({ isTTY: true, env: {}, noColorFlag: false })).toBe(true);
    expect(useColor({ isTTY: true, env: { NO_COLOR: '' }, noColorFlag: false }), 'an empty NO_COLOR is unset (no-color.org)').toBe(true);
    expect(useColor({ isTTY: false, env: {}, noColorFlag: false })).toBe(false);
    expect(useColor({ isTTY: undefined, env: {}, noColorFlag: false })).toBe(false);
    expect(useColor({ isTTY: true, env: { NO_COLOR: '1' }, noColorFlag: false })).toBe(false);
    expect(useColor({ isTTY: true, env: {}, noColorFlag: true })).toBe(false);
  });
});
