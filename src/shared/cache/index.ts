export { APP_CACHE, collectionKey } from './cache.port';
export type { AppCache } from './cache.port';
export { AppCacheModule } from './cache.module';
export { LruMap } from './lru-map';
