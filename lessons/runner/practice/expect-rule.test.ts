import { describe, expect, it } from 'vitest';
import { RuleError, expectRefusal, expectRule, failRule, sideBySide } from './expect-rule.ts';

describe('sideBySide', () => {
  it('aligns expected and actual, with a caret under the first difference', () => {
    const lines = sideBySide('GET&/path&', 'get&/path&');
    expect(lines).toEqual(['  expected: "GET&/path&"', '  actual:   "get&/path&"', '             ^ first difference, character 1']);
    expect(lines[2]!.indexOf('^'), 'the caret is under the first differing character').toBe(lines[0]!.indexOf('G'));
  });

  it('shows a window around the difference in long strings, marked with …', () => {
    const expected = `${'a'.repeat(100)}X${'b'.repeat(100)}`;
    const actual = `${'a'.repeat(100)}Y${'b'.repeat(100)}`;
    const [e = '', a = '', caret = ''] = sideBySide(expected, actual);
    expect(e.length, 'fits an 80-column terminal').toBeLessThanOrEqual(80);
    expect(e).toContain('…');
    expect(caret.indexOf('^')).toBe(e.indexOf('X'));
    expect(a.indexOf('Y')).toBe(e.indexOf('X'));
    expect(caret).toContain('character 101');
  });

  it('compares other values as compact JSON', () => {
    expect(sideBySide({ a: 1 }, { a: 2 })[2]).toContain('^ first difference, character 6');
  });
});

describe('expectRule, expectRefusal and failRule', () => {
  it('1. name the rule from the test name, without its number', () => {
    expect(() => expectRule('get&/path&', 'GET&/path&', "canonicalRequest('get', '/path')")).toThrow(RuleError);
    try {
      expectRule('get&/path&', 'GET&/path&', "canonicalRequest('get', '/path')");
    } catch (error) {
      expect((error as Error).message.split('\n').slice(0, 2)).toEqual([
        'Rule 1: name the rule from the test name, without its number',
        "  canonicalRequest('get', '/path')",
      ]);
    }
  });

  it('pass silently when the rule holds (deep equality)', async () => {
    expect(() => expectRule({ a: [1] }, { a: [1] })).not.toThrow();
    await expect(expectRefusal(() => Promise.reject(Object.assign(new Error('no'), { code: 'ERR_X' })), 'ERR_X')).resolves.toBeUndefined();
  });

  it('say what happened instead of the refusal: accepted, another code, or another error', async () => {
    await expect(expectRefusal(() => 'a token', 'ERR_X')).rejects.toThrow(/expected: refused with ERR_X\n {2}actual: {3}accepted \(returned "a token"\)/);
    await expect(expectRefusal(() => Promise.reject(Object.assign(new Error('other'), { code: 'ERR_Y' })), 'ERR_X')).rejects.toThrow('actual:   refused with ERR_Y: other');
    await expect(expectRefusal(() => Promise.reject(new TypeError('oops')), 'ERR_X')).rejects.toThrow('actual:   TypeError: oops');
  });

  it('failRule prints two sentences, without quotes or caret', () => {
    expect(() => failRule('200 with an access token', '401 unauthorized_client', 'request 1')).toThrow(
      /Rule: failRule prints two sentences, without quotes or caret\n {2}request 1\n {2}expected: 200 with an access token\n {2}actual: {3}401 unauthorized_client$/,
    );
  });
});
