import type { MetadataFilter } from '../../../retrieval';
import { KnowledgeDocument } from '../../domain/document';

export interface DocumentListQuery {
  collection?: string;
  /** The same grammar as search filters: equality (array elements too), { in: [...] }, ranges. */
  metadata?: MetadataFilter;
  limit: number;
  offset: number;
}

export interface DocumentRepository {
  findById(id: string): Promise<KnowledgeDocument | null>;
  findByHash(collection: string, hash: string): Promise<KnowledgeDocument | null>;
  findBySource(collection: string, sourceId: string): Promise<KnowledgeDocument | null>;
  /** findBySource for many sources of one collection, keyed by source id (absent: none stored). */
  findManyBySource(collection: string, sourceIds: string[]): Promise<Map<string, KnowledgeDocument>>;
  /** findByHash for many hashes of one collection, keyed by hash: the oldest document holding each. */
  findManyByHash(collection: string, hashes: string[]): Promise<Map<string, KnowledgeDocument>>;
  /** The documents of one file of a collection: source id `source`, or `<source>#…` (its records). */
  findByFileSource(collection: string, source: string): Promise<KnowledgeDocument[]>;
  /** Insert or update by id, inside the caller's transaction if one is open. */
  save(doc: KnowledgeDocument): Promise<void>;
  /** save() for many documents in one statement. */
  saveMany(docs: KnowledgeDocument[]): Promise<void>;
  delete(id: string): Promise<boolean>;
  list(query: DocumentListQuery): Promise<{ items: KnowledgeDocument[]; total: number }>;
}

/** Thrown by save() when (collection, source_id) is already taken by a concurrent writer. */
export class DuplicateSourceError extends Error {}
