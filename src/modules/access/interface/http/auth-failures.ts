import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DomainError } from '../../../../shared/errors/domain-error';

/** The throttler storages of this module (memory, Redis) can tell a key's block without counting a hit. */
interface PeekableStorage extends ThrottlerStorage {
  blockedFor?(key: string, limit: number, throttlerName: string): Promise<number>;
}

const WINDOW_MS = 60_000;
const NAME = 'auth-failures';

/**
 * Credential guessing (probe: 1,400 wrong keys from one IP in 11 s, all 401): the refused credentials of each client
 * address are counted on the rate limits' storage (memory, or Redis shared by the replicas), and past
 * rateLimit.authFailuresPerIpPerMinute in a minute that address's requests carrying a credential get 429
 * RATE_LIMIT.EXCEEDED with Retry-After before any credential is verified, a right one included (otherwise a 200
 * among the 429s would still tell a guess right). Requests without a credential are not affected.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: PeekableStorage,
  ) {}

  private get limit(): number {
    const cfg = this.config.rateLimit;
    return cfg.enabled ? cfg.authFailuresPerIpPerMinute : 0;
  }

  /** Throws 429 RATE_LIMIT.EXCEEDED while `ip` is past its refused credentials of the minute. */
  async assertAllowed(ip: string): Promise<void> {
    const limit = this.limit;
    if (!limit || !this.storage.blockedFor) return;
    const retry = await this.storage.blockedFor(key(ip), limit, NAME);
    if (retry > 0) throw tooManyFailures(limit, retry);
  }

  /** Counts a refused credential of `ip`. */
  async failed(ip: string): Promise<void> {
    const limit = this.limit;
    if (!limit) return;
    await this.storage.increment(key(ip), WINDOW_MS, limit, WINDOW_MS, NAME);
  }
}

const key = (ip: string) => `authfail:${ip}`;

function tooManyFailures(limit: number, retry: number): DomainError {
  return new DomainError(
    'RATE_LIMIT.EXCEEDED',
    'too_many_requests',
    `Too many refused credentials from this address: more than ${limit} in a minute (rateLimit.authFailuresPerIpPerMinute); retry in ${retry} s.`,
    { retryAfterSeconds: retry },
  );
}
