import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { APP_CONFIG, AppConfig } from '../config';
import { HealthRegistry } from '../health';
import { APP_CACHE } from './cache.port';
import { CACHE_BACKEND, CacheBackend, createCacheBackend } from './cache.backend';
import { ResilientCache } from './resilient-cache';

@Module({
  providers: [{ provide: CACHE_BACKEND, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createCacheBackend(config) }],
  exports: [CACHE_BACKEND],
})
class CacheBackendModule {}

/** Registers the `redis` readiness check (non-critical) and closes the connection at shutdown. */
class CacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(APP_CACHE) private readonly cache: ResilientCache,
    @Inject(CACHE_BACKEND) private readonly backend: CacheBackend,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    if (this.backend.kind === 'redis') this.health.register({ name: 'redis', critical: false, check: () => this.cache.health() });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close().catch(() => undefined);
  }
}

/**
 * The application cache (`APP_CACHE`): `@nestjs/cache-manager` (cache-manager 7 on Keyv) over a bounded
 * in-memory store, or Redis through `@keyv/redis` when REDIS_URL is set; wrapped so that it is optional.
 */
@Global()
@Module({
  imports: [
    CacheBackendModule,
    CacheModule.registerAsync({
      imports: [CacheBackendModule],
      inject: [CACHE_BACKEND],
      useFactory: (backend: CacheBackend) => ({ stores: [backend.keyv] }),
    }),
  ],
  providers: [
    {
      provide: APP_CACHE,
      inject: [CACHE_MANAGER, CACHE_BACKEND, APP_CONFIG],
      useFactory: (cache: Cache, backend: CacheBackend, config: AppConfig) =>
        new ResilientCache(cache, backend, { timeoutMs: config.cache.redis.connectTimeoutMs, errorLogIntervalMs: config.cache.redis.errorLogIntervalMs }),
    },
    CacheLifecycle,
  ],
  exports: [APP_CACHE],
})
export class AppCacheModule {}
