import { FormFieldError } from '../errors.ts';

/**
 * One text field of a parsed form or query: `undefined` when absent, the text when given once.
 * A field given twice, or as a nested object, is a malformed form.
 *
 * @throws {FormFieldError} `ERR_FAKE_FORM` naming the field.
 *
 * @example textField(req.query, 'descriptor_uri') // 'http://127.0.0.1:3000' or undefined
 */
export function textField(source: unknown, name: string, maxLength = 4096): string | undefined {
  if (typeof source !== 'object' || source === null || !Object.hasOwn(source, name)) return undefined;
  const value = (source as Record<string, unknown>)[name];
  if (typeof value !== 'string') throw new FormFieldError(name, 'given once, as text');
  if (value.length > maxLength) throw new FormFieldError(name, `at most ${maxLength} characters`);
  return value;
}
