/* Building the two benchmark corpora (SQuAD-pt through the real ingestion path; synthetic 100k chunks). */
import { performance } from 'node:perf_hooks';
import type { AppConfig, DeepPartial } from '../shared/config';
import type { BenchContext } from './bench-app';
import { loadSquad, type SquadParagraph } from './squad';
import { CHUNKS_PER_DOC, SyntheticCorpus } from './synthetic';

/** Synthetic corpus size: 10,000 documents x 10 chunks = 100,000 chunks (BENCH_SYNTHETIC_DOCS to shrink it). */
export const SYNTHETIC_DOCS = Number(process.env.BENCH_SYNTHETIC_DOCS ?? 10_000);

/**
 * The embedded database's shared_buffers for the 100k corpus (BENCH_SHARED_BUFFERS overrides): its HNSW
 * index (195 MB) and chunk heap (137 MB) do not fit the 128MB default, which is sized for small knowledge
 * bases; config/default.yaml recommends raising EMBEDDED_PG_SHARED_BUFFERS at this scale, as done here.
 */
export const SYNTHETIC_SHARED_BUFFERS = process.env.BENCH_SHARED_BUFFERS ?? '512MB';

/** Config overrides for the apps that hold the synthetic corpus (embedded mode only). */
export function syntheticOverrides(): DeepPartial<AppConfig> {
  return serverMode() ? {} : { database: { embedded: { sharedBuffers: SYNTHETIC_SHARED_BUFFERS } } };
}

/** True when DATABASE_URL points at a real server (shared state: no index drops, unique names, cleanup). */
export function serverMode(): boolean {
  return !!process.env.DATABASE_URL;
}

/** A collection name for this run: fixed on the throwaway embedded DB, unique on a shared server. */
export function benchCollection(base: string): string {
  return serverMode() ? `${base}-${Date.now().toString(36)}` : base;
}

/** On a shared server, removes what the run wrote (documents cascade to chunks; triggers fix the stats). */
export async function cleanupCollection(ctx: BenchContext, name: string): Promise<void> {
  if (!serverMode()) return; // the embedded DB is deleted with its temp dir
  for (const sql of [`DELETE FROM documents WHERE collection = $1`, `DELETE FROM collection_stats WHERE collection = $1`, `DELETE FROM collections WHERE name = $1`]) {
    try {
      await ctx.dataSource.query(sql, [name]);
    } catch (e) {
      console.error(`cleanup: ${sql}: ${(e as Error).message}`);
    }
  }
}

export interface FullPathResult {
  docs: number;
  chunks: number;
  ms: number;
  /** Chunks written per document, in order. */
  chunksPerDoc: number[];
  /** Document id -> SQuAD paragraph id (SQuAD only). */
  paragraphByDocId: Map<string, string>;
}

/** Every SQuAD-pt dev paragraph through IngestTextHandler (normalize, dedup, chunk, embed, transactional write). */
export async function ingestSquad(ctx: BenchContext, collection: string, paragraphs: SquadParagraph[] = loadSquad().paragraphs): Promise<FullPathResult> {
  const res: FullPathResult = { docs: 0, chunks: 0, ms: 0, chunksPerDoc: [], paragraphByDocId: new Map() };
  const t0 = performance.now();
  for (const p of paragraphs) {
    const r = await ctx.ingest.execute({
      collection,
      title: p.article.replace(/_/g, ' '),
      text: p.context,
      sourceType: 'json',
      sourceId: p.id,
      mimeType: 'text/plain',
    });
    res.docs++;
    res.chunks += r.chunks;
    res.chunksPerDoc.push(r.chunks);
    res.paragraphByDocId.set(r.id, p.id);
  }
  res.ms = performance.now() - t0;
  return res;
}

/** Synthetic documents [from, to) through IngestTextHandler, checking each yields CHUNKS_PER_DOC chunks. */
export async function ingestSyntheticFullPath(
  ctx: BenchContext,
  corpus: SyntheticCorpus,
  collection: string,
  from: number,
  to: number,
): Promise<FullPathResult> {
  const res: FullPathResult = { docs: 0, chunks: 0, ms: 0, chunksPerDoc: [], paragraphByDocId: new Map() };
  let genMs = 0;
  const t0 = performance.now();
  for (let i = from; i < to; i++) {
    const g = performance.now();
    const doc = corpus.document(i);
    genMs += performance.now() - g;
    const r = await ctx.ingest.execute({
      collection,
      title: doc.title,
      text: doc.text,
      sourceType: 'json',
      sourceId: `synthetic:${i}`,
      mimeType: 'text/plain',
      metadata: { synthetic: true, doc: i },
    });
    if (r.chunks !== CHUNKS_PER_DOC || r.deduplicated) {
      throw new Error(`synthetic document ${i} gave ${r.chunks} chunks (deduplicated: ${r.deduplicated}); expected ${CHUNKS_PER_DOC}`);
    }
    res.docs++;
    res.chunks += r.chunks;
    res.chunksPerDoc.push(r.chunks);
  }
  // the generator is not part of the ingestion path: take its time out
  res.ms = performance.now() - t0 - genMs;
  return res;
}
