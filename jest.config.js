/** Two projects: unit specs beside the code, e2e/adapter suites under test/ against real parts. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
const common = { moduleFileExtensions: ['js', 'json', 'ts'], testEnvironment: 'node', transform };
module.exports = {
  // Global, not per project: e2e suites boot an embedded Postgres per suite.
  testTimeout: 60000,
  // Redis and Bull clients of the queue suites keep reconnect timers after their server is gone: end the run
  // when the tests have finished rather than wait on them.
  forceExit: true,
  // Two workers: each suite's embedded database is single-threaded, so one worker left the second CPU idle (CI's
  // first pass: 21 -> 16 minutes). Suites on one server of DATABASE_URL empty its tables: they run one at a time,
  // unless DATABASE_URLS gives each worker a server of its own (test/support/server-pass.setup.cjs, CI's second pass).
  maxWorkers: (() => {
    const urls = (process.env.DATABASE_URLS ?? '').split(',').filter(Boolean).length;
    return urls > 0 ? Math.min(2, urls) : process.env.DATABASE_URL ? 1 : 2;
  })(),
  // A worker whose heap has grown past this after a file is replaced before the next one: in one process, the heap
  // left by earlier suites slowed a later allocation-heavy test past its timeout (CI, session 11).
  workerIdleMemoryLimit: '1536MB',
  // Application logs of a suite are printed only when one of its tests fails, or as they come with LOG_LEVEL set.
  reporters: ['default', '<rootDir>/test/support/suite-logs.reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '.*\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', rootDir: 'test', testRegex: '.*\\.e2e-spec\\.ts$', setupFiles: ['<rootDir>/support/server-pass.setup.cjs'], globalSetup: '<rootDir>/support/build-once.cjs' },
  ],
};
