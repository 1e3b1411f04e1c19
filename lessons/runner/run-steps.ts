import { isLabError } from '../../src/errors.ts';
import type { Interrupt } from './interrupt.ts';
import type { Lesson, LessonContext } from './lesson.ts';
import type { Output } from './output.ts';
import { isPromptExit } from './prompts.ts';

/** How a run of a lesson's steps ended. */
export interface StepsResult {
  ok: boolean;
  /** Steps that passed. */
  passed: number;
  /** The step that failed (1-based) and why. */
  failure?: { step: number; title: string; error: unknown };
  /** The learner pressed Ctrl-C: the run stopped, nothing failed. */
  interrupted?: true;
}

/**
 * An error as the learner reads it: the message only (never a stack), and where to read more
 * when the error names its lesson.
 *
 * @example
 * describeError(new LabError('ERR_QSH_MISMATCH', 'The qsh claim ...', { lesson: 6 }))
 * // ['The qsh claim ...', 'See lesson 6: npm run notes 6']
 */
export function describeError(error: unknown): string[] {
  if (isLabError(error)) {
    return [error.message, ...(error.lesson ? [`See lesson ${error.lesson}: npm run notes ${error.lesson}`] : [])];
  }
  if (error instanceof Error) return [`Unexpected ${error.name}: ${error.message || '(no message)'}`];
  return [`Unexpected failure: ${String(error)}`];
}

/**
 * Runs the steps in order, printing a heading before each and a ✓ or ✗ line after. The first
 * failure stops the run (later steps build on earlier ones); the steps not run are listed.
 * Ctrl-C is not a failure, whatever error the step wrapped it in (an install that "could not
 * deliver" because its confirmation was force-closed): once `interrupt` holds it, the run stops
 * with `interrupted` and prints nothing more, also after a step that caught it and went on.
 *
 * @example
 * const result = await runSteps(lesson, ctx, { output, interrupt, onStep: (title) => (current = title) })
 * process.exitCode = result.interrupted ? 130 : result.ok ? 0 : 1
 */
export async function runSteps(
  lesson: Lesson,
  ctx: LessonContext,
  o: { output: Output; interrupt: Interrupt; onStep?: (label: string) => void },
): Promise<StepsResult> {
  const { output } = o;
  const { style } = output;
  const total = lesson.steps.length;
  for (const [index, step] of lesson.steps.entries()) {
    const label = `Step ${index + 1}: ${step.title}`;
    o.onStep?.(label);
    output.line(style.bold(`Step ${index + 1} of ${total}: ${step.title}`));
    try {
      await step.run(ctx);
    } catch (error) {
      if (isPromptExit(error)) o.interrupt.record();
      if (o.interrupt.interrupted) return { ok: false, passed: index, interrupted: true };
      output.line(`${style.red('✗')} ${label}`);
      output.child('  ').line(describeError(error).join('\n'));
      for (const [later, rest] of lesson.steps.slice(index + 1).entries()) {
        output.line(style.dim(`- Step ${index + 2 + later}: ${rest.title} (not run)`));
      }
      return { ok: false, passed: index, failure: { step: index + 1, title: step.title, error } };
    }
    if (o.interrupt.interrupted) return { ok: false, passed: index, interrupted: true };
    output.line(`${style.green('✓')} ${label}\n`);
  }
  return { ok: true, passed: total };
}
