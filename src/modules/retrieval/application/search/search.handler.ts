import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { CollectionInfo, RankedChunk, SearchHit } from '../../domain/chunk';
import { CollectionNotFoundError, EmbedderMismatchError, InvalidSearchError } from '../../domain/retrieval.errors';
import { reciprocalRankFusion, RrfPolicy, singleBranch } from '../../domain/rrf';
import { Embedder } from '../ports/embedder.port';
import { EMBEDDER, VECTOR_STORE } from '../ports/retrieval.tokens';
import { VectorStore } from '../ports/vector-store.port';
import { SearchQuery, SearchResult } from './search.query';

const ms = (from: number) => Math.round((performance.now() - from) * 100) / 100;

/** Hybrid retrieval: pgvector cosine and Postgres full-text, fused with weighted RRF. */
@Injectable()
export class SearchHandler {
  constructor(
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(q: SearchQuery): Promise<SearchResult> {
    const policy = this.config.retrieval.search;
    const query = q.query.trim();
    if (!query) throw new InvalidSearchError('query must contain text', 'query');
    const topK = q.topK ?? policy.defaultTopK;
    if (topK > policy.maxTopK) throw new InvalidSearchError(`top_k must be at most ${policy.maxTopK}`, 'top_k');
    const mode = q.mode ?? policy.defaultMode;
    const collection = await this.store.getCollection(q.collection);
    if (!collection) throw new CollectionNotFoundError(q.collection);
    const limit = Math.max(policy.candidates, topK);

    let embedMs = 0;
    let embedding: Float32Array | undefined;
    if (mode !== 'text') {
      this.assertCompatible(collection);
      const t0 = performance.now();
      [embedding] = await this.embedder.embed([query], 'query');
      embedMs = ms(t0);
    }
    const t1 = performance.now();
    const branch = { collection: collection.name, limit, filters: q.filters };
    const [vector, text] = await Promise.all([
      embedding ? this.store.vectorSearch({ ...branch, embedding, dimension: collection.dimension }) : Promise.resolve<RankedChunk[]>([]),
      mode !== 'vector'
        ? this.store.textSearch({ ...branch, text: query, textSearchConfig: collection.textSearchConfig })
        : Promise.resolve<RankedChunk[]>([]),
    ]);
    let hits: SearchHit[] =
      mode === 'hybrid' ? reciprocalRankFusion(vector, text, this.fusionPolicy()) : singleBranch(mode === 'vector' ? vector : text, mode);
    if (q.minScore !== undefined) hits = hits.filter((h) => h.score >= q.minScore!);
    return { hits: hits.slice(0, topK), mode, collection: collection.name, timings: { embed_ms: embedMs, search_ms: ms(t1) } };
  }

  /** A lexical embedder mostly repeats BM25's evidence, so its branch weighs less (config: rrf.lexicalVectorWeight). */
  private fusionPolicy(): RrfPolicy {
    const { k, textWeight, vectorWeight, lexicalVectorWeight } = this.config.retrieval.search.rrf;
    return { k, textWeight, vectorWeight: this.embedder.info.kind === 'lexical' ? lexicalVectorWeight : vectorWeight };
  }

  private assertCompatible(collection: CollectionInfo): void {
    const active = this.embedder.info;
    if (collection.embedderId !== active.modelId || collection.dimension !== active.dimension) {
      throw new EmbedderMismatchError(collection.name, collection, { embedderId: active.modelId, dimension: active.dimension });
    }
  }
}
