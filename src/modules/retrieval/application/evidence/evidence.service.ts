import { Inject, Injectable } from '@nestjs/common';
import { CollectionNotFoundError } from '../../domain/retrieval.errors';
import { VECTOR_STORE } from '../ports/retrieval.tokens';
import { VectorStore } from '../ports/vector-store.port';
import { EVIDENCE_READER, EvidenceReader } from './evidence.port';

/**
 * Retrieval evidence for grounded answers: the share of the question's information content
 * (BM25 IDF of its lexemes in the collection) found in a passage. A question about a topic the
 * collection never mentions has rare, unmatched lexemes and scores low, whatever the ranking says.
 */
@Injectable()
export class EvidenceService {
  constructor(
    @Inject(EVIDENCE_READER) private readonly reader: EvidenceReader,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
  ) {}

  async coverage(collection: string, question: string, chunkIds: string[]): Promise<Map<string, number>> {
    if (chunkIds.length === 0) return new Map();
    const info = await this.store.getCollection(collection);
    if (!info) throw new CollectionNotFoundError(collection);
    return this.reader.coverage(collection, info.textSearchConfig, question, chunkIds);
  }
}
