import { expect } from 'vitest';
import { isLabError, type LabError } from '../../src/errors.ts';

/**
 * The error an action fails with, for the checks that follow; the test fails when the action
 * succeeds. With `code`, the error must also be a {@link LabError} with that code.
 */

function check(error: unknown, code: string | undefined): void {
  if (code === undefined) return;
  const got = isLabError(error) ? error.code : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  expect(isLabError(error, code), `expected a LabError ${code}, got ${got}`).toBe(true);
}

/**
 * What `promise` rejects with.
 *
 * @example
 * const error = await rejection(store.get(key), 'ERR_STORE_CLOSED')
 * expect(error.message).toContain('closed')
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown>;
export async function rejection<E extends LabError = LabError>(promise: Promise<unknown>, code: string): Promise<E>;
export async function rejection(promise: Promise<unknown>, code?: string): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) throw new Error(`expected the promise to reject${code ? ` with ${code}` : ''}; it resolved`);
  check(outcome.error, code);
  return outcome.error;
}

/**
 * What `fn` throws.
 *
 * @example thrown(() => decodeUnverified('a.b'), 'ERR_JWT_MALFORMED').reason
 */
export function thrown(fn: () => unknown): unknown;
export function thrown<E extends LabError = LabError>(fn: () => unknown, code: string): E;
export function thrown(fn: () => unknown, code?: string): unknown {
  try {
    fn();
  } catch (error) {
    check(error, code);
    return error;
  }
  throw new Error(`expected a throw${code ? ` of ${code}` : ''}; nothing was thrown`);
}
