import { InterruptedError } from './errors.ts';
import { isPromptExit, type Prompts } from './prompts.ts';

/**
 * The learner's Ctrl-C during one run, as the runner saw it. At a prompt, Ctrl-C does not reach
 * the process as SIGINT (the terminal is in raw mode): inquirer rejects the prompt instead, and
 * that rejection can come back to the runner wrapped in any error (a failed install, a network
 * error...). So the runner records it where it happens, at the prompt, and ends the run with exit
 * 130 whatever error the step ends with. Ctrl-C outside a prompt is a SIGINT: see process-io.ts.
 *
 * @example
 * const interrupt = createInterrupt()
 * const prompts = interruptiblePrompts(await loadTerminalPrompts(), interrupt)
 * // ... the run ...
 * if (interrupt.interrupted) return 130
 */
export interface Interrupt {
  /** True once the learner pressed Ctrl-C. */
  readonly interrupted: boolean;
  /** Records Ctrl-C; recording it again changes nothing. */
  record(): void;
}

/**
 * A fresh record, one per run: nothing global, so tests run side by side.
 *
 * @example
 * const interrupt = createInterrupt()
 * interrupt.record()
 * interrupt.interrupted // true
 */
export function createInterrupt(): Interrupt {
  let interrupted = false;
  return {
    get interrupted() {
      return interrupted;
    },
    record() {
      interrupted = true;
    },
  };
}

/**
 * `prompts` that record Ctrl-C (inquirer's ExitPromptError) before rethrowing it, and that ask
 * nothing once it was pressed: a step that caught the first one and carried on gets
 * ERR_INTERRUPTED at its next question instead of a new prompt.
 *
 * @example
 * const prompts = interruptiblePrompts(await loadTerminalPrompts(), interrupt)
 * await prompts.confirm('Send this request?', true) // Ctrl-C: rejects, and interrupt.interrupted is true
 */
export function interruptiblePrompts(prompts: Prompts, interrupt: Interrupt): Prompts {
  const guard = async <T>(ask: () => Promise<T>): Promise<T> => {
    if (interrupt.interrupted) throw new InterruptedError();
    try {
      return await ask();
    } catch (error) {
      if (isPromptExit(error)) interrupt.record();
      throw error;
    }
  };
  return {
    confirm: (message, defaultValue, signal) => guard(() => prompts.confirm(message, defaultValue, signal)),
    select: (message, choices, defaultValue) => guard(() => prompts.select(message, choices, defaultValue)),
  };
}
