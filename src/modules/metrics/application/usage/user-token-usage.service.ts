import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { USAGE_STORE, UsageStore } from '../ports/usage-store.port';

interface Entry {
  day: string;
  tokens: number;
  fetchedAt: number;
}

/** Users whose figure is kept at once; the oldest is dropped past it. */
const MAX_USERS = 10_000;

/** The UTC day of a time (YYYY-MM-DD), and the next UTC midnight. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);
export const nextUtcMidnight = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));

/**
 * Tokens a user has spent today (UTC day), from the usage records: what the daily token quota (access module)
 * checks before a model runs. The figure is read from the table at most once per quota.cacheSeconds per user;
 * in between, the calls this process records are added to it at once, so one replica never lets a user run
 * far past a quota (other replicas' calls show at the next read).
 */
@Injectable()
export class UserTokenUsage {
  private readonly entries = new Map<string, Entry>();
  /** Tokens this process recorded that are not in the table yet (UsageRecorder writes rows in batches). */
  private readonly unwritten = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(
    @Inject(USAGE_STORE) private readonly store: UsageStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.quota.cacheSeconds * 1000;
  }

  async tokensToday(userId: string, now = new Date()): Promise<number> {
    const day = utcDay(now);
    const cached = this.entries.get(userId);
    if (cached && cached.day === day && now.getTime() - cached.fetchedAt < this.ttlMs) return cached.tokens;
    const tokens = (await this.store.tokensSince(userId, new Date(`${day}T00:00:00.000Z`))) + (this.unwritten.get(userId) ?? 0);
    this.entries.delete(userId);
    if (this.entries.size >= MAX_USERS) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(userId, { day, tokens, fetchedAt: now.getTime() });
    return tokens;
  }

  /**
   * A call this process recorded (UsageRecorder): counted in the cached figure before the next read, and added to
   * what the next read finds until `written` says its row is stored.
   */
  add(userId: string, tokens: number, now = new Date()): void {
    const cached = this.entries.get(userId);
    if (cached && cached.day === utcDay(now)) cached.tokens += tokens;
    this.unwritten.set(userId, (this.unwritten.get(userId) ?? 0) + tokens);
  }

  /** The rows of calls given to `add` were written (or their write failed): the table has them, or never will. */
  written(userId: string, tokens: number): void {
    const left = (this.unwritten.get(userId) ?? 0) - tokens;
    if (left > 0) this.unwritten.set(userId, left);
    else this.unwritten.delete(userId);
  }
}
