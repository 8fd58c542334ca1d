import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { ChunkDraft, CollectionInfo, DocumentRef, EmbeddedChunk } from '../../domain/chunk';
import { EmbedderMismatchError } from '../../domain/retrieval.errors';
import { Embedder } from '../ports/embedder.port';
import { EMBEDDER, VECTOR_STORE } from '../ports/retrieval.tokens';
import { VectorStore } from '../ports/vector-store.port';

/**
 * Retrieval's public write API, used by ingestion. Embedding (slow, maybe remote) happens in
 * `embed`, outside any transaction; `write` and `remove` join the caller's transaction.
 */
@Injectable()
export class ChunkIndexer {
  constructor(
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates the collection for the active embedder, or checks the existing one was built with it. */
  async openCollection(name: string): Promise<CollectionInfo> {
    await this.embedder.warmUp();
    const active = this.embedder.info;
    const existing = await this.store.getCollection(name);
    if (existing) {
      if (existing.embedderId !== active.modelId || existing.dimension !== active.dimension) {
        throw new EmbedderMismatchError(name, existing, { embedderId: active.modelId, dimension: active.dimension });
      }
      return existing;
    }
    return this.store.ensureCollection(name, active.modelId, active.dimension, this.config.retrieval.textSearchConfig);
  }

  async embed(chunks: ChunkDraft[]): Promise<EmbeddedChunk[]> {
    const batch = this.config.retrieval.embedder.batchSize;
    const out: EmbeddedChunk[] = [];
    for (let i = 0; i < chunks.length; i += batch) {
      const slice = chunks.slice(i, i + batch);
      const vectors = await this.embedder.embed(slice.map((c) => c.text), 'document');
      slice.forEach((c, j) => out.push({ ...c, id: randomUUID(), embedding: vectors[j] }));
    }
    return out;
  }

  write(document: DocumentRef, collection: CollectionInfo, chunks: EmbeddedChunk[]): Promise<void> {
    return this.store.replaceDocumentChunks(document, collection, chunks);
  }

  remove(documentId: string): Promise<number> {
    return this.store.deleteDocumentChunks(documentId);
  }

  listCollections(): Promise<CollectionInfo[]> {
    return this.store.listCollections();
  }

  get embedderInfo() {
    return this.embedder.info;
  }

  get embedderReady(): boolean {
    return this.embedder.ready;
  }

  warmUp(): Promise<void> {
    return this.embedder.warmUp();
  }
}
