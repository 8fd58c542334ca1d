import { MetadataFilter, SearchHit, SearchMode } from '../../domain/chunk';

export interface SearchQuery {
  query: string;
  collection: string;
  topK?: number;
  mode?: SearchMode;
  minScore?: number;
  filters?: MetadataFilter;
}

export interface SearchResult {
  hits: SearchHit[];
  mode: SearchMode;
  collection: string;
  /** modelId of the embedder that embedded the query (null in text mode). */
  embedder: string | null;
  timings: { embed_ms: number; search_ms: number };
}
