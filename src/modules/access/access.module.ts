import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { MetricsModule } from '../metrics';
import { AccessService } from './application/access.service';
import { ApiKeysService } from './application/api-keys.service';
import { Authenticator } from './application/authenticator.service';
import { QuotaService } from './application/quota.service';
import { API_KEY_STORE, COLLECTION_ACCESS_STORE, RESOURCE_LOOKUP, TOKEN_VERIFIER } from './application/ports/access.ports';
import { JoseTokenVerifier } from './infrastructure/jose-token.verifier';
import { MemoryThrottlerStorage } from './infrastructure/memory-throttler.storage';
import { RedisThrottlerStorage } from './infrastructure/redis-throttler.storage';
import { SqlResourceLookup, TypeOrmApiKeyStore, TypeOrmCollectionAccessStore } from './infrastructure/typeorm-access.stores';
import { AuthGuard } from './interface/http/auth.guard';
import { CollectionAccessInterceptor } from './interface/http/collection-access.interceptor';
import { CollectionsController } from './interface/http/collections.controller';
import { KeysController } from './interface/http/keys.controller';
import { QuotaGuard } from './interface/http/quota.guard';
import { RateLimitGuard, throttlerOptions } from './interface/http/rate-limit.guard';
import { WsAccessGate } from './interface/ws/ws-access.gate';
import { AuthFailureLimiter } from './interface/http/auth-failures';

/**
 * Who calls and what they may reach (issue 11): API keys and JWTs to a principal (a global guard), the
 * collections' access lists (a global interceptor), rate limits (@nestjs/throttler, a global guard). Global so the ingestion upload route can list the
 * interceptor after its multipart parser.
 */
@Global()
@Module({
  imports: [
    MetricsModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        throttlerOptions(config.rateLimit, config.rateLimit.enabled && config.rateLimit.redisUrl ? new RedisThrottlerStorage(config.rateLimit.redisUrl) : new MemoryThrottlerStorage()),
    }),
  ],
  controllers: [KeysController, CollectionsController],
  providers: [
    { provide: API_KEY_STORE, useClass: TypeOrmApiKeyStore },
    { provide: COLLECTION_ACCESS_STORE, useClass: TypeOrmCollectionAccessStore },
    { provide: RESOURCE_LOOKUP, useClass: SqlResourceLookup },
    { provide: TOKEN_VERIFIER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new JoseTokenVerifier(config.auth.jwt) },
    ApiKeysService,
    AccessService,
    Authenticator,
    QuotaService,
    WsAccessGate,
    AuthFailureLimiter,
    CollectionAccessInterceptor,
    // In this order: a flood is refused before any credential is looked up, a quota once the caller is known.
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: QuotaGuard },
    { provide: APP_INTERCEPTOR, useClass: CollectionAccessInterceptor },
  ],
  exports: [ApiKeysService, AccessService, QuotaService, WsAccessGate, CollectionAccessInterceptor],
})
export class AccessModule {}
