/*
 * Search on default settings after a knowledge base grew through the normal ingestion path.
 *
 *   npm run bench:defaults      (nest build && node --expose-gc dist/bench/defaults.bench.js)
 *
 * A fresh embedded database on the default configuration (no benchmark overrides: the buffer cache is whatever
 * `database.embedded.sharedBuffers: auto` chooses, batches are `ingestion.batch`'s defaults), 5,000 synthetic
 * documents x 10 chunks = 50,000 chunks ingested through IngestTextHandler.executeMany (normalize, dedup lookups,
 * chunk, embed, transactional multi-row writes: the use case behind uploads, CSV/JSON imports, queue jobs and the
 * CLI), 100 documents per call, one call at a time (BENCH_DEFAULTS_CONCURRENCY: the embedded database has one
 * connection, and a second call waiting past its 15 s connect timeout fails), as one client importing many files
 * would send them. Then, sequentially, 300 keyword queries (the first 30 as
 * warm-up) through SearchHandler in hybrid, vector and text modes, interleaved; server-side `search_ms` and the
 * handler's wall time. Measured twice: in the process that ingested (the cache sized at boot for an empty
 * database), and after a restart (auto sizes it from the data).
 * BENCH_DEFAULTS_DOCS / BENCH_DEFAULTS_QUERIES shrink the run; BENCH_WRITE_DOCS=0 leaves the doc alone.
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchMode } from '../modules/retrieval';
import { DATABASE_STATE, type DatabaseState } from '../shared/database';
import { benchApp, type BenchContext } from './bench-app';
import type { IngestTextCommand } from '../modules/ingestion';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { databaseMode, markdownTable, PeakRss, round, summarize } from './stats';
import { CHUNKS_PER_DOC, SyntheticCorpus } from './synthetic';

const DOCS = Number(process.env.BENCH_DEFAULTS_DOCS ?? 5_000);
const QUERIES = Number(process.env.BENCH_DEFAULTS_QUERIES ?? 300);
const WARMUP = Math.max(1, Math.floor(QUERIES / 10));
const TOP_K = 5;
const COLLECTION = 'bench-defaults';
const MODES: SearchMode[] = ['hybrid', 'vector', 'text'];
/** Documents per executeMany call (it cuts them into `ingestion.batch` batches), and calls in flight. */
const PER_CALL = 100;
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_DEFAULTS_CONCURRENCY ?? 1));

/** Synthetic documents [from, to) through IngestTextHandler.executeMany, `CONCURRENCY` calls in flight. */
async function ingestBatched(ctx: BenchContext, corpus: SyntheticCorpus, from: number, to: number): Promise<{ chunks: number; ms: number }> {
  const calls: IngestTextCommand[][] = [];
  for (let i = from; i < to; i += PER_CALL) {
    const cmds: IngestTextCommand[] = [];
    for (let j = i; j < Math.min(to, i + PER_CALL); j++) {
      const doc = corpus.document(j);
      cmds.push({ collection: COLLECTION, title: doc.title, text: doc.text, sourceType: 'json', sourceId: `synthetic:${j}`, mimeType: 'text/plain', metadata: { synthetic: true, doc: j } });
    }
    calls.push(cmds);
  }
  let chunks = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < calls.length) {
      const cmds = calls[next++];
      for (const o of await ctx.ingest.executeMany(cmds)) {
        if (!o.result) throw new Error(`a synthetic document failed: ${(o.error as Error).message}`);
        if (o.result.chunks !== CHUNKS_PER_DOC || o.result.deduplicated) throw new Error(`a synthetic document gave ${o.result.chunks} chunks (deduplicated: ${o.result.deduplicated})`);
        chunks += o.result.chunks;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { chunks, ms: performance.now() - t0 };
}

interface Pass {
  label: string;
  sharedBuffers: string;
  rows: Array<[string, number, number, number, number]>;
}

async function measure(ctx: BenchContext, label: string, queries: string[]): Promise<Pass> {
  const state = ctx.app.get<DatabaseState>(DATABASE_STATE);
  const wall: Record<string, number[]> = {};
  const server: Record<string, number[]> = {};
  for (const m of MODES) {
    wall[m] = [];
    server[m] = [];
  }
  for (let i = 0; i < queries.length; i++) {
    // modes in a rotating order, so none always runs right after another warmed the buffers for it
    for (let j = 0; j < MODES.length; j++) {
      const mode = MODES[(i + j) % MODES.length];
      const t0 = performance.now();
      const res = await ctx.search.execute({ query: queries[i], collection: COLLECTION, mode, topK: TOP_K });
      const ms = performance.now() - t0;
      if (i >= WARMUP) {
        wall[mode].push(ms);
        server[mode].push(res.timings.search_ms);
      }
    }
  }
  const rows = MODES.map((m): [string, number, number, number, number] => {
    const w = summarize(wall[m], wall[m].reduce((a, b) => a + b, 0));
    const s = summarize(server[m], server[m].reduce((a, b) => a + b, 0));
    return [m, round(w.p50, 2), round(w.p95, 2), round(s.p50, 2), round(s.p95, 2)];
  });
  console.log(`[defaults] ${label}: ${rows.map((r) => `${r[0]} p50 ${r[1]} ms`).join(', ')}`);
  return { label, sharedBuffers: state.bufferCache?.setting ?? 'server', rows };
}

async function main(): Promise<void> {
  console.log(`Database: ${databaseMode()}`);
  const started = Date.now();
  const corpus = new SyntheticCorpus();
  const queries = corpus.queries(QUERIES, DOCS).map((q) => q.query);
  const rss = new PeakRss();
  const keep = mkdtempSync(join(tmpdir(), 'acervo-defaults-'));
  let ctx = await benchApp();
  const passes: Pass[] = [];
  let ingestLine: string;
  try {
    console.log(`[defaults] ingesting ${DOCS} documents through IngestTextHandler.executeMany`);
    const step = 500;
    let chunks = 0;
    let ms = 0;
    for (let from = 0; from < DOCS; from += step) {
      const r = await ingestBatched(ctx, corpus, from, Math.min(DOCS, from + step));
      chunks += r.chunks;
      ms += r.ms;
      console.log(`[defaults]   ${Math.min(DOCS, from + step)} documents, ${chunks} chunks, ${round(chunks / (ms / 1000), 1)} chunks/s (load ${loadavg()[0].toFixed(2)})`);
    }
    ingestLine = `${DOCS.toLocaleString('en')} documents -> ${chunks.toLocaleString('en')} chunks through IngestTextHandler.executeMany (${PER_CALL} documents per call, ${CONCURRENCY} calls in flight, default batches) in ${round(ms / 1000, 1)} s (${round(chunks / (ms / 1000), 1)} chunks/s, document generation included)`;
    passes.push(await measure(ctx, 'same process, after the ingest (cache sized at boot, empty database)', queries));
  } finally {
    if (ctx.config.database.url) await ctx.close();
    else await ctx.closeAndSave(join(keep, 'pg'));
  }
  if (!ctx.config.database.url) {
    ctx = await benchApp({}, { seedDataDir: join(keep, 'pg') });
    try {
      passes.push(await measure(ctx, 'after a restart (auto sized from the data)', queries));
    } finally {
      await ctx.close();
      rmSync(keep, { recursive: true, force: true });
    }
  }
  const peakMib = rss.mib;
  rss.stop();
  const body = passes
    .map(
      (p) =>
        `${p.label}; shared_buffers ${p.sharedBuffers}:\n\n${markdownTable(
          ['mode', 'p50 ms (handler)', 'p95 ms (handler)', 'p50 search_ms', 'p95 search_ms'],
          p.rows,
        )}`,
    )
    .join('\n\n');
  const hybrid = passes.map((p) => `${p.rows[0][1]} ms (${p.label.split(' (')[0]})`).join(', ');
  const text = `## Default settings, 50k chunks (\`npm run bench:defaults\`)

${runHeader('npm run bench:defaults')}
- Corpus: ${ingestLine}, default configuration (no benchmark overrides), ${QUERIES} synthetic keyword queries (first ${WARMUP} warm-up), top_k ${TOP_K}, sequential, modes interleaved
- Target: hybrid p50 <= 30 ms. Hybrid p50: ${hybrid}
- Peak RSS of the process: ${Math.round(peakMib)} MiB; total wall time ${round((Date.now() - started) / 1000, 1)} s

${body}`;
  console.log(`\n${text}`);
  if (shouldWriteDocs()) {
    writeSection('defaults', text);
    console.log('docs/BENCHMARKS.md updated (defaults section)');
  }
}

main().then(
  () => process.exit(0), // stop even if a timer or handle outlived the app
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message).slice(0, 4000) : e);
    process.exit(1);
  },
);
