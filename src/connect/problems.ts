import type { z } from 'zod';

/**
 * Turning zod's validation issues into the lines a learner reads: `path: what is wrong, what to do`.
 * Shared by the descriptor and the lifecycle payload checks. Messages never quote a field's value,
 * because a payload's fields include its sharedSecret.
 */

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

function expectedPhrase(expected: string): string {
  if (expected === 'array') return 'an array';
  if (expected === 'object') return 'a JSON object';
  return `a ${expected}`;
}

/**
 * A zod error map (pass it as `{ error: problemMessage }` to `safeParse`) with plain wording for the
 * generic issues. Issues with their own message (custom checks) keep it.
 *
 * @example
 * schema.safeParse(body, { error: problemMessage })
 */
export function problemMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is missing'
        : `must be ${expectedPhrase(issue.expected)}, not ${kindOf(issue.input)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'too_small':
      return issue.origin === 'string' && issue.minimum === 1 ? 'must not be empty' : undefined;
    case 'too_big':
      return issue.origin === 'string' ? `is too long: at most ${issue.maximum} characters` : undefined;
    default:
      return undefined;
  }
}

/**
 * A zod path as a reader writes it: `modules.repoPages[0].url`; `root` for the value itself.
 *
 * @example formatPath(['modules', 'repoPages', 0, 'url']) // 'modules.repoPages[0].url'
 */
export function formatPath(path: readonly PropertyKey[], root: string): string {
  let result = '';
  for (const segment of path) {
    if (typeof segment === 'number') result += `[${segment}]`;
    else result += result ? `.${String(segment)}` : String(segment);
  }
  return result || root;
}

/**
 * One line an issue, `path: message`, followed by what to do: `hint(path)` when it has something
 * (custom checks already say what to do, so they get none).
 *
 * @example
 * toProblems(result.error.issues, { root: 'body', hint: (path) => (path === 'clientKey' ? 'send the one Bitbucket posted' : undefined) })
 * // ['clientKey: is missing; send the one Bitbucket posted']
 */
export function toProblems(
  issues: readonly Issue[],
  options: { root: string; hint?: (path: string) => string | undefined },
): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path, options.root);
    const hint = issue.code === 'custom' ? undefined : options.hint?.(path);
    return hint ? `${path}: ${issue.message}; ${hint}` : `${path}: ${issue.message}`;
  });
}

/**
 * A `hint` for {@link toProblems} from a table keyed by exact path.
 *
 * @example toProblems(issues, { root: 'body', hint: hintFrom({ clientKey: 'send the one Bitbucket posted' }) })
 */
export function hintFrom(table: Readonly<Record<string, string>>): (path: string) => string | undefined {
  return (path) => (Object.hasOwn(table, path) ? table[path] : undefined);
}

/**
 * A `superRefine` callback from a function that lists a value's problems, each one a custom issue
 * at the value's path. Lets a check report several problems at once (an http URL that also ends
 * in `/`).
 *
 * @example
 * z.string().superRefine(refineWith((url) => (url.startsWith('/') ? [] : ['must start with "/"'])))
 */
export function refineWith<T>(
  findProblems: (value: T) => readonly string[],
): (value: T, ctx: z.core.$RefinementCtx<T>) => void {
  return (value, ctx) => {
    for (const message of findProblems(value)) ctx.addIssue({ code: 'custom', message });
  };
}
