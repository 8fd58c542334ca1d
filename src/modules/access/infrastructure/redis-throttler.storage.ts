import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { REDIS_COMMAND_TIMEOUT_MS } from '../../../shared/net/redis-timeouts';
import { MemoryThrottlerStorage } from './memory-throttler.storage';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window counts in Redis, so every replica on the same REDIS_URL shares them: one INCR per request, the
 * window's expiry set on its first hit, both in one Lua call (atomic). A request past the limit is blocked
 * for the rest of the window. When Redis cannot be reached, or does not answer within REDIS_COMMAND_TIMEOUT_MS, the
 * request is counted by this process alone (for SKIP_AFTER_FAILURE_MS, then Redis is asked again) and the outage
 * logged at most once a minute: an outage of the counter must neither take the API down nor lift its limits.
 */
const SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

const SKIP_AFTER_FAILURE_MS = 5000;

export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private lastError = 0;
  /** Until then Redis is not asked (it failed or did not answer lately): the process counts alone meanwhile. */
  private skipUntil = 0;
  /** The counts while Redis is skipped: each replica limits what it serves (a slow Redis turned every limit off). */
  private readonly local = new MemoryThrottlerStorage();

  constructor(url: string, private readonly prefix = 'acervo:rl:') {
    this.redis = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    });
    this.redis.on('error', (e: Error) => this.warn(e));
  }

  async increment(key: string, ttl: number, limit: number, blockDuration = 0, throttlerName = ''): Promise<ThrottlerStorageRecord> {
    const local = () => this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    if (Date.now() < this.skipUntil) return local();
    try {
      const [hits, ms] = (await this.redis.eval(SCRIPT, 1, this.prefix + key, String(ttl))) as [number, number];
      const seconds = Math.max(1, Math.ceil(ms / 1000));
      const isBlocked = hits > limit;
      return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
    } catch (e) {
      this.warn(e as Error);
      return local();
    }
  }

  /** Seconds left of the key's window when it is past `limit` (0: not blocked), without counting a hit. */
  async blockedFor(key: string, limit: number, throttlerName = ''): Promise<number> {
    if (Date.now() < this.skipUntil) return this.local.blockedFor(key, limit, throttlerName);
    try {
      const [hits, ms] = (await this.redis.multi().get(this.prefix + key).pttl(this.prefix + key).exec())!.map(([, v]) => v) as [string | null, number];
      return Number(hits ?? 0) > limit && ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
    } catch (e) {
      this.warn(e as Error);
      return this.local.blockedFor(key, limit, throttlerName);
    }
  }

  private warn(e: Error): void {
    // a request asks Redis several times (each limit, the refused-credential count): after one failure the others of
    // this moment do not wait for theirs
    this.skipUntil = Date.now() + SKIP_AFTER_FAILURE_MS;
    if (Date.now() - this.lastError < 60_000) return;
    this.lastError = Date.now();
    this.logger.warn(`rate-limit counts unavailable in Redis, each instance counts alone meanwhile: ${e.message}`);
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}
