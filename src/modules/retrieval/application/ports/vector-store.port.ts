import { CollectionInfo, DocumentRef, EmbeddedChunk, MetadataFilter, RankedChunk } from '../../domain/chunk';

export interface CorpusState {
  embedderId: string;
  version: string;
}

/** One document's new chunks, for a write of many documents at once. */
export interface DocumentChunks {
  document: DocumentRef;
  chunks: EmbeddedChunk[];
}

/**
 * How a write of many documents may run. `fresh`: none of the documents has chunks stored (they are new, not new
 * versions), so there is nothing to delete, and on a Postgres server the write may run beside other fresh writes
 * into the same collection (their graph inserts in parallel backends) instead of waiting its turn.
 */
export interface WriteOptions {
  fresh?: boolean;
}

export interface BranchQuery {
  collection: string;
  limit: number;
  filters?: MetadataFilter;
}

/** A chunk's row as a branch returns it, without the branch's score. */
export type ChunkFields = Omit<RankedChunk, 'score' | 'coverage'>;

/** A query vector, what made it, and the collection's vector slot it is compared with (CollectionInfo.slot). */
export interface VectorQuery {
  embedding: Float32Array;
  dimension: number;
  embedderId: string;
  slot: 0 | 1;
}

/** A hybrid search's two branches, ranked together by VectorStore.hybridSearch. */
export interface HybridBranches {
  /**
   * The two rankings (what vectorSearch and textSearch return), except that the chunks in `unread` hold only their
   * id, rank, score and coverage so far (their row is empty): read the rows the caller needs with readRows.
   */
  vector: RankedChunk[];
  text: RankedChunk[];
  unread: ReadonlySet<string>;
  /**
   * The rows of these chunks, read in one statement that also checks the collection is still at the version the
   * rankings were read at; null when a write committed since (then the rankings are stale: search the branches again).
   */
  readRows(ids: string[]): Promise<Map<string, ChunkFields> | null>;
}

/**
 * The HNSW index of one dimension's vectors in slot 0 (one index for every collection of that dimension), for an import
 * that writes more rows than the index holds: dropping it first and building it once at the end costs a fraction of
 * inserting each row into the graph (ChunkIndexer.beginBulkImport). While it is missing, vector searches of that
 * dimension scan the rows exactly; a store that starts and finds an index missing builds it (missingIndexes).
 */
export interface VectorIndexControl {
  /** Rows of this dimension in slot 0, counted up to `atMost`. */
  indexedRows(dimension: number, atMost: number): Promise<number>;
  /** Drops the index; until buildIndex, writing a new collection of this dimension does not create it again. */
  dropIndex(dimension: number): Promise<void>;
  /** Builds the index when it is missing, with no statement timeout (minutes at 100k rows); false when it was there. */
  buildIndex(dimension: number, slot?: 0 | 1): Promise<boolean>;
  /** The indexes the collections' current slots need that are missing (an import stopped before it built its index). */
  missingIndexes(): Promise<Array<{ dimension: number; slot: 0 | 1; rows: number }>>;
}

export interface VectorStore {
  getCollection(name: string): Promise<CollectionInfo | null>;
  listCollections(): Promise<CollectionInfo[]>;
  /**
   * What a cached answer over this collection depends on: its embedder and its corpus version (a new value
   * after every statement that inserts or deletes its chunks). null when the collection does not exist.
   */
  corpusState(name: string, fresh?: boolean): Promise<CorpusState | null>;
  /** Creates the collection bound to this embedder, or returns the existing one unchanged. */
  ensureCollection(name: string, embedderId: string, dimension: number, textSearchConfig: string): Promise<CollectionInfo>;
  /**
   * Deletes the document's chunks and writes these, inside the caller's transaction if one is open. Locks
   * the collection row first (one writer per collection at a time; a re-index cutover waits) and throws
   * CollectionEmbedderChangedError when it no longer names the embedder the
   * chunks were made with (a re-index cut over after they were embedded).
   */
  replaceDocumentChunks(document: DocumentRef, collection: CollectionInfo, chunks: EmbeddedChunk[], options?: WriteOptions): Promise<void>;
  /**
   * replaceDocumentChunks for many documents of one collection in one pass (same lock, same check, same
   * transaction); with `fresh` on a server, a shared lock (other fresh writers go on, a cutover or a replacing
   * writer waits) and one INSERT statement, so its statistics triggers lock their rows in one sorted pass.
   */
  replaceManyDocumentChunks(entries: DocumentChunks[], collection: CollectionInfo, options?: WriteOptions): Promise<void>;
  deleteDocumentChunks(documentId: string): Promise<number>;
  /**
   * Nearest chunks by cosine, in the vector slot `slot` (the collection's, as the caller read it). `embedderId` is what
   * made the query vector: in the same snapshot, nothing is returned when the collection no longer names it and that
   * slot (a re-index flipped it since the caller read the collection).
   */
  vectorSearch(query: BranchQuery & VectorQuery): Promise<RankedChunk[]>;
  textSearch(query: BranchQuery & { text: string; textSearchConfig: string }): Promise<RankedChunk[]>;
  /**
   * Optional: both branches of a hybrid search ranked in fewer round trips than the two searches apart, for the query
   * vector at hand, the rows left to readRows (the caller reads only those of the fused head). null when this store
   * has no faster way for this query: search the branches apart.
   */
  hybridSearch?(
    query: BranchQuery & VectorQuery & { text: string; textSearchConfig: string; /** the vector branch's pool (`limit`: the text branch's) */ vectorLimit: number },
  ): Promise<HybridBranches | null>;
  /** Optional: dropping and building the vector index around a large import (absent: the index is kept row by row). */
  readonly indexControl?: VectorIndexControl;
}
