import { Injectable, OnModuleInit } from '@nestjs/common';
import { ReindexService } from '../../../retrieval';
import { IngestJobsService } from './ingest-jobs.service';

/**
 * Hands retrieval's re-index jobs to this module's job queue (issue 10: Postgres without Redis, Bull with it), so
 * a restart resumes them. Retrieval cannot import ingestion (ingestion depends on it), so the queue is given to it
 * here, at init, before any job is started or resumed.
 */
@Injectable()
export class ReindexQueueBridge implements OnModuleInit {
  constructor(
    private readonly reindex: ReindexService,
    private readonly jobs: IngestJobsService,
  ) {}

  onModuleInit(): void {
    this.reindex.useDispatcher(async (reindexId) => {
      await this.jobs.submitReindex(reindexId);
    });
  }
}
