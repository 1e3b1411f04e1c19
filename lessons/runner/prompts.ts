/** The questions the runner asks on a terminal; injected so the CLI can be tested without one. */
export interface Prompts {
  /** `signal` withdraws the question (inquirer then rejects with AbortPromptError). */
  confirm(message: string, defaultValue: boolean, signal?: AbortSignal): Promise<boolean>;
  select(message: string, choices: { name: string; value: number }[], defaultValue?: number): Promise<number>;
}

/**
 * Prompts backed by @inquirer/prompts, imported only when a terminal is there to answer them
 * (it is the heaviest import, and piped runs never need it).
 *
 * @example
 * const prompts = await loadTerminalPrompts()
 * if (await prompts.confirm('Send this request?', true)) { ... }
 */
export async function loadTerminalPrompts(): Promise<Prompts> {
  const { confirm, select } = await import('@inquirer/prompts');
  return {
    confirm: (message, defaultValue, signal) => confirm({ message, default: defaultValue }, signal ? { signal } : {}),
    select: (message, choices, defaultValue) => select({ message, choices, default: defaultValue, pageSize: 12 }),
  };
}

/**
 * True for the error inquirer throws when the learner presses Ctrl-C (or closes the terminal)
 * at a prompt: the run stops quietly with exit code 130, like a SIGINT. Not for AbortPromptError:
 * that is the asking code withdrawing its question (its signal), not the learner.
 *
 * @example
 * catch (error) { if (isPromptExit(error)) return 130 }
 */
export function isPromptExit(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}
