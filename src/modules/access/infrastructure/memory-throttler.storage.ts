import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Log {
  /** Expiry times of the hits, oldest first; the live ones start at `head`. */
  hits: number[];
  head: number;
  expiresAt: number;
  isBlocked: boolean;
  blockExpiresAt: number;
}

const SWEEP_MS = 60_000;

/**
 * @nestjs/throttler's in-memory counting (a log of hits, each expiring `ttl` after it; past the limit, blocked for
 * `blockDuration`, then counted afresh), with the same answers, but a hit costs O(1) amortized: the library's
 * storage filters every hit of the window into a new array on each request (O(hits in the last minute) per
 * request and per throttler). Hits of one key share one ttl, so they expire in the order they came: expired ones
 * are skipped from the front. Idle keys are dropped by a sweep run from `increment` at most once a minute.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly logs = new Map<string, Log>();
  private nextSweep = Date.now() + SWEEP_MS;

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now >= this.nextSweep) this.sweep(now);
    const id = `${throttlerName}\u0000${key}`;
    let log = this.logs.get(id);
    if (!log) this.logs.set(id, (log = { hits: [], head: 0, expiresAt: now + ttl, isBlocked: false, blockExpiresAt: 0 }));
    prune(log, now);
    let timeToExpire = Math.ceil((log.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      log.expiresAt = now + ttl;
      timeToExpire = Math.ceil(ttl / 1000);
    }
    if (blockDuration <= 0) {
      const isBlocked = live(log) >= limit;
      if (!isBlocked) log.hits.push(now + ttl);
      const timeToBlockExpire = live(log) ? Math.ceil((log.hits[log.head] - now) / 1000) : timeToExpire;
      return { totalHits: live(log) + (isBlocked ? 1 : 0), timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToBlockExpire : 0 };
    }
    if (!log.isBlocked) log.hits.push(now + ttl);
    if (live(log) > limit && !log.isBlocked) {
      log.isBlocked = true;
      log.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((log.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && log.isBlocked) {
      log.isBlocked = false;
      log.hits = [now + ttl];
      log.head = 0;
    }
    return { totalHits: live(log), timeToExpire, isBlocked: log.isBlocked, timeToBlockExpire };
  }

  /** Seconds left of the key's block (0: not blocked), without counting a hit: a check before the work it would count. */
  async blockedFor(key: string, limit: number, throttlerName: string): Promise<number> {
    const now = Date.now();
    const log = this.logs.get(`${throttlerName}\u0000${key}`);
    if (!log) return 0;
    if (log.isBlocked) return Math.max(0, Math.ceil((log.blockExpiresAt - now) / 1000));
    prune(log, now);
    return live(log) > limit ? Math.max(1, Math.ceil((log.hits[log.head] - now) / 1000)) : 0;
  }

  private sweep(now: number): void {
    this.nextSweep = now + SWEEP_MS;
    for (const [id, log] of this.logs) {
      prune(log, now);
      if ((log.isBlocked && log.blockExpiresAt > now) || log.expiresAt > now || live(log) > 0) continue;
      this.logs.delete(id);
    }
  }
}

const live = (log: Log) => log.hits.length - log.head;

function prune(log: Log, now: number): void {
  while (log.head < log.hits.length && log.hits[log.head] <= now) log.head++;
  // compact once the expired prefix is most of the array
  if (log.head > 1024 && log.head * 2 > log.hits.length) {
    log.hits = log.hits.slice(log.head);
    log.head = 0;
  }
}
