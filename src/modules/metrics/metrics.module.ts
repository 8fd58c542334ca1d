import { Module } from '@nestjs/common';

/** Owns usage records, cost, reports and the Prometheus exposition; other modules publish events to it. */
@Module({})
export class MetricsModule {}
