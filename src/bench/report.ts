/* Writes a benchmark's section of docs/BENCHMARKS.md (between its markers), keeping the rest of the file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { databaseMode, machineInfo } from './stats';

export type BenchSection = 'ingest' | 'concurrency' | 'search' | 'ask' | 'chat' | 'recall' | 'eval-squad' | 'eval-office' | 'cache' | 'semantic-cache' | 'defaults' | 'soak';

/** docs/BENCHMARKS.md of the project (dist/bench -> ../../docs), or BENCH_DOCS_PATH. */
export function benchmarksDocPath(): string {
  return process.env.BENCH_DOCS_PATH ?? resolve(__dirname, '..', '..', 'docs', 'BENCHMARKS.md');
}

/** BENCH_WRITE_DOCS=0 prints the report without touching the doc (for smoke runs with reduced sizes). */
export function shouldWriteDocs(): boolean {
  return process.env.BENCH_WRITE_DOCS !== '0';
}

const SKELETON = `# Benchmarks

Throughput and latency of acervo's ingestion and search paths, produced by the scripts in
\`src/bench/\`. Each script rewrites only its own section below (between the \`bench:*\` markers),
with the date, machine, database mode and exact command of the run.

- \`npm run bench:ingest\` (\`nest build && node --expose-gc dist/bench/ingest.bench.js\`)
- \`npm run bench:search\` (\`nest build && node --expose-gc dist/bench/search.bench.js\`)

**Embedded vs server.** Unless \`DATABASE_URL\` is set, every figure is for the embedded
database: PGlite (Postgres compiled to WebAssembly, single-threaded) with pgvector, running inside
the benchmark's own Node process (in a worker thread) and reached through a loopback socket by the
ordinary \`pg\` driver. Its figures are a floor, not what a native Postgres server gives. Set
\`DATABASE_URL\` to a Postgres server with pgvector to measure that instead; each run prints which mode
it used.

<!-- bench:ingest:start -->
_Not run yet: \`npm run bench:ingest\`._
<!-- bench:ingest:end -->

<!-- bench:search:start -->
_Not run yet: \`npm run bench:search\`._
<!-- bench:search:end -->
`;

/** Replaces the section's body in docs/BENCHMARKS.md (creating the file from a skeleton if absent). */
export function writeSection(section: BenchSection, body: string, path = benchmarksDocPath()): void {
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : SKELETON;
  const start = `<!-- bench:${section}:start -->`;
  const end = `<!-- bench:${section}:end -->`;
  if (!doc.includes(start) || !doc.includes(end)) doc = `${doc.trimEnd()}\n\n${start}\n${end}\n`;
  const before = doc.slice(0, doc.indexOf(start) + start.length);
  const after = doc.slice(doc.indexOf(end));
  writeFileSync(path, `${before}\n${body.trim()}\n${after}`);
}

/** 1-minute load average when the script started: other work on the machine skews the figures. */
const LOAD_AT_START = loadavg()[0];

/** The "when / where / how" lines every section starts with. */
export function runHeader(command: string): string {
  const m = machineInfo();
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${m.nproc} CPUs (nproc; ${m.cpu}), ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.platform}`,
    `- Database: ${databaseMode()}`,
    `- Command: \`${command}\``,
    `- 1-minute load average: ${LOAD_AT_START.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (the benchmark itself keeps about 1 of the ${m.nproc} CPUs busy)`,
  ].join('\n');
}
