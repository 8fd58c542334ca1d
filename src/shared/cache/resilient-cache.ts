import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { collectionPrefix, type AppCache } from './cache.port';
import type { CacheBackend } from './cache.backend';

/** After a failure the store is skipped this long, then one request tries it again. */
const RETRY_AFTER_MS = 1000;
const KEY_PREFIX = 'acervo:';
/** A purge (a scan of the whole store) may take this many times the store's timeout before it is given up. */
const PURGE_TIMEOUTS = 10;

/**
 * cache-manager over the backend, made optional: a store error or a slow answer marks the cache down, and
 * while it is down every request goes on without it (get -> undefined, set dropped) until a retry works.
 * An outage is logged once per `errorLogIntervalMs`, with the number of errors since the last line.
 */
export class ResilientCache implements AppCache {
  private readonly logger = new Logger('Cache');
  private downSince?: number;
  private retryAt = 0;
  private lastError?: string;
  private lastLogAt = -Infinity;
  private errorsSinceLog = 0;
  readonly store: 'memory' | 'redis';

  constructor(
    private readonly cache: Cache,
    private readonly backend: CacheBackend,
    private readonly opts: { timeoutMs: number; errorLogIntervalMs: number },
  ) {
    this.store = backend.kind;
    backend.onError((e) => this.failed(e));
    // cache-manager reports a store's get/set errors as events (get answers undefined)
    cache.on('get', (e: { error?: unknown }) => e.error !== undefined && this.failed(e.error));
    cache.on('set', (e: { error?: unknown }) => e.error !== undefined && this.failed(e.error));
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.skipping()) return undefined;
    const before = this.failures;
    try {
      const value = await this.timed(this.cache.get<T>(KEY_PREFIX + key));
      if (this.failures === before) this.recovered();
      return value ?? undefined;
    } catch (e) {
      this.failed(e);
      return undefined;
    }
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    if (this.skipping()) return;
    try {
      await this.timed(this.cache.set(KEY_PREFIX + key, value, ttlMs));
    } catch (e) {
      this.failed(e);
    }
  }

  async delete(key: string): Promise<void> {
    if (this.skipping()) return;
    try {
      await this.timed(this.cache.del(KEY_PREFIX + key));
    } catch (e) {
      this.failed(e);
    }
  }

  /** Tried even while the store seems down (the purge matters more than a request's latency), for a longer time. */
  async forgetCollection(collection: string): Promise<void> {
    try {
      const n = await this.timed(this.backend.deletePrefix(KEY_PREFIX + collectionPrefix(collection)), this.opts.timeoutMs * PURGE_TIMEOUTS);
      if (n) this.logger.debug(`dropped ${n} cached entries of collection ${collection}`);
    } catch (e) {
      this.failed(e);
      this.logger.warn(`cached entries of collection ${collection} not dropped (${this.lastError}): they expire with their TTL`);
    }
  }

  /** Readiness: never down (the cache is optional), `degraded` while the store fails. */
  async health(): Promise<{ up: boolean; details: Record<string, unknown> }> {
    try {
      if (this.backend.ping) await this.timed(this.backend.ping());
      this.recovered();
      return { up: true, details: { store: this.store, state: 'up' } };
    } catch (e) {
      this.failed(e);
      return { up: false, details: { store: this.store, state: 'degraded', error: this.lastError, down_since_s: this.downFor() } };
    }
  }

  private failures = 0;

  private skipping(): boolean {
    return this.downSince !== undefined && performance.now() < this.retryAt;
  }

  private timed<T>(p: Promise<T>, timeoutMs = this.opts.timeoutMs): Promise<T> {
    let t: NodeJS.Timeout;
    return Promise.race([
      p.finally(() => clearTimeout(t)),
      new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
    ]);
  }

  private failed(e: unknown): void {
    this.failures++;
    const now = performance.now();
    this.lastError = e instanceof Error ? e.message || e.name : String(e);
    this.downSince ??= now;
    this.retryAt = now + RETRY_AFTER_MS;
    this.errorsSinceLog++;
    if (now - this.lastLogAt >= this.opts.errorLogIntervalMs) {
      this.logger.error(`${this.store} cache unavailable (${this.lastError}); answering without it [${this.errorsSinceLog} error(s) since the last report]`);
      this.lastLogAt = now;
      this.errorsSinceLog = 0;
    }
  }

  private recovered(): void {
    if (this.downSince === undefined) return;
    this.logger.log(`${this.store} cache available again after ${this.downFor()} s`);
    this.downSince = undefined;
    this.errorsSinceLog = 0;
    this.lastLogAt = -Infinity;
  }

  private downFor(): number {
    return this.downSince === undefined ? 0 : Math.round((performance.now() - this.downSince) / 1000);
  }
}
