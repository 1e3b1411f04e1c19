/**
 * The assertions of the exercise tests. A failure names the rule (the test's name), the call that
 * broke it, and expected and actual one above the other, a caret under the first difference: the
 * message `npm run practice -- check` prints as it is, and vitest too.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';

/** How much of a long value is shown on each side of the first difference. */
const BEFORE = 28;
const AFTER = 36;

/**
 * A rule of an exercise was broken. `message` is the whole explanation, ready to print.
 *
 * @example
 * throw new RuleError({ rule: 'the method is upper case', call: "canonicalRequest('get', '/path')", expected: 'GET&/path&', actual: 'get&/path&' })
 */
export class RuleError extends Error {
  constructor(o: { rule: string; call?: string; expected: unknown; actual: unknown; note?: string; plain?: boolean }) {
    const values = o.plain ? [`  expected: ${String(o.expected)}`, `  actual:   ${String(o.actual)}`] : sideBySide(o.expected, o.actual);
    super([ruleLine(o.rule), ...(o.call ? [`  ${o.call}`] : []), ...values, ...(o.note ? [`  ${o.note}`] : [])].join('\n'));
    this.name = 'RuleError';
  }
}

/** `1. the method is upper case` → `Rule 1: the method is upper case`. */
function ruleLine(rule: string): string {
  const numbered = /^(\d+)\.\s+(.*)$/.exec(rule);
  return numbered ? `Rule ${numbered[1]}: ${numbered[2]}` : `Rule: ${rule}`;
}

/** The rule being checked: the name of the running test, without its `describe` prefix. */
function currentRule(): string {
  const name = expect.getState().currentTestName ?? '(outside a test)';
  return name.split(' > ').at(-1) ?? name;
}

/** A value as one line: strings quoted (so spaces and escapes show), the rest as compact JSON. */
function oneLine(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (value instanceof Error) return `${value.name}: ${value.message.split('\n')[0]}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * `expected:` and `actual:` lines, aligned, each cut to a window around the first difference,
 * with a caret under it.
 *
 * @example
 * sideBySide('GET&/path&', 'get&/path&')
 * // ['  expected: "GET&/path&"', '  actual:   "get&/path&"', '              ^ first difference, character 1']
 */
export function sideBySide(expected: unknown, actual: unknown): string[] {
  const [e, a] = [oneLine(expected), oneLine(actual)];
  let at = 0;
  while (at < e.length && at < a.length && e[at] === a[at]) at += 1;
  const from = Math.max(0, at - BEFORE);
  const cut = (text: string) => `${from > 0 ? '…' : ''}${text.slice(from, at + AFTER)}${text.length > at + AFTER ? '…' : ''}`;
  const caret = ' '.repeat(12 + (from > 0 ? 1 : 0) + at - from);
  // In a quoted string, character 1 is the one after the quote.
  const position = typeof expected === 'string' && typeof actual === 'string' ? at : at + 1;
  return [`  expected: ${cut(e)}`, `  actual:   ${cut(a)}`, `${caret}^ first difference, character ${position}`];
}

/**
 * Checks one rule: `actual` must deep-equal `expected`. `call` says what was called, so the learner
 * can try it; `note` adds a line (e.g. that the expected value is the mock's own choice).
 *
 * @example
 * expectRule(canonicalRequest('get', '/path'), 'GET&/path&', "canonicalRequest('get', '/path')")
 */
export function expectRule(actual: unknown, expected: unknown, call?: string, note?: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  throw new RuleError({ rule: currentRule(), call, expected, actual, note });
}

/**
 * Checks that a call is refused with a given error `code` (a `LabError`'s). Passing, or failing
 * with another error, breaks the rule and says which.
 *
 * @example
 * await expectRefusal(() => verifyRequest(request, options), 'ERR_JWT_SIGNATURE', 'a token signed with another secret')
 */
export async function expectRefusal(attempt: () => unknown, code: string, call?: string): Promise<void> {
  let outcome: unknown;
  try {
    const value = await attempt();
    outcome = `accepted (returned ${oneLine(value).slice(0, 60)})`;
  } catch (error) {
    const got = (error as { code?: unknown } | null)?.code;
    if (got === code) return;
    outcome = typeof got === 'string' ? `refused with ${got}: ${(error as Error).message.split('\n')[0]}` : oneLine(error);
  }
  throw new RuleError({ rule: currentRule(), call, expected: `refused with ${code}`, actual: outcome, plain: true });
}

/**
 * Fails the rule with two sentences instead of two values, for what is not a comparison (what the
 * mock answered, a library's refusal).
 *
 * @example
 * if (response.status !== 200) failRule('200 with an access token', `401 unauthorized_client: ...`, 'request 1: POST /site/oauth2/access_token')
 */
export function failRule(expected: string, actual: string, call?: string): never {
  throw new RuleError({ rule: currentRule(), call, expected, actual, plain: true });
}
