import { Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { HealthRegistry } from '../../shared/health';
import { EmbedderAdminService } from './application/embedders/embedder-admin.service';
import { EmbedderRegistry } from './application/embedders/embedder-registry.service';
import { ChunkIndexer } from './application/indexing/chunk-indexer.service';
import { REINDEX_STORE, VECTOR_STORE } from './application/ports/retrieval.tokens';
import { ReindexService } from './application/reindex/reindex.service';
import { SearchHandler } from './application/search/search.handler';
import { createEmbedder } from './infrastructure/embedder.factory';
import { PgReindexStore } from './infrastructure/vector-stores/pgvector.reindex-store';
import { PgVectorStore } from './infrastructure/vector-stores/pgvector.vector-store';
import { AdminEmbedderController } from './interface/http/admin-embedder.controller';
import { SearchController } from './interface/http/search.controller';

/** Loads the active embedder in the background so the HTTP server is up (and /health/ready says why not yet). */
@Injectable()
class EmbedderWarmUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Embedder');
  private lastError?: { modelId: string; message: string };

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
    active
      .warmUp()
      .then(() => (this.lastError = undefined))
      .catch((e: Error) => {
        this.lastError = { modelId, message: e.message };
        this.logger.error(`embedder warm-up failed: ${e.message}`);
      });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedders.closeAll();
  }
}

@Module({
  controllers: [SearchController, AdminEmbedderController],
  providers: [
    {
      provide: EmbedderRegistry,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => new EmbedderRegistry(await createEmbedder(config), (spec) => createEmbedder(config, spec)),
    },
    { provide: VECTOR_STORE, useClass: PgVectorStore },
    { provide: REINDEX_STORE, useClass: PgReindexStore },
    SearchHandler,
    ChunkIndexer,
    ReindexService,
    EmbedderAdminService,
    EmbedderWarmUp,
  ],
  exports: [ChunkIndexer, SearchHandler, EmbedderAdminService],
})
export class RetrievalModule {}
