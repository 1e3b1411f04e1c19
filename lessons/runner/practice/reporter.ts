/**
 * The vitest reporter of `npm run practice`: after each run (one in `run` mode, one per change in
 * watch mode) it sends the per-rule results to the parent process over IPC (`run-tests.ts`), as a
 * {@link TestRun}. Loaded by vitest itself (`--reporter=<this file>`), so nothing imports it.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node';
import type { RuleFailure, TestRun } from './run-tests.ts';

/** The first stack frame outside vitest, the test helpers and the tests: where the learner's code threw. */
function whereOf(error: SerializedError): string | undefined {
  const frame = (error.stacks ?? []).find(
    (f) => !f.file.includes('/node_modules/') && !f.file.includes('/lessons/runner/') && !f.file.endsWith('.test.ts'),
  );
  return frame ? `${frame.file}:${frame.line}` : undefined;
}

function failureOf(error: SerializedError | undefined): RuleFailure | undefined {
  if (!error) return undefined;
  const failure: RuleFailure = { name: error.name ?? 'Error', message: error.message };
  const where = whereOf(error);
  if (where) failure.where = where;
  return failure;
}

function moduleResult(module: TestModule): TestRun['modules'][number] {
  const rules = [...module.children.allTests()].map((test) => {
    const result = test.result();
    const failure = result.state === 'failed' ? failureOf(result.errors[0]) : undefined;
    return failure ? { name: test.name, state: result.state, failure } : { name: test.name, state: result.state };
  });
  const error = failureOf(module.errors()[0]);
  return error ? { file: module.moduleId, rules, error } : { file: module.moduleId, rules };
}

/**
 * Sends each run's results to the parent (`process.send`); without one (run by hand), prints them
 * as one JSON line.
 *
 * @example
 * // node vitest.mjs run --project exercises --reporter=./lessons/runner/practice/reporter.ts lessons/03
 */
export default class PracticeReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const run: TestRun = {
      modules: testModules.map(moduleResult),
      unhandled: unhandledErrors.map((error) => failureOf(error) ?? { name: 'Error', message: 'unknown error' }),
    };
    if (process.send) process.send(run);
    else process.stdout.write(`${JSON.stringify(run)}\n`);
  }
}
