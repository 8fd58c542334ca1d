/* Runs `nest build` only when dist/ is older than src/: `npm run ingest` then starts in about a second instead of
 * rebuilding every time (10-15 s). Plain JavaScript, because it runs before anything is compiled.
 * Stale: a source file (src/**\/*.ts, not specs or .d.ts) newer than both its dist/ output and the start of the last
 * build run from here (tsc's incremental build does not rewrite an output whose content did not change, so a touched
 * file keeps an older output), a missing output, or a failed build (tsc emits even when it reports errors, so a
 * marker stays until a build succeeds).
 * It also keeps dist/cli/ingest.js executable (the `acervo-ingest` bin; a fresh tsc output is not).
 * Usage: node src/cli/build-if-stale.cjs --check                  exit 1 when stale, build nothing
 *        node src/cli/build-if-stale.cjs [--run <script> args...]  build when stale, then run the built script here */
'use strict';
const { chmodSync, existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const failedMarker = join(dist, '.build-failed');
/** Its mtime is when the last successful build run from here started: every source older than that is in dist/. */
const builtStamp = join(dist, '.build-started');
const bin = join(dist, 'cli', 'ingest.js');

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.ts$/.test(entry.name) && !/\.(spec|d)\.ts$/.test(entry.name)) yield path;
  }
}

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

/** Why dist/ must be rebuilt, or undefined when it is current. */
function staleness() {
  if (existsSync(failedMarker)) return 'the last build failed';
  const lastBuild = mtime(builtStamp);
  for (const file of sources(src)) {
    const output = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
    const built = mtime(output);
    if (built < 0) return `${relative(root, output)} is missing`;
    if (Math.max(built, lastBuild) < mtime(file)) return `${relative(root, file)} changed`;
  }
  return undefined;
}

/** Runs the built script in this process (one Node start instead of two), telling it dist/ was just checked. */
function runBuilt() {
  const at = process.argv.indexOf('--run');
  if (at < 0 || !process.argv[at + 1]) process.exit(0);
  const script = resolve(root, process.argv[at + 1]);
  process.argv = [process.argv[0], script, ...process.argv.slice(at + 2)];
  process.env.ACERVO_DIST_CHECKED = '1';
  require(script);
}

function makeBinExecutable() {
  try {
    const { mode } = statSync(bin);
    if ((mode & 0o111) !== 0o111) chmodSync(bin, mode | 0o111);
  } catch {
    /* not built (yet) */
  }
}

const reason = staleness();
if (process.argv.includes('--check')) {
  if (reason) process.stderr.write(`dist/ is out of date: ${reason}\n`);
  process.exit(reason ? 1 : 0);
}
if (reason) {
  process.stderr.write(`Building dist/ (${reason})...\n`);
  const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [root] });
  const started = new Date();
  const build = spawnSync(process.execPath, [nest, 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) {
    if (existsSync(dist)) writeFileSync(failedMarker, `nest build exited with ${build.status ?? build.signal}\n`);
    process.exit(build.status || 1);
  }
  rmSync(failedMarker, { force: true });
  writeFileSync(builtStamp, `${started.toISOString()}\n`);
  utimesSync(builtStamp, started, started);
}
makeBinExecutable();
runBuilt();
