import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../shared/config';
import type { Principal } from '../../../shared/http/principal';
import { nextUtcMidnight, UserTokenUsage } from '../../metrics';
import { quotaExceeded } from '../domain/access.errors';

/** Gives back a reservation (reserve's answer); more calls than one are no-ops. */
export type QuotaRelease = () => void;

const NOTHING_RESERVED: QuotaRelease = () => undefined;

/**
 * Daily token quotas (quota.*): a user's prompt + completion tokens of the current UTC day, from the usage
 * records (metrics' UserTokenUsage, briefly cached), against the key's quota (quota.keys, by id or prefix), else
 * the user's (quota.users), else quota.dailyTokens; 0 is no quota. Checked before a model runs: the call that
 * crosses the quota finishes, the next one is refused with 429 QUOTA.EXCEEDED until UTC midnight.
 *
 * Calls running at once (probe finding 13: 20 parallel chats of a new user all passed a 400-token quota, since each
 * read the same figure before any had spent) each hold `quota.reserveTokens` while they run: a call is admitted
 * only while today's tokens plus the reservations of the user's calls in flight stay under the quota, checked and
 * reserved in one step (no await between them, so atomic within the process). When the call ends its reservation is
 * given back and its actual tokens, already counted by the usage records (UsageRecorder adds them at once), take
 * its place. Replicas reserve each for their own calls; across them the figure is at most quota.cacheSeconds old.
 */
@Injectable()
export class QuotaService {
  private readonly reserved = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly usage: UserTokenUsage,
  ) {}

  limitFor(userId: string, p?: Principal): number {
    const { keys, users, dailyTokens } = this.config.quota;
    const byKey = p?.via === 'api-key' ? (keys[p.ref ?? ''] ?? keys[p.keyPrefix ?? '']) : undefined;
    return byKey ?? users[userId] ?? dailyTokens;
  }

  /** Throws QUOTA.EXCEEDED when `userId` has spent its quota today (its calls in flight counted by their reservations). */
  async check(userId: string | undefined, p?: Principal, now = new Date()): Promise<void> {
    (await this.reserve(userId, p, now, 0))();
  }

  /**
   * Admits one model call of `userId` and reserves `tokens` (quota.reserveTokens) of its quota until the returned
   * release is called (when the call ends, whatever its outcome). Throws QUOTA.EXCEEDED when today's tokens plus
   * the reservations of its calls in flight reach the quota.
   */
  async reserve(userId: string | undefined, p?: Principal, now = new Date(), tokens = this.config.quota.reserveTokens): Promise<QuotaRelease> {
    if (!userId) return NOTHING_RESERVED;
    const quota = this.limitFor(userId, p);
    if (!quota) return NOTHING_RESERVED;
    const used = await this.usage.tokensToday(userId, now);
    // from here to the reservation nothing awaits: no other call of this process can read the same figure in between
    const held = this.reserved.get(userId) ?? 0;
    if (used + held >= quota) throw quotaExceeded(quota, used, nextUtcMidnight(now), now, held);
    if (!tokens) return NOTHING_RESERVED;
    this.reserved.set(userId, held + tokens);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.reserved.get(userId) ?? 0) - tokens;
      if (left > 0) this.reserved.set(userId, left);
      else this.reserved.delete(userId);
    };
  }
}
