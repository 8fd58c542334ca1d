import type { DataSource } from 'typeorm';
import { AppConfig } from '../../../../shared/config';
import { LongOperationLane } from '../../../../shared/jobs';
import { JobQueue, JobWorker } from '../../application/ports/job-queue.port';
import { PostgresJobQueue } from './postgres.job-queue';

/** The JobQueue adapter named by jobs.backend (issue 10 adds `bull`, on Redis). */
export function createJobQueue(config: AppConfig, dataSource: DataSource, lane: LongOperationLane, worker: JobWorker): JobQueue {
  const backend = config.jobs.backend;
  switch (backend) {
    case 'postgres':
      return new PostgresJobQueue(dataSource, lane, worker, config.jobs);
    default: {
      const never: never = backend;
      throw new Error(`jobs.backend "${String(never)}" is not one of: postgres`);
    }
  }
}
