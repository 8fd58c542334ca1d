#!/usr/bin/env node
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { interruptHandler, runIngestCli } from './ingest.command';

// Run as the `acervo-ingest` bin (npx) in a checkout, dist/ may be older than src/: say so rather than run old code
// silently. `npm run ingest` has just checked (and built) it.
const checker = join(__dirname, '..', '..', 'src', 'cli', 'build-if-stale.cjs');
if (!process.env.ACERVO_DIST_CHECKED && existsSync(checker)) {
  const check = spawnSync(process.execPath, [checker, '--check'], { encoding: 'utf8' });
  if (check.status === 1)
    process.stderr.write(
      `acervo-ingest: warning: ${check.stderr.trim()}; run npm run build (npm run ingest builds it first)\n`,
    );
}

// Piped into `head` or a closed pager: the output ends there, the run does not die on EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// Ctrl+C once: finish the batch being written, close the database cleanly, exit 130. Twice: exit now.
const interrupt = new AbortController();
process.on(
  'SIGINT',
  interruptHandler(interrupt, (text) => process.stderr.write(text), (code) => process.exit(code)),
);

runIngestCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, isTTY: process.stdout.isTTY },
  {},
  { signal: interrupt.signal },
)
  .then((code) => process.exit(code))
  .catch((e: Error) => {
    console.error(`ingest failed: ${e.stack ?? e.message}`);
    process.exit(1);
  });
