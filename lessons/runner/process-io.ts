/**
 * Wiring of the CLIs to the real process: exit codes, Ctrl-C, a closed pipe.
 */

/**
 * Runs a CLI function against the process and exits with its code. Ctrl-C outside a prompt (a
 * SIGINT) ends the process at once with `Interrupted.` and 130, without a trace, wherever the run
 * is: nothing after it can turn it into a failure. (At a prompt, Ctrl-C is a keypress, which the
 * CLI itself records: interrupt.ts.) A closed stdout (`| head`) ends quietly. The exit waits for
 * output to drain, and is forced after a second if a stray handle would keep the process alive.
 *
 * @example
 * runProcess(() => runLessonCli({ argv: process.argv.slice(2), ... }))
 */
export function runProcess(main: () => Promise<number>): void {
  process.on('SIGINT', () => {
    // The terminal echoed ^C on the current line: the message starts on the next one.
    process.stdout.write('\nInterrupted.\n');
    process.exit(130);
  });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main().then(
    (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 1000).unref();
    },
    (error: unknown) => {
      // The CLI functions catch everything they expect; this is a bug, reported without a stack.
      process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Whether a person can answer prompts: both stdin and stdout are terminals.
 *
 * @example
 * runLessonCli({ ..., interactive: isInteractive() })
 */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}
