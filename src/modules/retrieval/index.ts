// Public surface of the retrieval module: other modules import only from here.
export { RetrievalModule } from './retrieval.module';
export { ChunkIndexer } from './application/indexing/chunk-indexer.service';
export { SearchHandler } from './application/search/search.handler';
export type { SearchQuery, SearchResult } from './application/search/search.query';
export type { Embedder, EmbedderInfo, EmbeddingPurpose } from './application/ports/embedder.port';
export type { ChunkDraft, CollectionInfo, DocumentRef, Metadata, MetadataFilter, SearchHit, SearchMode } from './domain/chunk';
export { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from './domain/collection-name';
import { CollectionOrmEntity } from './infrastructure/vector-stores/collection.orm-entity';
export { HashingEmbedder } from './infrastructure/embedders/hashing.embedder';
export { IsMetadataFilter } from './interface/http/dto/metadata-filter.validator';
/** TypeORM entities this module persists (registered by the app's DatabaseModule). */
export const RETRIEVAL_ENTITIES = [CollectionOrmEntity];
