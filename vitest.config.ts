import { configDefaults, defineConfig } from 'vitest/config';
import { practiceTargetOf, practiceTargetPlugin } from './lessons/runner/practice/target-plugin.ts';

const EXERCISE_TESTS = 'lessons/*/exercises/*/*.test.ts';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    // Each file gets its own module graph, so msw servers and stores never leak between files.
    isolate: true,
    projects: [
      {
        // The lab's own tests: `npm test` (which also runs the exercise tests against the solutions and the starting files).
        extends: true,
        test: {
          name: 'lab',
          include: ['src/**/*.test.ts', 'mocks/**/*.test.ts', 'lessons/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: [...configDefaults.exclude, EXERCISE_TESTS],
        },
      },
      {
        // The learner's exercises: `npx vitest run lessons/03`, `npm run practice`. They fail until solved.
        // PRACTICE_TARGET=solution (or start) runs the same tests against the solutions (or the starting files).
        extends: true,
        plugins: [practiceTargetPlugin(practiceTargetOf(process.env))],
        test: { name: 'exercises', include: [EXERCISE_TESTS] },
      },
    ],
  },
});
