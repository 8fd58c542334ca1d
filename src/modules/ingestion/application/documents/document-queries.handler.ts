import { Inject, Injectable } from '@nestjs/common';
import { TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database/transaction';
import { ChunkIndexer } from '../../../retrieval';
import { KnowledgeDocument } from '../../domain/document';
import { DocumentNotFoundError } from '../../domain/ingestion.errors';
import { DocumentListQuery, DocumentRepository } from '../ports/document-repository.port';
import { DOCUMENT_REPOSITORY } from '../ports/ingestion.tokens';

/** Listing, reading and deleting documents. Deleting removes the document's chunks in the same transaction. */
@Injectable()
export class DocumentsHandler {
  constructor(
    @Inject(DOCUMENT_REPOSITORY) private readonly documents: DocumentRepository,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    private readonly indexer: ChunkIndexer,
  ) {}

  list(query: DocumentListQuery): Promise<{ items: KnowledgeDocument[]; total: number }> {
    return this.documents.list(query);
  }

  async get(id: string): Promise<KnowledgeDocument> {
    const doc = await this.documents.findById(id);
    if (!doc) throw new DocumentNotFoundError(id);
    return doc;
  }

  async delete(id: string): Promise<{ id: string; chunks: number }> {
    return this.tx.run(async () => {
      const doc = await this.documents.findById(id);
      if (!doc) throw new DocumentNotFoundError(id);
      const chunks = await this.indexer.remove(id);
      await this.documents.delete(id);
      return { id, chunks };
    });
  }
}
