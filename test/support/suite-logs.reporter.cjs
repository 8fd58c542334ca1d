/* A Jest reporter that prints the application logs of a suite with a failed test, and only then.
 * The e2e apps (test/support/app.ts, suite-logs.ts) write their log lines to one file per suite in the
 * directory made here, unless LOG_LEVEL is set (then they go to stdout as in production). */
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');

/** Same name as in suite-logs.ts. */
const suiteLogFile = (dir, testPath) => join(dir, `${createHash('sha1').update(testPath).digest('hex')}.log`);

class SuiteLogsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    // Set before any test runs: runInBand suites read it in this process, workers inherit it.
    this.dir = mkdtempSync(join(tmpdir(), 'acervo-test-logs-'));
    process.env.ACERVO_TEST_LOG_DIR = this.dir;
  }

  onTestResult(test, result) {
    const file = suiteLogFile(this.dir, test.path);
    if (!existsSync(file)) return;
    if (result.numFailingTests > 0 || result.testExecError) {
      const lines = readFileSync(file, 'utf8');
      process.stderr.write(`\nLogs of ${relative(this.rootDir, test.path)} (a test failed):\n${lines}${lines.endsWith('\n') ? '' : '\n'}`);
    }
    rmSync(file, { force: true });
  }

  onRunComplete() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = SuiteLogsReporter;
