/** A piece of a document as cut by ingestion, before it has a vector. */
export interface ChunkDraft {
  position: number;
  text: string;
  /** Character offsets of the chunk in the text as submitted (for files and web pages: as extracted from them). */
  start: number;
  end: number;
  /**
   * The heading the chunk starts under (the last heading or FAQ question line above it, a few lines up at
   * most): a chunk cut inside a section still knows what the section is about.
   */
  heading?: string;
}

export type Metadata = Record<string, unknown>;

/** What the index keeps of the document a chunk belongs to (title is searchable, metadata filterable). */
export interface DocumentRef {
  id: string;
  title: string;
  metadata: Metadata;
}

/** A chunk with its vector, ready to be written to a vector store. */
export interface EmbeddedChunk extends ChunkDraft {
  id: string;
  embedding: Float32Array;
  /** modelId of the embedder that made `embedding`: a write checks the collection still names it. */
  embedderId: string;
}

export type SearchMode = 'vector' | 'text' | 'hybrid';

export type MetadataValue = string | number | boolean;
export const RANGE_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export type RangeOperator = (typeof RANGE_OPERATORS)[number];
/** Bounds on a number (numeric order) or a string (code-point order: ISO dates compare as dates). */
export type MetadataRange = Partial<Record<RangeOperator, number | string>>;

/**
 * Per metadata key: equality (`value`), membership (`{ in: [...] }`) or a range (`{ gte: 8, lt: 9 }`).
 * Equality and membership match array-valued metadata by element; a range applies to scalar values of
 * the bound's type (a number bound never matches a string value).
 */
export type MetadataFilter = Record<string, MetadataValue | { in: MetadataValue[] } | MetadataRange>;

export const METADATA_FILTER_RULE =
  'filters map metadata keys to a string, number or boolean, to { "in": [values] } (1-100 values), ' +
  'or to a range such as { "gte": 8, "lt": 9 } (gt, gte, lt, lte; bounds all numbers or all strings)';

const isScalar = (v: unknown): v is MetadataValue => ['string', 'number', 'boolean'].includes(typeof v);
const isBound = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 256);

function isCondition(v: unknown): boolean {
  if (isScalar(v)) return true;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  if (entries.length === 1 && entries[0][0] === 'in') {
    const list = entries[0][1];
    return Array.isArray(list) && list.length > 0 && list.length <= 100 && list.every(isScalar);
  }
  // A range: one to four of gt/gte/lt/lte, all numbers or all strings.
  return (
    entries.length > 0 &&
    entries.every(([op, bound]) => (RANGE_OPERATORS as readonly string[]).includes(op) && isBound(bound)) &&
    new Set(entries.map(([, bound]) => typeof bound)).size === 1
  );
}

/** Whether a value (parsed JSON) is a MetadataFilter; METADATA_FILTER_RULE says what is accepted. */
export function isMetadataFilter(value: unknown): value is MetadataFilter {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.entries(value as object).every(([k, v]) => k.length > 0 && k.length <= 128 && isCondition(v))
  );
}

/** One candidate from one retrieval branch, in branch order (rank 1 = best). */
export interface RankedChunk {
  chunkId: string;
  documentId: string;
  title: string;
  text: string;
  metadata: Metadata;
  start: number;
  end: number;
  heading?: string;
  /** Branch-native score: cosine similarity for vector, Okapi BM25 for text. */
  score: number;
  /** Text branch only: share of the query's IDF-weighted lexemes the chunk contains (0..1). */
  coverage?: number;
}

export interface SearchHit {
  documentId: string;
  chunkId: string;
  title: string;
  text: string;
  score: number;
  ranks: { vector: number | null; text: number | null };
  /**
   * Lexical evidence: share of the query's information (IDF-weighted lexemes, unseen ones at the highest
   * IDF) found in the chunk; null when the text branch did not return the chunk.
   */
  coverage: number | null;
  metadata: Metadata;
  start: number;
  end: number;
  /** The heading the chunk starts under, when one is a few lines above it. */
  heading?: string;
}

export interface CollectionInfo {
  name: string;
  embedderId: string;
  dimension: number;
  /** Which of a chunk's two vector slots holds this embedder's vectors (a re-index fills the other, then flips this). */
  slot: 0 | 1;
  textSearchConfig: string;
  createdAt: Date;
}
