import { describe, expect, it } from 'vitest';
import { untilAborted } from './until-aborted.ts';

describe('untilAborted', () => {
  it('settles with the promise when the signal stays quiet', async () => {
    await expect(untilAborted(new AbortController().signal, Promise.resolve(42))).resolves.toBe(42);
  });

  it('rejects with the reason as soon as the signal aborts, before the work ends', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const raced = untilAborted(controller.signal, never);
    controller.abort(new Error('stop'));
    await expect(raced).rejects.toThrow('stop');
  });

  it('rejects at once for a signal already aborted', async () => {
    await expect(untilAborted(AbortSignal.abort(new Error('gone')), Promise.resolve(1))).rejects.toThrow('gone');
  });
});
