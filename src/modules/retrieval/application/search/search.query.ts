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
  timings: { embed_ms: number; search_ms: number };
}
