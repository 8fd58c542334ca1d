import type { ExclusiveWork } from '../../../../shared/database';
import type { Queue } from 'bull';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../../../shared/config';
import { LongOperationLane } from '../../../../shared/jobs';
import { JobOutcomeListener, JobQueue, JobWorker } from '../../application/ports/job-queue.port';
import { BullJobQueue } from './bull.job-queue';
import { PostgresJobQueue } from './postgres.job-queue';

export type ResolvedJobBackend = 'postgres' | 'bull';

/** jobs.backend with `auto` resolved: bull when Redis is configured (REDIS_URL), else postgres. */
export function resolveJobBackend(jobs: AppConfig['jobs']): ResolvedJobBackend {
  const backend = jobs.backend;
  switch (backend) {
    case 'auto':
      return jobs.redisUrl ? 'bull' : 'postgres';
    case 'postgres':
      return 'postgres';
    case 'bull':
      if (!jobs.redisUrl) throw new Error('jobs.backend "bull" needs jobs.redisUrl (REDIS_URL)');
      return 'bull';
    default: {
      const never: never = backend;
      throw new Error(`jobs.backend "${String(never)}" is not one of: auto, postgres, bull`);
    }
  }
}

/** The JobQueue adapter named by jobs.backend; `bullQueue` is the queue IngestQueueModule registered (bull only). */
export function createJobQueue(
  config: AppConfig,
  dataSource: DataSource,
  lane: LongOperationLane,
  worker: JobWorker,
  bullQueue: Queue | null,
  onOutcome?: JobOutcomeListener,
  exclusive?: ExclusiveWork,
): JobQueue {
  const { maxAttempts, backoffMs, embeddedWorker, redisPrefix, redisTimeoutMs } = config.jobs;
  const backend = resolveJobBackend(config.jobs);
  switch (backend) {
    case 'postgres':
      return new PostgresJobQueue(dataSource, lane, worker, { ...config.jobs, consume: embeddedWorker, onOutcome, exclusive });
    case 'bull':
      if (!bullQueue) throw new Error('jobs.backend resolved to bull but no Bull queue is registered (IngestQueueModule.forRoot)');
      return new BullJobQueue(bullQueue as Queue<never>, lane, worker, { maxAttempts, backoffMs, consume: embeddedWorker, redisPrefix, redisTimeoutMs, onOutcome });
    default: {
      const never: never = backend;
      throw new Error(`unknown job backend ${String(never)}`);
    }
  }
}
