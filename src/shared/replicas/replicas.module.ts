import { Global, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { DATA_SOURCE, DATABASE_STATE, DatabaseState } from '../database';
import { SharedState } from './shared-state';

/** Starts SharedState once every module registered its keys (onModuleInit), and stops it first at shutdown. */
class SharedStateLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(SharedState) private readonly state: SharedState) {}

  onApplicationBootstrap(): Promise<void> {
    return this.state.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.state.stop();
  }
}

/** Settings shared by every process on one database (issue 10); see SharedState. */
@Global()
@Module({
  providers: [
    {
      provide: SharedState,
      inject: [APP_CONFIG, DATA_SOURCE, DATABASE_STATE],
      useFactory: (config: AppConfig, dataSource: DataSource, state: DatabaseState) => new SharedState(config, dataSource, state),
    },
    SharedStateLifecycle,
  ],
  exports: [SharedState],
})
export class ReplicasModule {}
