/*
 * Jest globalSetup of the e2e project: brings dist/ up to date once, before any worker starts. The suites that run
 * the built app or CLI (server-process.ts, cli-ingest) call build-if-stale.cjs again, which is then a no-op: two
 * workers no longer rebuild dist/ at the same time while the other one starts a process from it.
 */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  const root = join(__dirname, '..', '..');
  try {
    execFileSync(process.execPath, [join(root, 'src', 'cli', 'build-if-stale.cjs')], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    throw new Error(`build-if-stale.cjs exited with ${e.status}:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
};
