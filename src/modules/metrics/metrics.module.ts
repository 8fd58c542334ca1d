import { Module } from '@nestjs/common';
import { USAGE_STORE } from './application/ports/usage-store.port';
import { UsageRecorder } from './application/usage/usage-recorder.service';
import { TypeOrmUsageStore } from './infrastructure/typeorm-usage.store';

/** Owns usage records, cost, reports and the Prometheus exposition; other modules publish model calls to it. */
@Module({
  providers: [{ provide: USAGE_STORE, useClass: TypeOrmUsageStore }, UsageRecorder],
  exports: [UsageRecorder],
})
export class MetricsModule {}
