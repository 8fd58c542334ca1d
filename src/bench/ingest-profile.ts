/*
 * Where the time of one ingestion batch goes, in a large collection.
 *
 *   npm run build && BENCH_SEED_DIR=<saved 100k corpus> node dist/bench/ingest-profile.js
 *
 * Opens the saved corpus (bench:ingest's snapshot, or BENCH_SEED_DIR), then runs the same batch of
 * BENCH_PROFILE_DOCS synthetic documents (default 50 = 500 chunks) through IngestTextHandler.executeMany several
 * times, each inside a transaction that is rolled back (the collection stays as it was), with one part of the
 * write switched off per variant: the postings/statistics triggers, the HNSW index, the other chunk indexes.
 * The chunker and the embedder are timed on their own. Variants run twice, interleaved; the lower figure is kept.
 * BENCH_PROFILE_EXPLAIN=1 (a server of the benchmark's, as superuser) logs each statement's plan with its actual
 * times, its triggers' times included, to the server's log (auto_explain; the timing itself slows the run).
 */
import { performance } from 'node:perf_hooks';
import { CHUNKER } from '../modules/ingestion/application/ports/ingestion.tokens';
import type { Chunker } from '../modules/ingestion/application/ports/chunker.port';
import { ChunkIndexer } from '../modules/retrieval';
import { managerFor, TRANSACTION_RUNNER, type TransactionRunner } from '../shared/database';
import { benchApp } from './bench-app';
import { SYNTHETIC_DOCS, syntheticOverrides } from './corpora';
import { findSnapshot } from './corpus-cache';
import { round } from './stats';
import { SyntheticCorpus } from './synthetic';

const DOCS = Number(process.env.BENCH_PROFILE_DOCS ?? 50);
const explain = process.env.BENCH_PROFILE_EXPLAIN === '1';
const EXPLAIN_SQL = [
  `LOAD 'auto_explain'`,
  `SET LOCAL auto_explain.log_min_duration = 0`,
  `SET LOCAL auto_explain.log_analyze = on`,
  `SET LOCAL auto_explain.log_buffers = on`,
  `SET LOCAL auto_explain.log_triggers = on`,
  `SET LOCAL auto_explain.log_nested_statements = on`,
];

class Rollback extends Error {}

async function main(): Promise<void> {
  const seed = process.env.BENCH_SEED_DIR ?? findSnapshot(SYNTHETIC_DOCS)?.dir;
  const ctx = await benchApp(syntheticOverrides(), seed ? { seedDataDir: seed } : {});
  try {
    const collection = 'bench-synthetic';
    const [{ n }] = (await ctx.dataSource.query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1`, [collection])) as Array<{ n: number }>;
    console.log(`collection ${collection}: ${n} chunks`);
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'maintenance_work_mem'])
      console.log(`  ${setting} = ${((await ctx.dataSource.query(`SHOW ${setting}`)) as Array<Record<string, string>>)[0][setting]}`);
    const corpus = new SyntheticCorpus();
    const docs = Array.from({ length: DOCS }, (_, i) => corpus.document(SYNTHETIC_DOCS + 50_000 + i));
    const commands = docs.map((d) => ({
      collection,
      title: d.title,
      text: d.text,
      sourceType: 'json' as const,
      sourceId: `profile:${d.index}`,
      mimeType: 'text/plain',
      metadata: { synthetic: true, doc: d.index },
    }));
    const chunker = ctx.app.get<Chunker>(CHUNKER);
    const indexer = ctx.app.get(ChunkIndexer);
    const tx = ctx.app.get<TransactionRunner>(TRANSACTION_RUNNER);
    const info = await indexer.openCollection(collection);

    let drafts: Awaited<ReturnType<Chunker['split']>> = [];
    for (let r = 0; r < 3; r++) {
      let t = performance.now();
      drafts = [];
      // fresh texts each round: token counts are memoized
      for (let i = 0; i < DOCS; i++) drafts.push(...(await chunker.split(corpus.document(SYNTHETIC_DOCS + 60_000 + r * DOCS + i).text)));
      const chunkMs = performance.now() - t;
      t = performance.now();
      await indexer.embed(drafts, info);
      const embedMs = performance.now() - t;
      console.log(`${drafts.length} chunks; chunker ${round(chunkMs, 0)} ms, embedder ${round(embedMs, 0)} ms`);
    }

    const indexes = (await ctx.dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' AND indexname NOT IN ('chunks_pkey') ORDER BY 1`,
    )) as Array<{ indexname: string }>;
    const hnsw = indexes.filter((i) => i.indexname.startsWith('chunks_embedding_hnsw')).map((i) => i.indexname);
    const others = indexes.map((i) => i.indexname).filter((i) => !hnsw.includes(i));
    const variants: Array<{ name: string; sql: string[] }> = [
      { name: 'everything', sql: [] },
      { name: 'no stats/postings triggers', sql: [`ALTER TABLE chunks DISABLE TRIGGER chunks_stats_insert`, `ALTER TABLE chunks DISABLE TRIGGER chunks_stats_delete`] },
      { name: 'no HNSW index', sql: hnsw.map((i) => `DROP INDEX ${i}`) },
      { name: `no other chunk indexes (${others.join(', ')})`, sql: others.map((i) => `DROP INDEX ${i}`) },
      {
        name: 'no triggers, no HNSW',
        sql: [`ALTER TABLE chunks DISABLE TRIGGER chunks_stats_insert`, `ALTER TABLE chunks DISABLE TRIGGER chunks_stats_delete`, ...hnsw.map((i) => `DROP INDEX ${i}`)],
      },
    ];
    // BENCH_PROFILE_VARIANTS=0,2: only those (by position)
    const only = process.env.BENCH_PROFILE_VARIANTS?.split(',').map(Number);
    if (only) variants.splice(0, variants.length, ...variants.filter((_, i) => only.includes(i)));
    const best = new Map<string, number>();
    for (let round_ = 0; round_ < Number(process.env.BENCH_PROFILE_ROUNDS ?? 2); round_++) {
      for (const v of variants) {
        let ms = 0;
        try {
          await tx.run(async () => {
            const em = managerFor(ctx.dataSource);
            for (const s of v.sql) await em.query(s);
            // BENCH_PROFILE_EXPLAIN=1 (server mode, superuser): each statement's plan with its times, its index inserts
            // inside the Insert node and its triggers' times, into the server's log (auto_explain)
            if (explain) for (const s of EXPLAIN_SQL) await em.query(s);
            const t0 = performance.now();
            const out = await ctx.ingest.executeMany(commands);
            ms = performance.now() - t0;
            const failed = out.find((o) => o.error);
            if (failed) throw failed.error;
            throw new Rollback();
          });
        } catch (e) {
          if (!(e instanceof Rollback)) throw e;
        }
        best.set(v.name, Math.min(best.get(v.name) ?? Infinity, ms));
        console.log(`  ${v.name}: ${round(ms, 0)} ms (${round((drafts.length / ms) * 1000, 1)} chunks/s)`);
      }
    }
    console.log('\nbest of two (executeMany, chunk + embed + write, rolled back):');
    for (const [name, ms] of best) console.log(`  ${name}: ${round(ms, 0)} ms, ${round((drafts.length / ms) * 1000, 1)} chunks/s`);
  } finally {
    await ctx.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
