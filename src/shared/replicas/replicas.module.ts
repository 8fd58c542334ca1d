import { Global, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { DATA_SOURCE, DATABASE_STATE, DatabaseState } from '../database';
import { HealthRegistry } from '../health';
import { SharedState } from './shared-state';

/**
 * Starts SharedState once every module registered its keys (onModuleInit), and stops it first at shutdown. With
 * sharing on, readiness gets a non-critical `replicas` entry: degraded while this process runs something other
 * than a shared change it could not apply.
 */
class SharedStateLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SharedState) private readonly state: SharedState,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    if (!this.state.enabled) return;
    this.health.register({
      name: 'replicas',
      critical: false,
      check: async () => {
        const failed = this.state.failures();
        return { up: failed.length === 0, details: { notify: this.state.notifyMode, instance: this.state.instanceId, ...(failed.length ? { not_applied: failed } : {}) } };
      },
    });
  }

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
