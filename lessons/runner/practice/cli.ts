/** `npm run practice [command] [-- flags]`: see lessons/runner/README.md, "Practice". */
import { isInteractive, runProcess } from '../process-io.ts';
import { runPracticeCli } from './main.ts';

runProcess(() =>
  runPracticeCli({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: isInteractive(),
  }),
);
