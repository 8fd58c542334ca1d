/**
 * The application cache (answers, semantic-cache entries): values are JSON. Never throws: a store that is
 * down answers `undefined` and drops writes, so callers go on uncached.
 */
export interface AppCache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Drops every entry keyed with `collectionKey(collection, ...)`: in this process's memory, or in Redis, which every
   * process shares. Never throws: a store that is down drops nothing (its entries expire with their TTL); logged.
   */
  forgetCollection(collection: string): Promise<void>;
  /** 'memory' or 'redis'. */
  readonly store: 'memory' | 'redis';
}

export const APP_CACHE = Symbol('APP_CACHE');

/** The key of an entry derived from a collection's documents (an answer quoting them): `forgetCollection` drops it. */
export function collectionKey(collection: string, key: string): string {
  return `c:${collection}:${key}`;
}

/** What every collectionKey of `collection` starts with (collection names hold no ':'). */
export function collectionPrefix(collection: string): string {
  return collectionKey(collection, '');
}
