// Public surface of the retrieval module: other modules import only from here.
export { RetrievalModule } from './retrieval.module';
export { ChunkIndexer } from './application/indexing/chunk-indexer.service';
export type { BulkImport, IndexRepair } from './application/indexing/chunk-indexer.service';
export { SearchHandler } from './application/search/search.handler';
export { EmbedderAdminService } from './application/embedders/embedder-admin.service';
export type { CollectionEmbedder, EmbedderChange, EmbedderStatus, SharedEmbedder } from './application/embedders/embedder-admin.service';
export { SHARED_EMBEDDER_KEY } from './application/embedders/embedder-admin.service';
export type { LoadedEmbedder } from './application/embedders/embedder-registry.service';
export type { ReindexJob, ReindexStatus } from './application/reindex/reindex-job';
export { ReindexInterruptedError, ReindexService } from './application/reindex/reindex.service';
export type { ReindexRunContext } from './application/reindex/reindex.service';
export type { SearchQuery, SearchResult } from './application/search/search.query';
export type { DocumentChunks, WriteOptions } from './application/ports/vector-store.port';
export type { Embedder, EmbedderInfo, EmbedderSpec, EmbeddingPurpose } from './application/ports/embedder.port';
export type { ChunkDraft, CollectionInfo, DocumentRef, EmbeddedChunk, Metadata, MetadataFilter, SearchHit, SearchMode } from './domain/chunk';
export { isMetadataFilter, METADATA_FILTER_RULE } from './domain/chunk';
export { CollectionEmbedderChangedError, REINDEX_CANCELLED } from './domain/retrieval.errors';
export { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from './domain/collection-name';
import { CollectionOrmEntity } from './infrastructure/vector-stores/collection.orm-entity';
export { configureMetadataFilterLimits, IsMetadataFilter, metadataFilterProblem } from './interface/http/dto/metadata-filter.validator';
export type { MetadataFilterLimits } from './interface/http/dto/metadata-filter.validator';
/** SQL for a MetadataFilter over a jsonb column (for other modules' listings: the same grammar as search). */
export { metadataFilterSql } from './infrastructure/vector-stores/pgvector.vector-store';
/** TypeORM entities this module persists (registered by the app's DatabaseModule). */
export const RETRIEVAL_ENTITIES = [CollectionOrmEntity];
