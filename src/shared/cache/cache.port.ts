/**
 * The application cache (answers, semantic-cache entries): values are JSON. Never throws: a store that is
 * down answers `undefined` and drops writes, so callers go on uncached.
 */
export interface AppCache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /** 'memory' or 'redis'. */
  readonly store: 'memory' | 'redis';
}

export const APP_CACHE = Symbol('APP_CACHE');
