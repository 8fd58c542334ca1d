import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../shared/config';
import type { Principal } from '../../../shared/http/principal';
import { nextUtcMidnight, UserTokenUsage } from '../../metrics';
import { quotaExceeded } from '../domain/access.errors';

/**
 * Daily token quotas (quota.*): a user's prompt + completion tokens of the current UTC day, from the usage
 * records (metrics' UserTokenUsage, briefly cached), against the key's quota (quota.keys, by id or prefix), else
 * the user's (quota.users), else quota.dailyTokens; 0 is no quota. Checked before a model runs: the call that
 * crosses the quota finishes, the next one is refused with 429 QUOTA.EXCEEDED until UTC midnight.
 */
@Injectable()
export class QuotaService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly usage: UserTokenUsage,
  ) {}

  limitFor(userId: string, p?: Principal): number {
    const { keys, users, dailyTokens } = this.config.quota;
    const byKey = p?.via === 'api-key' ? (keys[p.ref ?? ''] ?? keys[p.keyPrefix ?? '']) : undefined;
    return byKey ?? users[userId] ?? dailyTokens;
  }

  /** Throws QUOTA.EXCEEDED when `userId` has spent its quota today. */
  async check(userId: string | undefined, p?: Principal, now = new Date()): Promise<void> {
    if (!userId) return;
    const quota = this.limitFor(userId, p);
    if (!quota) return;
    const used = await this.usage.tokensToday(userId, now);
    if (used >= quota) throw quotaExceeded(quota, used, nextUtcMidnight(now), now);
  }
}
