import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { formatPath, hintFrom, problemMessage, refineWith, toProblems } from './problems.ts';

describe('formatPath', () => {
  it('writes paths as a reader would', () => {
    expect(formatPath(['modules', 'repoPages', 0, 'url'], 'descriptor')).toBe('modules.repoPages[0].url');
    expect(formatPath([0, 'a'], 'body')).toBe('[0].a');
    expect(formatPath([], 'body')).toBe('body');
  });
});

describe('toProblems with problemMessage', () => {
  const schema = z.looseObject({
    name: z.string().min(1),
    kind: z.literal('bitbucket'),
    tags: z.array(z.string().max(3)),
    url: z.string().superRefine(refineWith((url) => (url.startsWith('/') ? [] : ['must start with "/"', 'really']))),
  });

  function problems(value: unknown): string[] {
    const result = schema.safeParse(value, { error: problemMessage });
    expect(result.success).toBe(false);
    return result.success ? [] : toProblems(result.error.issues, { root: 'body', hint: hintFrom({ name: 'add a name' }) });
  }

  it('words each generic issue plainly and adds the hint for its path', () => {
    expect(problems({ kind: 'jira', tags: ['long!', 7], url: '/x' })).toEqual([
      'name: is missing; add a name',
      'kind: must be "bitbucket"',
      'tags[0]: is too long: at most 3 characters',
      'tags[1]: must be a string, not a number',
    ]);
    expect(problems({ name: '', kind: 'bitbucket', tags: [], url: '/x' })).toEqual(['name: must not be empty; add a name']);
  });

  it('reports the root value, and every problem a custom check lists, without hints', () => {
    expect(problems([])).toEqual(['body: must be a JSON object, not an array']);
    expect(problems({ name: 'n', kind: 'bitbucket', tags: [], url: 'x' })).toEqual([
      'url: must start with "/"',
      'url: really',
    ]);
  });

  it('never quotes the value that failed', () => {
    const secret = 'do-not-print-me-0123456789';
    const lines = problems({ name: 7, kind: secret, tags: [secret], url: '/x' });
    for (const line of lines) expect(line).not.toContain(secret);
  });
});

describe('hintFrom', () => {
  it('answers only for its own keys, not inherited ones', () => {
    const hint = hintFrom({ key: 'k' });
    expect(hint('key')).toBe('k');
    expect(hint('constructor')).toBeUndefined();
  });
});
