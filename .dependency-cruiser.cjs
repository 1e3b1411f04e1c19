/**
 * The layers of jwt-grant-lab, read top to bottom:
 *
 *   scripts/   the entry points (npm start, npm run rehearse, ...): wire everything together
 *   lessons/   the course: uses the mock and the library
 *   mocks/     Bitbucket, offline: uses the library (the protocol), never the app
 *   src/app/   the Connect app, on top of the library
 *   src/       the library (jwt, oauth, store, connect, http, log, text, ...): copied into real
 *              apps, so it imports nothing of the lab
 *
 * Tests (*.test.ts, test/) may use any layer. Each rule below forbids one direction that would
 * make a layer know one above it, and says why and what to do instead. `npm test` runs them
 * (test/layers.test.ts), `npm run layers` prints the violations, `npm run layers:graph` redraws
 * the picture in docs/ARCHITECTURE.md from the same cruise.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TEST_FILE = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'library-imports-no-lab',
      comment:
        'src/ is the library a developer copies into a real app, which has no lessons/, mocks/, scripts/ or test/ (and no msw): ' +
        'pass what the library needs in as a parameter or an interface (as createApp takes a Course and a fetch) instead of importing it.',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { path: ['^(lessons|mocks|scripts|test)/', '(^|/)node_modules/(msw|@mswjs)/'] },
    },
    {
      name: 'no-test-helpers-in-library',
      comment:
        'Test code (vitest, fast-check, playwright: the devDependencies) does not belong in src/: ' +
        'put the helper in test/support/, beside the tests that use it (as test/support/store/contract.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'plumbing-knows-no-app',
      comment:
        'The library below src/app/ is what the mock and the lessons reuse; if it imported the app, they would know the app through it. ' +
        'Move what both need down into the plumbing (src/log/, src/text/, src/http/).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app/', TEST_FILE] },
      to: { path: '^src/app/' },
    },
    {
      name: 'mock-knows-no-app',
      comment:
        'mocks/ plays Bitbucket: it knows the protocol (src/), never the app under test, the lessons or the entry points, ' +
        'so it answers any app as Bitbucket would. Wire the app and the mock together in scripts/ (as scripts/lib/rehearsal.ts); ' +
        'what both need belongs in the library below src/app/.',
      severity: 'error',
      from: { path: '^mocks/' },
      to: { path: ['^(lessons|scripts)/', '^src/app/'] },
    },
    {
      name: 'entry-points-on-top',
      comment:
        'scripts/ are the entry points that wire everything together; nothing below them imports them. ' +
        'Move the shared part down: into src/ when the app needs it, mocks/ when the mock does, lessons/runner/ when the lessons do.',
      severity: 'error',
      from: { path: '^(src|mocks|lessons)/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'test-helpers-stay-in-tests',
      comment: 'test/ holds the tests and their helpers; code that runs outside a test (src/, mocks/, lessons/, scripts/) does not import them.',
      severity: 'error',
      from: { path: '^(src|mocks|lessons|scripts)/', pathNot: TEST_FILE },
      to: { path: '^test/' },
    },
    {
      name: 'no-cycles-in-library',
      comment:
        'Modules of src/ import each other one way only, so each can be read, tested and copied on its own: ' +
        'break the cycle by moving what both need into a third module.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves to a file or a package: an import the check cannot resolve is a layer it cannot check (a typo, or a moved file).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a file does not compile without them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // The deliberately wrong imports of the layer check's own test (cruised on their own there).
    exclude: { path: '^test/fixtures/layers/' },
    // Readable node names in the picture (docs/ARCHITECTURE.md), so a diff of it reads.
    reporterOptions: { mermaid: { minify: false } },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
