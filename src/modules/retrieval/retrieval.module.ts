import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, Inject } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { HealthRegistry } from '../../shared/health';
import { ChunkIndexer } from './application/indexing/chunk-indexer.service';
import { Embedder } from './application/ports/embedder.port';
import { EMBEDDER, VECTOR_STORE } from './application/ports/retrieval.tokens';
import { SearchHandler } from './application/search/search.handler';
import { createEmbedder } from './infrastructure/embedder.factory';
import { PgVectorStore } from './infrastructure/vector-stores/pgvector.vector-store';
import { SearchController } from './interface/http/search.controller';

/** Loads the embedder in the background so the HTTP server is up (and /health/ready says why not yet). */
class EmbedderWarmUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Embedder');
  constructor(
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    health: HealthRegistry,
  ) {
    health.register({
      name: 'embedder',
      check: async () => {
        const { provider, modelId, kind } = this.embedder.info;
        return { up: this.embedder.ready, details: { provider, model: modelId, kind, loaded: this.embedder.ready, ...(this.lastError ? { error: this.lastError } : {}) } };
      },
    });
  }

  private lastError?: string;

  onApplicationBootstrap(): void {
    const { provider, modelId, kind } = this.embedder.info;
    this.logger.log(`embedder ${modelId} (${provider}, ${kind}) selected`);
    this.embedder
      .warmUp()
      .then(() => (this.lastError = undefined))
      .catch((e: Error) => {
        this.lastError = e.message;
        this.logger.error(`embedder warm-up failed: ${e.message}`);
      });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedder.close?.();
  }
}

@Module({
  controllers: [SearchController],
  providers: [
    { provide: EMBEDDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createEmbedder(config) },
    { provide: VECTOR_STORE, useClass: PgVectorStore },
    SearchHandler,
    ChunkIndexer,
    EmbedderWarmUp,
  ],
  exports: [ChunkIndexer, SearchHandler],
})
export class RetrievalModule {}
