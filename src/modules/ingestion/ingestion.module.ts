import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { RetrievalModule } from '../retrieval';
import { DocumentsHandler } from './application/documents/document-queries.handler';
import { IngestFilesHandler } from './application/ingest/ingest-files.handler';
import { IngestTextHandler } from './application/ingest/ingest-text.handler';
import { IngestUrlHandler } from './application/ingest/ingest-url.handler';
import { CHUNKER, DOCUMENT_PARSER, DOCUMENT_REPOSITORY, WEB_FETCHER } from './application/ports/ingestion.tokens';
import { TextSplitterChunker } from './infrastructure/chunking/text-splitter.chunker';
import { CompositeDocumentParser } from './infrastructure/parsers/composite.parser';
import { TypeOrmDocumentRepository } from './infrastructure/persistence/typeorm-document.repository';
import { GuardedWebFetcher } from './infrastructure/web/guarded-web.fetcher';
import { DocumentsController } from './interface/http/documents.controller';

@Module({
  imports: [
    RetrievalModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        limits: { fileSize: config.ingestion.maxFileBytes, files: config.ingestion.maxFilesPerRequest, fields: 20, fieldSize: 1024 * 1024 },
      }),
    }),
  ],
  controllers: [DocumentsController],
  providers: [
    { provide: DOCUMENT_REPOSITORY, useClass: TypeOrmDocumentRepository },
    { provide: DOCUMENT_PARSER, useClass: CompositeDocumentParser },
    { provide: WEB_FETCHER, useClass: GuardedWebFetcher },
    { provide: CHUNKER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new TextSplitterChunker(config.ingestion.chunking) },
    IngestTextHandler,
    IngestFilesHandler,
    IngestUrlHandler,
    DocumentsHandler,
  ],
  exports: [IngestFilesHandler, IngestTextHandler, IngestUrlHandler],
})
export class IngestionModule {}
