import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AccessModule } from './modules/access';
import { ConversationModule } from './modules/conversation';
import { GenerationModule } from './modules/generation';
import { INGESTION_ENTITIES, IngestionModule, IngestQueueModule } from './modules/ingestion';
import { MetricsModule } from './modules/metrics';
import { RETRIEVAL_ENTITIES, RetrievalModule } from './modules/retrieval';
import { AuditModule } from './shared/audit';
import { AppCacheModule } from './shared/cache';
import { AppConfig, ConfigModule } from './shared/config';
import { DatabaseModule } from './shared/database';
import { HealthModule } from './shared/health';
import { JobsLaneModule } from './shared/jobs';
import { LoggingModule } from './shared/logging';
import { ReplicasModule } from './shared/replicas';

@Module({})
export class AppModule {
  /** `logDestination`: where log lines go instead of stdout (the e2e tests keep them per suite). */
  static forRoot(config: AppConfig, opts: { logDestination?: DestinationStream } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, opts.logDestination),
        DatabaseModule.forRoot([...INGESTION_ENTITIES, ...RETRIEVAL_ENTITIES]),
        HealthModule,
        ReplicasModule,
        AuditModule,
        AppCacheModule,
        AccessModule,
        JobsLaneModule,
        IngestQueueModule.forRoot(config),
        RetrievalModule,
        IngestionModule,
        GenerationModule,
        ConversationModule,
        MetricsModule,
      ],
    };
  }
}
