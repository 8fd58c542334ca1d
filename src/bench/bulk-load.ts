/*
 * Bulk path for the synthetic corpus: skips the per-document ingestion use case (normalize, dedup
 * lookups, chunker) and writes many documents per transaction through retrieval's public write API
 * (ChunkIndexer.embed + ChunkIndexer.write, i.e. the adapter's own INSERT ... unnest SQL). Document
 * rows are inserted with one multi-row statement per batch. Chunks are the generator's paragraphs,
 * which is exactly what the real chunker cuts (ingest.bench checks that on the full-path subset).
 */
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ChunkIndexer, type ChunkDraft, type CollectionInfo } from '../modules/retrieval';
import { PgVectorIndexControl } from '../modules/retrieval/infrastructure/vector-stores/pgvector.index-control';
import { managerFor, TRANSACTION_RUNNER, type TransactionRunner } from '../shared/database';
import type { BenchContext } from './bench-app';
import { serverMode } from './corpora';
import { SyntheticCorpus, type SyntheticDoc } from './synthetic';

export interface BulkLoadOptions {
  collection: string;
  /** Document indexes [from, to) of the synthetic corpus. */
  from: number;
  to: number;
  docsPerTransaction?: number;
  /**
   * Drop the collection dimension's partial HNSW index before loading and rebuild it after (the usual
   * bulk-load practice, with maintenance_work_mem raised to 1GB for the build); false keeps it and pays
   * the incremental graph inserts. Ignored on a DATABASE_URL server (the index is shared there), unless
   * BENCH_SERVER_SEED_DEFER=1 says the server is a throwaway one of the benchmark's (seeding 100k chunks row by row
   * takes half an hour on a loaded server).
   */
  deferIndex?: boolean;
  onProgress?: (docsDone: number) => void;
}

export interface BulkLoadResult {
  docs: number;
  chunks: number;
  generateMs: number;
  embedMs: number;
  writeMs: number;
  indexMs: number;
  /** Whether the HNSW index was dropped and rebuilt (false: maintained row by row). */
  indexDeferred: boolean;
  totalMs: number;
}

export async function bulkLoadSynthetic(ctx: BenchContext, corpus: SyntheticCorpus, opts: BulkLoadOptions): Promise<BulkLoadResult> {
  const indexer = ctx.app.get(ChunkIndexer);
  const tx = ctx.app.get<TransactionRunner>(TRANSACTION_RUNNER);
  const collection = await indexer.openCollection(opts.collection);
  const perTx = opts.docsPerTransaction ?? 250;
  const res: BulkLoadResult = { docs: 0, chunks: 0, generateMs: 0, embedMs: 0, writeMs: 0, indexMs: 0, indexDeferred: false, totalMs: 0 };
  const t0 = performance.now();
  const deferIndex = !!opts.deferIndex && (!serverMode() || process.env.BENCH_SERVER_SEED_DEFER === '1');

  // the product's own drop and build (ChunkIndexer.beginBulkImport's), without its size rule
  const indexControl = ctx.app.get(PgVectorIndexControl, { strict: false });
  if (deferIndex) await indexControl.dropIndex(collection.dimension);

  for (let start = opts.from; start < opts.to; start += perTx) {
    let t = performance.now();
    const docs: SyntheticDoc[] = [];
    for (let i = start; i < Math.min(opts.to, start + perTx); i++) docs.push(corpus.document(i));
    res.generateMs += performance.now() - t;

    t = performance.now();
    const drafts = docs.map(toDrafts);
    const embedded = await indexer.embed(drafts.flat());
    res.embedMs += performance.now() - t;

    t = performance.now();
    const ids = docs.map(() => randomUUID());
    await tx.run(async () => {
      await insertDocuments(ctx, collection, docs, ids);
      let k = 0;
      for (let d = 0; d < docs.length; d++) {
        const chunks = embedded.slice(k, k + drafts[d].length);
        k += drafts[d].length;
        await indexer.write({ id: ids[d], title: docs[d].title, metadata: { synthetic: true, doc: docs[d].index } }, collection, chunks);
      }
    });
    res.writeMs += performance.now() - t;
    res.docs += docs.length;
    res.chunks += embedded.length;
    opts.onProgress?.(res.docs);
  }

  if (deferIndex) {
    const t = performance.now();
    await indexControl.buildIndex(collection.dimension);
    res.indexMs = performance.now() - t;
  }
  res.indexDeferred = deferIndex;
  await ctx.dataSource.query(`ANALYZE chunks`);
  await ctx.dataSource.query(`ANALYZE documents`);
  res.totalMs = performance.now() - t0;
  return res;
}

export function toDrafts(doc: SyntheticDoc): ChunkDraft[] {
  let offset = 0;
  return doc.paragraphs.map((text, position) => {
    const start = doc.text.indexOf(text, offset);
    offset = start + text.length;
    return { position, text, start, end: start + text.length };
  });
}

async function insertDocuments(ctx: BenchContext, collection: CollectionInfo, docs: SyntheticDoc[], ids: string[]): Promise<void> {
  await managerFor(ctx.dataSource).query(
    `INSERT INTO documents (id, collection, source_id, source_type, title, content_hash, mime_type, size_bytes, char_count, chunk_count, metadata)
     SELECT u.id, $1, u.source_id, 'json', u.title, u.hash, 'text/plain', u.size, u.chars, u.chunks, u.metadata::jsonb
     FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::text[])
          AS u(id, source_id, title, hash, size, chars, chunks, metadata)`,
    [
      collection.name,
      ids,
      docs.map((d) => `synthetic:${d.index}`),
      docs.map((d) => d.title),
      docs.map((d) => createHash('sha256').update(d.text, 'utf8').digest('hex')),
      docs.map((d) => Buffer.byteLength(d.text, 'utf8')),
      docs.map((d) => d.text.length),
      docs.map((d) => d.paragraphs.length),
      docs.map((d) => JSON.stringify({ synthetic: true, doc: d.index })),
    ],
  );
}
