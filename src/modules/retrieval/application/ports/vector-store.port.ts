import { CollectionInfo, DocumentRef, EmbeddedChunk, MetadataFilter, RankedChunk } from '../../domain/chunk';

export interface BranchQuery {
  collection: string;
  limit: number;
  filters?: MetadataFilter;
}

export interface VectorStore {
  getCollection(name: string): Promise<CollectionInfo | null>;
  listCollections(): Promise<CollectionInfo[]>;
  /** Creates the collection bound to this embedder, or returns the existing one unchanged. */
  ensureCollection(name: string, embedderId: string, dimension: number, textSearchConfig: string): Promise<CollectionInfo>;
  /** Deletes the document's chunks and writes these, inside the caller's transaction if one is open. */
  replaceDocumentChunks(document: DocumentRef, collection: CollectionInfo, chunks: EmbeddedChunk[]): Promise<void>;
  deleteDocumentChunks(documentId: string): Promise<number>;
  vectorSearch(query: BranchQuery & { embedding: Float32Array; dimension: number }): Promise<RankedChunk[]>;
  textSearch(query: BranchQuery & { text: string; textSearchConfig: string }): Promise<RankedChunk[]>;
}
