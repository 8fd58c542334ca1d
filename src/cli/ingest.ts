#!/usr/bin/env node
import 'reflect-metadata';
import { runIngestCli } from './ingest.command';

// Ctrl+C once: finish the document in progress, close the database cleanly, exit 130. Twice: exit now.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write('\nStopping after the current document (Ctrl+C again to quit now)...\n');
  interrupt.abort();
});

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
