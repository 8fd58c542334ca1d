import { BullModule, getQueueToken } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../../../../shared/config';
import { resolveJobBackend } from './job-queue.factory';

export const INGEST_QUEUE_NAME = 'ingest';
/** The Bull queue of ingest jobs, or null when jobs.backend resolves to postgres. */
export const BULL_INGEST_QUEUE = Symbol('BULL_INGEST_QUEUE');

/**
 * Registers the ingest queue with @nestjs/bull when the jobs backend is bull (which then owns its Redis connections
 * and closes them at shutdown); otherwise registers nothing, so a process without REDIS_URL never dials Redis.
 * Chosen at boot from the config, like every adapter (AppModule.forRoot passes it).
 */
@Module({})
export class IngestQueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (resolveJobBackend(config.jobs) !== 'bull') {
      return { module: IngestQueueModule, global: true, providers: [{ provide: BULL_INGEST_QUEUE, useValue: null }], exports: [BULL_INGEST_QUEUE] };
    }
    const { redisUrl, redisPrefix, leaseMs, maxAttempts } = config.jobs;
    return {
      module: IngestQueueModule,
      global: true,
      imports: [
        // the command client gives up on a command at the second failed reconnect (Bull's own retry delays reach
        // 20 s, and ioredis's default 20 retries held an upload for minutes with Redis gone); Bull's blocking and
        // subscriber clients keep theirs unbounded (Bull sets them null)
        BullModule.forRoot({ url: redisUrl, prefix: redisPrefix, redis: { maxRetriesPerRequest: 1 } }),
        BullModule.registerQueue({
          name: INGEST_QUEUE_NAME,
          // a job whose process stopped renewing its lock for leaseMs runs again; one that stalls more often than
          // maxAttempts (a file that kills its worker?) fails
          settings: { lockDuration: leaseMs, lockRenewTime: Math.floor(leaseMs / 3), stalledInterval: leaseMs, maxStalledCount: maxAttempts },
        }),
      ],
      providers: [{ provide: BULL_INGEST_QUEUE, useExisting: getQueueToken(INGEST_QUEUE_NAME) }],
      exports: [BULL_INGEST_QUEUE],
    };
  }
}
