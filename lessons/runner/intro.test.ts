import { describe, expect, it } from 'vitest';
import { notesIntro } from './intro.ts';

describe('notesIntro', () => {
  it('takes the paragraphs under the H1, up to the next heading', () => {
    expect(notesIntro('# Lesson 3\n\nFirst.\n\nSecond.\n\n## Details\n\nNot this.')).toBe('First.\n\nSecond.');
  });

  it('keeps a callout that stands in the intro', () => {
    expect(notesIntro('# T\n\nText.\n\n> [!NOTE]\n> Mind this.\n\n## Next')).toBe('Text.\n\n> [!NOTE]\n> Mind this.');
  });

  it('does not stop at a # comment inside a code fence', () => {
    expect(notesIntro('# T\n\n```bash\n# a comment\nnpm test\n```\n\nAfter.\n\n## H2')).toBe('```bash\n# a comment\nnpm test\n```\n\nAfter.');
  });

  it('does not take a # inside a fence for the H1', () => {
    expect(notesIntro('```\n# not a title\n```\n# Title\n\nIntro.')).toBe('Intro.');
  });

  it('skips text before the H1', () => {
    expect(notesIntro('<!-- front -->\n# Title\n\nIntro.')).toBe('Intro.');
  });

  it('takes the text before the first heading when there is no H1', () => {
    expect(notesIntro('Intro first.\n\n## Section\n\nLater.')).toBe('Intro first.');
  });

  it('reads Windows line endings', () => {
    expect(notesIntro('# T\r\n\r\nIntro.\r\n## H')).toBe('Intro.');
  });

  it('gives nothing for empty notes or an H1 followed by a heading', () => {
    expect(notesIntro('')).toBe('');
    expect(notesIntro('# T\n## H\ntext')).toBe('');
  });
});
