import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { LruMap } from '../../../../shared/cache';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { withoutNul } from '../../../../shared/text/nul';
import { CollectionInfo, RankedChunk, SearchHit } from '../../domain/chunk';
import { DEFAULT_COLLECTION } from '../../domain/collection-name';
import { CollectionNotFoundError, InvalidSearchError } from '../../domain/retrieval.errors';
import { rerank } from '../../domain/rerank';
import { reciprocalRankFusion, RrfPolicy, singleBranch } from '../../domain/rrf';
import { EmbedderRegistry } from '../embedders/embedder-registry.service';
import { Embedder } from '../ports/embedder.port';
import { VECTOR_STORE } from '../ports/retrieval.tokens';
import { CorpusState, VectorStore } from '../ports/vector-store.port';
import { SearchQuery, SearchResult } from './search.query';

const ms = (from: number) => Math.round((performance.now() - from) * 100) / 100;

/**
 * Collection rows are read on every search; they change only at creation and at a re-index cutover, and
 * a cutover is detected in SQL (the vector query checks the collection still names the query's embedder,
 * then the search re-reads and retries). So a short cache saves a round trip per search safely.
 */
const COLLECTION_CACHE_MS = 5000;

/**
 * Hybrid retrieval: pgvector cosine and Postgres full-text, fused with weighted RRF. The query is embedded
 * with the embedder that built the collection (during a re-index, the old one until the cutover commits).
 */
@Injectable()
export class SearchHandler {
  constructor(
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private readonly collections = new Map<string, { info: CollectionInfo; at: number }>();
  /** Query embeddings by embedder and text (cache.embeddings.maxEntries, LRU; 0: off). */
  private queryEmbeddings?: LruMap<string, Float32Array>;

  private readonly versionReads = new Map<string, { running: Promise<unknown>; next?: Promise<CorpusState | null> }>();

  /**
   * The collection's embedder and corpus version (what a cached answer depends on); null when it does not
   * exist. Concurrent callers share reads, but never one that began before them (it could predate an ingest
   * they must see): a caller arriving while a read runs waits for the next one, which all such callers share.
   */
  corpusState(collection: string): Promise<CorpusState | null> {
    const slot = this.versionReads.get(collection);
    if (!slot) {
      const fresh = { running: Promise.resolve() as Promise<unknown> };
      this.versionReads.set(collection, fresh);
      return this.readVersion(collection, fresh);
    }
    slot.next ??= slot.running.then(() => {
      slot.next = undefined; // callers from now on wait for the read after this one
      return this.readVersion(collection, slot);
    });
    return slot.next;
  }

  private readVersion(collection: string, slot: { running: Promise<unknown>; next?: Promise<CorpusState | null> }): Promise<CorpusState | null> {
    const read = this.store.corpusState(collection);
    const running = read.catch(() => undefined);
    slot.running = running;
    void running.then(() => {
      if (slot.running === running && !slot.next && this.versionReads.get(collection) === slot) this.versionReads.delete(collection);
    });
    return read;
  }

  /** The query's embedding with the collection's embedder (cached); null when the collection has none yet. */
  async embedQuery(collection: string, text: string): Promise<Float32Array | null> {
    const info = await this.collection(collection, false);
    const embedder = info ? this.embedders.find(info) : undefined;
    return embedder ? this.embedQueryWith(embedder, withoutNul(text).trim()) : null;
  }

  private async embedQueryWith(embedder: Embedder, query: string): Promise<Float32Array> {
    if (this.config.cache.embeddings.maxEntries === 0) return (await embedder.embed([query], 'query'))[0];
    const key = `${embedder.info.modelId}\u0000${query}`;
    const cache = (this.queryEmbeddings ??= new LruMap(this.config.cache.embeddings.maxEntries));
    const hit = cache.get(key);
    if (hit) return hit;
    const [embedding] = await embedder.embed([query], 'query');
    cache.set(key, embedding);
    return embedding;
  }

  execute(q: SearchQuery): Promise<SearchResult> {
    return this.run({ ...q, query: withoutNul(q.query), filters: withoutNul(q.filters) }, 0);
  }

  private async collection(name: string, fresh: boolean): Promise<CollectionInfo | null> {
    const cached = this.collections.get(name);
    if (!fresh && cached && performance.now() - cached.at < COLLECTION_CACHE_MS) return cached.info;
    const info = await this.store.getCollection(name);
    if (info) this.collections.set(name, { info, at: performance.now() });
    else this.collections.delete(name);
    return info;
  }

  private async run(q: SearchQuery, attempt: number): Promise<SearchResult> {
    const policy = this.config.retrieval.search;
    const query = q.query.trim();
    if (!query) throw new InvalidSearchError('query must contain text', 'query');
    const topK = q.topK ?? policy.defaultTopK;
    if (topK > policy.maxTopK) throw new InvalidSearchError(`top_k must be at most ${policy.maxTopK}`, 'top_k');
    const mode = q.mode ?? policy.defaultMode;
    const collection = await this.collection(q.collection, attempt > 0);
    if (!collection) {
      // the default collection exists from the first ingest on: before that the knowledge base is just empty
      if (q.collection === DEFAULT_COLLECTION) return { hits: [], mode, collection: q.collection, embedder: null, timings: { embed_ms: 0, search_ms: 0 } };
      throw new CollectionNotFoundError(q.collection);
    }
    // Only fusion needs a wider candidate pool than what is returned.
    const limit = mode === 'hybrid' ? Math.max(policy.candidates, topK) : topK;

    const branch = { collection: collection.name, limit, filters: q.filters };
    // The text branch needs no embedding: it is sent first, so the database works on it while the query is embedded
    // (and the embedded database, one statement at a time, has it done or under way when the vector query arrives).
    const t1 = performance.now();
    const textQuery =
      mode !== 'vector' ? this.store.textSearch({ ...branch, text: query, textSearchConfig: collection.textSearchConfig }) : Promise.resolve<RankedChunk[]>([]);
    textQuery.catch(() => undefined); // awaited below; not an unhandled rejection if embedding fails first
    let embedMs = 0;
    let embedding: Float32Array | undefined;
    let embedder: Embedder | undefined;
    if (mode !== 'text') {
      embedder = this.embedders.find(collection);
      if (!embedder) {
        // read just before a re-index cutover whose old embedder is already released: search again
        if (attempt === 0 && (await this.movedSince(collection))) return this.run(q, attempt + 1);
        embedder = this.embedders.forCollection(collection); // throws EmbedderMismatchError
      }
      const t0 = performance.now();
      embedding = await this.embedQueryWith(embedder, query);
      embedMs = ms(t0);
      // A query with no word the embedder keeps ("!!!", only stopwords) embeds to zeros: no direction, no neighbours.
      if (!embedding.some((x) => x !== 0)) embedding = undefined;
    }
    const [vector, text] = await Promise.all([
      embedding && embedder
        ? this.store.vectorSearch({ ...branch, embedding, dimension: collection.dimension, embedderId: embedder.info.modelId })
        : Promise.resolve<RankedChunk[]>([]),
      textQuery,
    ]);
    // The vector query returns nothing when the collection no longer names the query's embedder (a cutover
    // committed after the collection was read): search again with the new one.
    if (embedding && vector.length === 0 && attempt === 0 && (await this.movedSince(collection))) return this.run(q, attempt + 1);
    let hits: SearchHit[] =
      mode === 'hybrid'
        ? rerank(query, reciprocalRankFusion(vector, text, this.fusionPolicy(embedder)), policy.rerank)
        : singleBranch(mode === 'vector' ? vector : text, mode);
    if (q.minScore !== undefined) hits = hits.filter((h) => h.score >= q.minScore!);
    return {
      hits: hits.slice(0, topK),
      mode,
      collection: collection.name,
      embedder: embedder?.info.modelId ?? null,
      timings: { embed_ms: embedMs, search_ms: Math.max(0, Math.round((ms(t1) - embedMs) * 100) / 100) },
    };
  }

  /** A lexical embedder mostly repeats BM25's evidence, so its branch weighs less (config: rrf.lexicalVectorWeight). */
  private fusionPolicy(embedder: Embedder | undefined): RrfPolicy {
    const { k, textWeight, vectorWeight, lexicalVectorWeight } = this.config.retrieval.search.rrf;
    return { k, textWeight, vectorWeight: embedder?.info.kind === 'lexical' ? lexicalVectorWeight : vectorWeight };
  }

  private async movedSince(collection: CollectionInfo): Promise<boolean> {
    const now = await this.collection(collection.name, true);
    return !!now && (now.embedderId !== collection.embedderId || now.dimension !== collection.dimension);
  }
}
