import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { AppConfig } from '../config';
import { LruMap } from './lru-map';

/** The Keyv store under cache-manager: bounded memory, or Redis when `cache.redis.url` (REDIS_URL) is set. */
export interface CacheBackend {
  kind: 'memory' | 'redis';
  keyv: Keyv;
  /** Redis only: a round trip to the server (readiness). */
  ping?(): Promise<void>;
  /** Redis only: socket errors, which would otherwise be unhandled 'error' events. */
  onError(listener: (e: Error) => void): void;
  /** Deletes every key that starts with `prefix` (as given to Keyv); the number deleted. */
  deletePrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}

export const CACHE_BACKEND = Symbol('CACHE_BACKEND');

const RECONNECT_MAX_MS = 1000;
/** Keys asked for per SCAN round trip when deleting by prefix. */
const SCAN_COUNT = 1000;

export function createCacheBackend(config: AppConfig): CacheBackend {
  const { redis, response } = config.cache;
  if (!redis.url) {
    // Values kept as objects, not JSON (no parse per hit): a frozen copy taken when stored, so neither the writer
    // nor a reader can change what the next reader gets.
    const map = new LruMap<string, unknown>(response.maxEntries);
    const keyv = new Keyv({
      store: map,
      useKeyPrefix: false,
      serialize: ((data: unknown) => deepFreeze(structuredClone(data))) as unknown as (data: unknown) => string,
      deserialize: undefined,
    });
    const deletePrefix = async (prefix: string) => {
      const keys = [...map.keys()].filter((k) => k.startsWith(prefix));
      for (const k of keys) map.delete(k);
      return keys.length;
    };
    return { kind: 'memory', keyv, onError: (l) => keyv.on('error', l), deletePrefix, close: async () => undefined };
  }
  const store = new KeyvRedis(
    {
      url: redis.url,
      // No offline queue: while Redis is down a command fails at once instead of holding the request.
      disableOfflineQueue: true,
      socket: { connectTimeout: redis.connectTimeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, RECONNECT_MAX_MS) },
    },
    { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: redis.connectTimeoutMs },
  );
  const keyv = new Keyv({ store, useKeyPrefix: false, throwOnErrors: true });
  return {
    kind: 'redis',
    keyv,
    ping: async () => {
      const client = await store.getClient();
      await client.ping();
    },
    onError: (l) => {
      keyv.on('error', l);
      store.on('error', l);
      store.client.on('error', l);
    },
    // SCAN, not KEYS: it does not block the server (Bull's keys may share it); a key written during the scan may be
    // missed, which the writer checks for (CachedAskHandler re-reads the corpus version after storing)
    deletePrefix: async (prefix) => {
      const client = await store.getClient();
      const match = `${store.createKeyPrefix(prefix, store.namespace).replace(/[*?[\]\\]/g, '\\$&')}*`;
      let deleted = 0;
      let cursor = '0';
      do {
        const page = await client.scan(cursor, { MATCH: match, COUNT: SCAN_COUNT });
        cursor = String(page.cursor);
        if (page.keys.length) deleted += await client.unlink(page.keys);
      } while (cursor !== '0');
      return deleted;
    },
    close: () => store.disconnect(true),
  };
}

/** Freezes a value and everything it holds (typed arrays cannot be frozen: they stay as they are). */
export function deepFreeze<T>(value: T): T {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
