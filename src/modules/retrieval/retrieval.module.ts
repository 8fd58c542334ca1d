import { Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CACHE, AppCache } from '../../shared/cache';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../shared/database';
import { HealthRegistry } from '../../shared/health';
import { currentRequestId, currentUserId } from '../../shared/logging';
import { SharedState } from '../../shared/replicas';
import { MetricsModule, UsageRecorder } from '../metrics';
import { EmbedderAdminService, SHARED_EMBEDDER_KEY, SharedEmbedder } from './application/embedders/embedder-admin.service';
import { EmbedderRegistry } from './application/embedders/embedder-registry.service';
import { ChunkIndexer } from './application/indexing/chunk-indexer.service';
import { MeteredEmbedder } from './application/embedders/metered-embedder';
import { Embedder, EmbedderSpec } from './application/ports/embedder.port';
import { EMBEDDING_USAGE, EmbeddingUsageSink } from './application/ports/embedding-usage.port';
import { REINDEX_STORE, VECTOR_STORE } from './application/ports/retrieval.tokens';
import { ReindexService } from './application/reindex/reindex.service';
import { SearchHandler } from './application/search/search.handler';
import { createEmbedder } from './infrastructure/embedder.factory';
import { CorpusStateCache } from './infrastructure/vector-stores/corpus-state.cache';
import { PostingsMemoryCache } from './infrastructure/vector-stores/postings-memory.cache';
import { PgReindexStore } from './infrastructure/vector-stores/pgvector.reindex-store';
import { PgVectorIndexControl } from './infrastructure/vector-stores/pgvector.index-control';
import { PgVectorStore } from './infrastructure/vector-stores/pgvector.vector-store';
import { AdminEmbedderController } from './interface/http/admin-embedder.controller';
import { SearchController } from './interface/http/search.controller';

const WARM_UP_RETRY_FIRST_MS = 1000;
const WARM_UP_RETRY_MAX_MS = 30_000;

/** Loads the active embedder in the background so the HTTP server is up (and /health/ready says why not yet). */
@Injectable()
class EmbedderWarmUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Embedder');
  private lastError?: { modelId: string; message: string };
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly embedders: EmbedderRegistry,
    health: HealthRegistry,
  ) {
    health.register({
      name: 'embedder',
      check: async () => {
        const active = this.embedders.active();
        const { provider, modelId, kind } = active.info;
        const error = this.lastError?.modelId === modelId ? this.lastError.message : undefined;
        return { up: active.ready, details: { provider, model: modelId, kind, loaded: active.ready, ...(error ? { error } : {}) } };
      },
    });
  }

  onApplicationBootstrap(): void {
    const active = this.embedders.active();
    const { provider, modelId, kind } = active.info;
    this.logger.log(`embedder ${modelId} (${provider}, ${kind}) selected`);
    this.warmUp(active, WARM_UP_RETRY_FIRST_MS);
  }

  /**
   * A provider that is not up yet (Ollama still starting beside us, a hub hiccup) must not leave the pod
   * unready for good: retry with exponential backoff until it loads, another embedder becomes active, or
   * the app stops.
   */
  private warmUp(embedder: Embedder, retryInMs: number): void {
    const { modelId } = embedder.info;
    embedder
      .warmUp()
      .then(() => {
        if (!this.stillWanted(embedder)) return;
        if (this.lastError?.modelId === modelId) this.logger.log(`embedder ${modelId} loaded after earlier failures`);
        this.lastError = undefined;
      })
      .catch((e: Error) => {
        if (!this.stillWanted(embedder)) return; // swapped out or shutting down: its error is nobody's business
        this.lastError = { modelId, message: e.message };
        this.logger.error(`embedder warm-up failed: ${e.message} (retrying in ${retryInMs / 1000} s)`);
        this.retry = setTimeout(() => {
          if (this.stillWanted(embedder)) this.warmUp(embedder, Math.min(retryInMs * 2, WARM_UP_RETRY_MAX_MS));
        }, retryInMs);
        this.retry.unref();
      });
  }

  private stillWanted(embedder: Embedder): boolean {
    return !this.stopped && this.embedders.active() === embedder;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.embedders.closeAll();
  }
}

/**
 * Follows the embedder other processes swapped to (issue 10): made active here through the same factory, without a
 * re-index (the process that took the swap runs it). Back to the YAML (`config`) comes with the LLM's entry of the
 * same reload, which re-reads the whole config (generation's ConfigReloader).
 */
@Injectable()
class SharedEmbedderFollower implements OnModuleInit {
  constructor(
    private readonly admin: EmbedderAdminService,
    private readonly shared: SharedState,
  ) {}

  onModuleInit(): void {
    this.shared.on(SHARED_EMBEDDER_KEY, async (entry) => {
      const value = entry.value as SharedEmbedder;
      if (value.source === 'swap') await this.admin.adopt(value.spec);
    });
  }
}

@Module({
  imports: [MetricsModule],
  controllers: [SearchController, AdminEmbedderController],
  providers: [
    {
      // every embedding call a usage row (operation embed_query, embed_document or embed_warmup), batched off the request path
      provide: EMBEDDING_USAGE,
      inject: [UsageRecorder],
      useFactory: (usage: UsageRecorder): EmbeddingUsageSink => ({
        record: (c) =>
          usage.recordSoon({
            operation: c.purpose === 'query' ? 'embed_query' : c.purpose === 'warm_up' ? 'embed_warmup' : 'embed_document',
            modelId: c.modelId,
            promptTokens: c.tokens,
            completionTokens: 0,
            ms: c.ms,
            requestId: c.requestId,
            userId: c.userId,
            error: c.error,
          }),
      }),
    },
    {
      provide: EmbedderRegistry,
      inject: [APP_CONFIG, EMBEDDING_USAGE],
      useFactory: async (config: AppConfig, usage: EmbeddingUsageSink) => {
        const build = async (spec?: EmbedderSpec) => new MeteredEmbedder(await createEmbedder(config, spec), usage, currentRequestId, currentUserId);
        return new EmbedderRegistry(await build(), build);
      },
    },
    {
      provide: CorpusStateCache,
      // a document deleted or replaced: its collection's cached answers go (they may quote its text)
      useFactory: (dataSource: DataSource, config: AppConfig, cache: AppCache) =>
        new CorpusStateCache(() => config.cache.response.corpusVersionMaxAgeMs, dataSource, (collection) => cache.forgetCollection(collection)),
      inject: [DATA_SOURCE, APP_CONFIG, APP_CACHE],
    },
    {
      // the text branch's postings in memory; what it holds is in the readiness details (`text_cache`)
      provide: PostingsMemoryCache,
      inject: [APP_CONFIG, HealthRegistry],
      useFactory: (config: AppConfig, health: HealthRegistry) => {
        const cache = new PostingsMemoryCache(() => config.retrieval.textCache.maxPostings);
        health.register({ name: 'text_cache', critical: false, check: async () => ({ up: true, details: { ...cache.stats() } }) });
        return cache;
      },
    },
    PgVectorIndexControl,
    { provide: VECTOR_STORE, useClass: PgVectorStore },
    { provide: REINDEX_STORE, useClass: PgReindexStore },
    SearchHandler,
    ChunkIndexer,
    ReindexService,
    EmbedderAdminService,
    EmbedderWarmUp,
    SharedEmbedderFollower,
  ],
  exports: [ChunkIndexer, SearchHandler, EmbedderAdminService, ReindexService],
})
export class RetrievalModule {}
