import { PassThrough } from 'node:stream';
import { confirm, select } from '@inquirer/prompts';
import { describe, expect, it } from 'vitest';
import { createInterrupt, interruptiblePrompts } from './interrupt.ts';
import type { Prompts } from './prompts.ts';

/** The real inquirer prompts, on a fake terminal: what the learner types goes to `keys`. */
function fakeTerminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  const asked: string[] = [];
  const prompts: Prompts = {
    confirm: (message, defaultValue, signal) => {
      asked.push(message);
      return confirm({ message, default: defaultValue }, { input, output, ...(signal ? { signal } : {}) });
    },
    select: (message, choices, defaultValue) => {
      asked.push(message);
      return select({ message, choices, default: defaultValue }, { input, output });
    },
  };
  /** Types `text` once the prompt is listening. */
  const type = (text: string) => setTimeout(() => input.write(text), 10);
  return { prompts, asked, type };
}

describe('interruptiblePrompts', () => {
  it("records Ctrl-C at a prompt (inquirer's ExitPromptError), and still rejects with it", async () => {
    const terminal = fakeTerminal();
    const interrupt = createInterrupt();
    const prompts = interruptiblePrompts(terminal.prompts, interrupt);
    const answer = prompts.confirm('Send this request?', true);
    terminal.type('\x03');
    await expect(answer).rejects.toMatchObject({ name: 'ExitPromptError' });
    expect(interrupt.interrupted).toBe(true);
  });

  it('asks nothing once Ctrl-C was pressed: the next question fails with ERR_INTERRUPTED at once', async () => {
    const terminal = fakeTerminal();
    const interrupt = createInterrupt();
    interrupt.record();
    const prompts = interruptiblePrompts(terminal.prompts, interrupt);
    await expect(prompts.confirm('Send this request?', true)).rejects.toMatchObject({ code: 'ERR_INTERRUPTED' });
    await expect(prompts.select('Which lesson?', [{ name: '1. Hello', value: 1 }])).rejects.toMatchObject({ code: 'ERR_INTERRUPTED' });
    expect(terminal.asked).toEqual([]);
  });

  it('passes answers through, and records nothing for a question withdrawn by its signal or any other error', async () => {
    const terminal = fakeTerminal();
    const interrupt = createInterrupt();
    const prompts = interruptiblePrompts(terminal.prompts, interrupt);
    const yes = prompts.confirm('Send this request?', false);
    terminal.type('y\r');
    expect(await yes).toBe(true);

    const controller = new AbortController();
    const withdrawn = prompts.confirm('Send this request?', true, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await expect(withdrawn).rejects.toMatchObject({ name: 'AbortPromptError' });

    const broken = interruptiblePrompts({ ...terminal.prompts, confirm: async () => Promise.reject(new Error('no terminal')) }, interrupt);
    await expect(broken.confirm('Send this request?', true)).rejects.toThrow('no terminal');
    expect(interrupt.interrupted).toBe(false);
  });
});
