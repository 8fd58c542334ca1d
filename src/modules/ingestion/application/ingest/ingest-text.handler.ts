import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database/transaction';
import { withoutNul } from '../../../../shared/text/nul';
import { ChunkIndexer, CollectionEmbedderChangedError } from '../../../retrieval';
import { contentHash, KnowledgeDocument, normalizeWithOffsets, sourceRange } from '../../domain/document';
import { DocumentTooLargeError, EmptyDocumentError } from '../../domain/ingestion.errors';
import { Chunker } from '../ports/chunker.port';
import { DocumentRepository, DuplicateSourceError } from '../ports/document-repository.port';
import { CHUNKER, DOCUMENT_REPOSITORY } from '../ports/ingestion.tokens';
import { IngestResult, IngestTextCommand } from './ingest.command';

/**
 * The one ingestion use case every driving adapter ends in (JSON, upload, URL, CLI):
 * normalize -> dedup by content hash -> chunk -> embed (outside the transaction) ->
 * write document + chunks in one transaction, replacing an earlier version of the same source.
 */
@Injectable()
export class IngestTextHandler {
  private readonly logger = new Logger('Ingestion');

  constructor(
    @Inject(DOCUMENT_REPOSITORY) private readonly documents: DocumentRepository,
    @Inject(CHUNKER) private readonly chunker: Chunker,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly indexer: ChunkIndexer,
  ) {}

  async execute(command: IngestTextCommand, attempt = 0): Promise<IngestResult> {
    // title, source id and metadata (from a request or a parsed file) lose any NUL, as the text does
    const cmd: IngestTextCommand = { ...command, title: withoutNul(command.title), sourceId: withoutNul(command.sourceId), metadata: withoutNul(command.metadata) };
    const normalized = normalizeWithOffsets(cmd.text);
    const text = normalized.text;
    if (!text) throw new EmptyDocumentError(cmd.title);
    if (text.length > this.config.ingestion.maxTextChars) {
      throw new DocumentTooLargeError(cmd.title, `${this.config.ingestion.maxTextChars} characters of text`);
    }
    const hash = contentHash(text);
    const collection = await this.indexer.openCollection(cmd.collection);

    // A known source is compared with its own last version only: if it now holds what another document
    // holds, it is still replaced (deduplicating it to the other one would leave this source stale).
    const sourceId = cmd.sourceId ?? `sha256:${hash}`;
    const known = cmd.sourceId ? await this.documents.findBySource(collection.name, sourceId) : null;
    const same = known ? (known.contentHash === hash ? known : null) : await this.documents.findByHash(collection.name, hash);
    if (same) return deduplicated(same);

    // chunk the normalized text; offsets are reported in the text as submitted (or as extracted from a file)
    const drafts = (await this.chunker.split(text)).map((d) => ({ ...d, ...sourceRange(normalized, d.start, d.end) }));
    if (drafts.length === 0) throw new EmptyDocumentError(cmd.title);

    try {
      const chunks = await this.indexer.embed(drafts, collection);
      return await this.tx.run(async () => {
        const previous = await this.documents.findBySource(collection.name, sourceId);
        // A concurrent request with the same content committed first: nothing to write.
        if (previous?.contentHash === hash) return deduplicated(previous);
        const now = new Date();
        const doc: KnowledgeDocument = {
          id: previous?.id ?? randomUUID(),
          collection: collection.name,
          sourceId,
          sourceType: cmd.sourceType,
          title: cmd.title,
          contentHash: hash,
          mimeType: cmd.mimeType,
          sizeBytes: cmd.sizeBytes ?? Buffer.byteLength(cmd.text, 'utf8'),
          charCount: text.length,
          chunkCount: chunks.length,
          metadata: cmd.metadata ?? {},
          createdAt: previous?.createdAt ?? now,
          updatedAt: now,
        };
        await this.documents.save(doc);
        await this.indexer.write({ id: doc.id, title: doc.title, metadata: doc.metadata }, collection, chunks);
        if (previous) this.logger.log(`replaced ${doc.id} (${sourceId}) in ${collection.name}: ${chunks.length} chunks`);
        return { id: doc.id, title: doc.title, deduplicated: false, replaced: !!previous, chunks: chunks.length };
      });
    } catch (e) {
      // A concurrent writer created the same source (or content) first, or a re-index moved the collection to
      // another embedder after these chunks were embedded: redo once against the current state.
      if ((e instanceof DuplicateSourceError || e instanceof CollectionEmbedderChangedError) && attempt === 0) return this.execute(cmd, 1);
      throw e;
    }
  }
}

function deduplicated(doc: KnowledgeDocument): IngestResult {
  return { id: doc.id, title: doc.title, deduplicated: true, replaced: false, chunks: doc.chunkCount };
}
