import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { LruMap } from '../../../../shared/cache';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { withoutNul } from '../../../../shared/text/nul';
import { CollectionInfo, RankedChunk, SearchHit } from '../../domain/chunk';
import { DEFAULT_COLLECTION } from '../../domain/collection-name';
import { CollectionNotFoundError, InvalidSearchError } from '../../domain/retrieval.errors';
import { rerank, RERANK_DEPTH } from '../../domain/rerank';
import { reciprocalRankFusion, RrfPolicy, singleBranch } from '../../domain/rrf';
import { EmbedderRegistry } from '../embedders/embedder-registry.service';
import { Embedder } from '../ports/embedder.port';
import { VECTOR_STORE } from '../ports/retrieval.tokens';
import { CorpusState, HybridBranches, VectorStore } from '../ports/vector-store.port';
import { SearchQuery, SearchResult } from './search.query';

/** The value of `p` if it settles by the next turn of the event loop (an in-process computation, a cache hit), else undefined. */
async function settledAtOnce<T>(p: Promise<T>): Promise<T | undefined> {
  const late = Symbol('late');
  const first = await Promise.race([p, new Promise<typeof late>((resolve) => setImmediate(() => resolve(late)))]);
  return first === late ? undefined : (first as T);
}

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
   * `fresh`: read from the database now, not from what this process read lately (writes by other processes).
   */
  corpusState(collection: string, fresh = false): Promise<CorpusState | null> {
    if (fresh) return this.store.corpusState(collection, true);
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
    // the vector branch's pool, once its embedder is known (a lexical one's candidates weigh less in the fusion)
    let vectorBranch = branch;
    const t1 = performance.now();
    let embedMs = 0;
    let embedder: Embedder | undefined;
    let embedding: Promise<Float32Array | undefined> = Promise.resolve(undefined);
    if (mode !== 'text') {
      embedder = this.embedders.find(collection);
      if (!embedder) {
        // read just before a re-index cutover whose old embedder is already released: search again
        if (attempt === 0 && (await this.movedSince(collection))) return this.run(q, attempt + 1);
        embedder = this.embedders.forCollection(collection); // throws EmbedderMismatchError
      }
      if (mode === 'hybrid') vectorBranch = { ...branch, limit: Math.max(this.vectorCandidates(embedder), topK) };
      const t0 = performance.now();
      embedding = this.embedQueryWith(embedder, query).then((e) => {
        embedMs = ms(t0);
        // A query with no word the embedder keeps ("!!!", only stopwords) embeds to zeros: no direction, no neighbours.
        return e.some((x) => x !== 0) ? e : undefined;
      });
    }
    // Hybrid, with the query vector at hand (cached, or an in-process embedder that answered at once): both branches
    // together when the store has a faster way (VectorStore.hybridSearch). Else the text branch needs no embedding: it
    // is sent first, so the database works on it while the query is embedded (the embedded database, one statement at
    // a time, has it done or under way when the vector query arrives).
    const atHand = mode === 'hybrid' && this.store.hybridSearch ? await settledAtOnce(embedding) : undefined;
    let together: HybridBranches | null = null;
    if (atHand && embedder) {
      together = await this.store.hybridSearch!({
        ...branch,
        vectorLimit: vectorBranch.limit,
        text: query,
        textSearchConfig: collection.textSearchConfig,
        embedding: atHand,
        dimension: collection.dimension,
        slot: collection.slot,
        embedderId: embedder.info.modelId,
      });
    }
    const textQuery =
      together || mode === 'vector'
        ? Promise.resolve<RankedChunk[]>(together?.text ?? [])
        : this.store.textSearch({ ...branch, text: query, textSearchConfig: collection.textSearchConfig });
    textQuery.catch(() => undefined); // awaited below; not an unhandled rejection if embedding fails first
    const vectorQuery = embedding.then((e) =>
      together
        ? together.vector
        : e && embedder
          ? this.store.vectorSearch({ ...vectorBranch, embedding: e, dimension: collection.dimension, slot: collection.slot, embedderId: embedder.info.modelId })
          : [],
    );
    const [vector, text, sent] = await Promise.all([vectorQuery, textQuery, embedding]);
    // The vector query returns nothing when the collection no longer names the query's embedder (a cutover
    // committed after the collection was read): search again with the new one.
    if (sent && vector.length === 0 && attempt === 0 && (await this.movedSince(collection))) return this.run(q, attempt + 1);
    let hits: SearchHit[] =
      mode === 'hybrid'
        ? rerank(
            query,
            await this.fuse(vector, text, together, Math.max(RERANK_DEPTH, topK), embedder, () =>
              Promise.all([
                this.store.vectorSearch({ ...vectorBranch, embedding: sent!, dimension: collection.dimension, slot: collection.slot, embedderId: embedder!.info.modelId }),
                this.store.textSearch({ ...branch, text: query, textSearchConfig: collection.textSearchConfig }),
              ]),
            ),
            policy.rerank,
          )
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

  /**
   * RRF of the two branches. When they were ranked together, their chunks have no row yet: the rows of the fused
   * head (the `head` first hits: what the reranker reads and top_k returns) are read now, and the lists fused again
   * with them (the same fusion: ranks and scores are unchanged). Should the collection have been written since the
   * rankings were read, both branches are searched again, apart.
   */
  private async fuse(
    vector: RankedChunk[],
    text: RankedChunk[],
    together: HybridBranches | null,
    head: number,
    embedder: Embedder | undefined,
    searchAgain: () => Promise<[RankedChunk[], RankedChunk[]]>,
  ): Promise<SearchHit[]> {
    const policy = this.fusionPolicy(embedder);
    const fused = reciprocalRankFusion(vector, text, policy);
    if (!together || together.unread.size === 0) return fused;
    const wanted = fused.slice(0, head).flatMap((h) => (together.unread.has(h.chunkId) ? [h.chunkId] : []));
    if (wanted.length === 0) return fused;
    const rows = await together.readRows(wanted);
    if (!rows) return reciprocalRankFusion(...(await searchAgain()), policy);
    const fill = (c: RankedChunk): RankedChunk => {
      const row = rows.get(c.chunkId);
      return row ? { ...row, score: c.score, ...(c.coverage !== undefined ? { coverage: c.coverage } : {}) } : c;
    };
    return reciprocalRankFusion(vector.map(fill), text.map(fill), policy);
  }

  /**
   * The vector branch's candidate pool in hybrid: `candidates`, or `lexicalVectorCandidates` for a lexical embedder, whose
   * branch weighs lexicalVectorWeight in the fusion: past its first ranks a chunk only the vector branch found scores
   * below every text candidate, so the deeper ranks it would read change nothing but ties (a shorter pool is a cheaper
   * HNSW statement: each candidate read costs on the embedded engine).
   */
  private vectorCandidates(embedder: Embedder): number {
    const { candidates, lexicalVectorCandidates } = this.config.retrieval.search;
    return embedder.info.kind === 'lexical' ? Math.min(lexicalVectorCandidates, candidates) : candidates;
  }

  /** A lexical embedder mostly repeats BM25's evidence, so its branch weighs less (config: rrf.lexicalVectorWeight). */
  private fusionPolicy(embedder: Embedder | undefined): RrfPolicy {
    const { k, textWeight, vectorWeight, lexicalVectorWeight } = this.config.retrieval.search.rrf;
    return { k, textWeight, vectorWeight: embedder?.info.kind === 'lexical' ? lexicalVectorWeight : vectorWeight };
  }

  private async movedSince(collection: CollectionInfo): Promise<boolean> {
    const now = await this.collection(collection.name, true);
    return !!now && (now.embedderId !== collection.embedderId || now.dimension !== collection.dimension || now.slot !== collection.slot);
  }
}
