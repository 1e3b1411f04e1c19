import { describe, expect, it } from 'vitest';
import { listExercises } from './exercises.ts';
import { formatFirstFailure, isDone, MAX_FAILURE_LINES, outcomes } from './outcome.ts';
import type { TestRun } from './run-tests.ts';

const [exercise] = listExercises().filter((e) => e.name === 'canonical-request');

function run(rules: TestRun['modules'][number]['rules'], error?: TestRun['modules'][number]['error']): TestRun {
  return { modules: [{ file: exercise!.test, rules, ...(error ? { error } : {}) }], unhandled: [] };
}

const RULE_FAILURE = {
  name: 'RuleError',
  message: ['Rule 2: the path is relative to the context path', "  canonicalRequest('GET', '/jira/x', '/jira')", '  expected: "GET&/x&"', '  actual:   "GET&/jira/x&"', '                ^ first difference, character 6'].join('\n'),
};

describe('outcomes and formatFirstFailure', () => {
  it('count the rules passed, and show only the first broken rule, its message as written', () => {
    const [outcome] = outcomes([exercise!], run([
      { name: '1. the method is upper case', state: 'passed' },
      { name: '2. the path is relative to the context path', state: 'failed', failure: RULE_FAILURE },
      { name: '3. an & in the path becomes %26', state: 'failed', failure: { name: 'RuleError', message: 'Rule 3: not shown' } },
    ]));
    expect(outcome).toMatchObject({ passed: 1, total: 3 });
    expect(isDone(outcome!)).toBe(false);
    const lines = formatFirstFailure(outcome!);
    expect(lines).toEqual([
      '✗ canonical-request (lesson 3): 1/3 rules',
      ...RULE_FAILURE.message.split('\n'),
      'Your file: lessons/03-sign-jwt/exercises/canonical-request/canonical-request.ts',
      'Hint: npm run practice -- hint canonical-request',
    ]);
  });

  it('names the rule for an error that is not a RuleError, with where the learner\'s code threw it', () => {
    const [outcome] = outcomes([exercise!], run([
      { name: '1. the method is upper case', state: 'failed', failure: { name: 'TypeError', message: "Cannot read properties of undefined (reading 'x')", where: `${exercise!.file}:12` } },
    ]));
    expect(formatFirstFailure(outcome!).slice(1, 4)).toEqual([
      'Rule 1: the method is upper case',
      "  TypeError: Cannot read properties of undefined (reading 'x')",
      '  thrown at lessons/03-sign-jwt/exercises/canonical-request/canonical-request.ts:12',
    ]);
  });

  it(`never prints more than ${MAX_FAILURE_LINES} lines, however long the message`, () => {
    const long = { name: 'Error', message: Array.from({ length: 60 }, (_v, i) => `line ${i}`).join('\n') };
    const [outcome] = outcomes([exercise!], run([{ name: '1. a rule', state: 'failed', failure: long }]));
    const lines = formatFirstFailure(outcome!);
    expect(lines.length).toBeLessThanOrEqual(MAX_FAILURE_LINES);
    expect(lines.join('\n')).toContain('more lines');
    expect(lines.at(-1)).toBe('Hint: npm run practice -- hint canonical-request');
  });

  it('says when the tests cannot load the learner\'s file, and when vitest ran nothing', () => {
    const [broken] = outcomes([exercise!], run([], { name: 'SyntaxError', message: 'Unexpected token' }));
    expect(formatFirstFailure(broken!)[0]).toBe('✗ canonical-request (lesson 3): the tests cannot load your file');
    expect(formatFirstFailure(broken!)[1]).toBe('  SyntaxError: Unexpected token');
    const [missing] = outcomes([exercise!], { modules: [], unhandled: [] });
    expect(missing?.loadError?.message).toContain('vitest did not run lessons/03-sign-jwt/exercises/canonical-request/canonical-request.test.ts');
  });
});
