import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { CALLOUT_TITLES, calloutOf, calloutPlugin } from './callout.ts';

const md = new MarkdownIt().use(calloutPlugin);

describe('calloutPlugin', () => {
  it.each(['NOTE', 'TIP', 'IMPORTANT', 'WARNING', 'CAUTION', 'note', 'Warning'])('marks a [!%s] quote', (marker) => {
    const tokens = md.parse(`> [!${marker}]\n> body`, {});
    const open = tokens.find((t) => t.type === 'blockquote_open')!;
    const close = tokens.find((t) => t.type === 'blockquote_close')!;
    expect(calloutOf(open)?.kind).toBe(marker.toLowerCase());
    expect(calloutOf(close)?.kind).toBe(marker.toLowerCase());
    const inline = tokens.find((t) => t.type === 'inline')!;
    expect(inline.children?.map((t) => t.content)).toEqual(['body']);
  });

  it('keeps the text after the marker as the title', () => {
    const tokens = md.parse('> [!TIP] Cache **the** token\n> body', {});
    const title = calloutOf(tokens[0]!)!.title;
    expect(md.renderer.renderInline(title, md.options, {})).toBe('Cache <strong>the</strong> token');
  });

  it('hides a paragraph left empty by the marker', () => {
    const tokens = md.parse('> [!NOTE]\n>\n> body', {});
    expect(tokens.filter((t) => t.type === 'paragraph_open').map((t) => t.hidden)).toEqual([true, false]);
    expect(md.render('> [!NOTE]\n>\n> body')).toBe('<blockquote>\n<p>body</p>\n</blockquote>\n');
  });

  it.each([
    ['an unknown kind', '> [!DANGER]\n> body'],
    ['an escaped marker', '> \\[!NOTE]\n> body'],
    ['a marker not at the start', '> see [!NOTE]'],
    ['a marker glued to a word', '> [!NOTE]s body'],
    ['a link', '> [!NOTE](https://example.com)'],
    ['no quote', '[!NOTE]\nbody'],
  ])('leaves %s alone', (_, markdown) => {
    expect(md.parse(markdown, {}).some((t) => calloutOf(t) !== undefined)).toBe(false);
  });

  it('has a title for every kind', () => {
    expect(Object.keys(CALLOUT_TITLES)).toEqual(['note', 'tip', 'important', 'warning', 'caution']);
    expect(Object.isFrozen(CALLOUT_TITLES)).toBe(true);
  });
});
