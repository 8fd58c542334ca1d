// Public surface of the ingestion module.
import { DocumentOrmEntity } from './infrastructure/persistence/document.orm-entity';
export { IngestionModule } from './ingestion.module';
export { IngestQueueModule } from './infrastructure/jobs/ingest-queue.module';
export { resolveJobBackend } from './infrastructure/jobs/job-queue.factory';
export { IngestFilesHandler, type FileOutcome } from './application/ingest/ingest-files.handler';
export { IngestTextHandler } from './application/ingest/ingest-text.handler';
export { IngestUrlHandler } from './application/ingest/ingest-url.handler';
export type { IngestResult, IngestTextCommand } from './application/ingest/ingest.command';
export { SUPPORTED_EXTENSIONS } from './domain/ingestion.errors';
/** TypeORM entities this module persists. */
export const INGESTION_ENTITIES = [DocumentOrmEntity];
