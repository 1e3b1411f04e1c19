/** `npm run lesson [n] [-- flags]`: see lessons/runner/README.md. */
import { runLessonCli } from './main.ts';
import { isInteractive, runProcess } from './process-io.ts';

runProcess(() =>
  runLessonCli({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: isInteractive(),
  }),
);
