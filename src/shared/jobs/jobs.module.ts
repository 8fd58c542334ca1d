import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { HealthRegistry } from '../health';
import { LongOperationLane } from './long-operation-lane';

/** The process's one long-operation lane, shared by every module that runs long work (ingest jobs, re-index). */
@Global()
@Module({
  providers: [
    {
      provide: LongOperationLane,
      inject: [APP_CONFIG, HealthRegistry],
      useFactory: (config: AppConfig, health: HealthRegistry) => {
        const lane = new LongOperationLane(config.jobs.concurrency);
        // a detail for operators, never a reason to stop routing: queries do not wait on this lane
        health.register({
          name: 'jobs',
          check: async () => ({ up: true, details: { active: lane.active, waiting: lane.waiting, concurrency: lane.concurrency } }),
        });
        return lane;
      },
    },
  ],
  exports: [LongOperationLane],
})
export class JobsLaneModule {}
