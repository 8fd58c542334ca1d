import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import type { Queue } from 'bull';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { DATA_SOURCE, DATABASE_STATE, type DatabaseState } from '../../shared/database';
import { LongOperationLane } from '../../shared/jobs';
import { MetricsModule, PrometheusMetrics } from '../metrics';
import { RetrievalModule } from '../retrieval';
import { DocumentsHandler } from './application/documents/document-queries.handler';
import { IngestFilesHandler } from './application/ingest/ingest-files.handler';
import { IngestTextHandler } from './application/ingest/ingest-text.handler';
import { IngestUrlHandler } from './application/ingest/ingest-url.handler';
import { IngestJobWorker } from './application/jobs/ingest-job.worker';
import { IngestJobsService } from './application/jobs/ingest-jobs.service';
import { ReindexQueueBridge } from './application/jobs/reindex-queue.bridge';
import { JOB_QUEUE, JOB_WORKER, JobWorker } from './application/ports/job-queue.port';
import { CHUNKER, DOCUMENT_PARSER, DOCUMENT_REPOSITORY, SOURCE_LOCKS, WEB_FETCHER } from './application/ports/ingestion.tokens';
import { TextSplitterChunker } from './infrastructure/chunking/text-splitter.chunker';
import { CompositeDocumentParser } from './infrastructure/parsers/composite.parser';
import { TypeOrmDocumentRepository } from './infrastructure/persistence/typeorm-document.repository';
import { TypeOrmSourceLocks } from './infrastructure/persistence/typeorm-source-locks';
import { createJobQueue } from './infrastructure/jobs/job-queue.factory';
import { BULL_INGEST_QUEUE } from './infrastructure/jobs/ingest-queue.module';
import { InboxWatcher } from './interface/inbox/inbox.watcher';
import { GuardedWebFetcher } from './infrastructure/web/guarded-web.fetcher';
import { DocumentsController } from './interface/http/documents.controller';
import { JobsController } from './interface/http/jobs.controller';

@Module({
  imports: [
    RetrievalModule,
    MetricsModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        limits: { fileSize: config.ingestion.maxFileBytes, files: config.ingestion.maxFilesPerRequest, fields: 20, fieldSize: 1024 * 1024 },
      }),
    }),
  ],
  controllers: [DocumentsController, JobsController],
  providers: [
    { provide: DOCUMENT_REPOSITORY, useClass: TypeOrmDocumentRepository },
    { provide: SOURCE_LOCKS, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new TypeOrmSourceLocks(dataSource) },
    { provide: DOCUMENT_PARSER, useClass: CompositeDocumentParser },
    { provide: WEB_FETCHER, useClass: GuardedWebFetcher },
    { provide: CHUNKER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new TextSplitterChunker(config.ingestion.chunking) },
    IngestTextHandler,
    IngestFilesHandler,
    IngestUrlHandler,
    DocumentsHandler,
    { provide: JOB_WORKER, useClass: IngestJobWorker },
    {
      provide: JOB_QUEUE,
      inject: [APP_CONFIG, DATA_SOURCE, LongOperationLane, JOB_WORKER, BULL_INGEST_QUEUE, PrometheusMetrics, DATABASE_STATE],
      useFactory: (
        config: AppConfig,
        dataSource: DataSource,
        lane: LongOperationLane,
        worker: JobWorker,
        bullQueue: Queue | null,
        prometheus: PrometheusMetrics,
        database: DatabaseState,
      ) => {
        const queue = createJobQueue(config, dataSource, lane, worker, bullQueue, (kind, outcome) => prometheus.countJobOutcome(kind, outcome), database.exclusive);
        // queue depth is read at scrape time (Prometheus' /metrics), never kept as a second count that could drift
        prometheus.watchQueueDepth(() => queue.counts());
        return queue;
      },
    },
    IngestJobsService,
    ReindexQueueBridge,
    InboxWatcher,
  ],
  exports: [IngestFilesHandler, IngestTextHandler, IngestUrlHandler],
})
export class IngestionModule {}
