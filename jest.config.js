/** Two projects: unit specs beside the code, e2e/adapter suites under test/ against real parts. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
const common = { moduleFileExtensions: ['js', 'json', 'ts'], testEnvironment: 'node', transform };
module.exports = {
  // Global, not per project: e2e suites boot an embedded Postgres per suite.
  testTimeout: 60000,
  // Redis and Bull clients of the queue suites keep reconnect timers after their server is gone: end the run
  // when the tests have finished rather than wait on them.
  forceExit: true,
  // Application logs of a suite are printed only when one of its tests fails, or as they come with LOG_LEVEL set.
  reporters: ['default', '<rootDir>/test/support/suite-logs.reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '.*\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', rootDir: 'test', testRegex: '.*\\.e2e-spec\\.ts$' },
  ],
};
