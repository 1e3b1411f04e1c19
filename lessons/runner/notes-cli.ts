/** `npm run notes <n>`: see lessons/runner/README.md. */
import { runNotesCli } from './notes.ts';
import { runProcess } from './process-io.ts';

runProcess(() => runNotesCli({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }));
