import { ThrottlerStorageService } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler.storage';

describe('MemoryThrottlerStorage', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it("answers as @nestjs/throttler's in-memory storage on a long irregular sequence (blocked and not, several keys)", async () => {
    const ours = new MemoryThrottlerStorage();
    const theirs = new ThrottlerStorageService();
    const outcomes: Record<string, number> = { true: 0, false: 0 };
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    try {
      for (let i = 0; i < 4000; i++) {
        now += Math.floor(rand() * (i % 500 < 250 ? 40 : 400)); // bursts past the limit, then quieter stretches
        const key = rand() < 0.7 ? 'caller:generate:ip:1' : 'ip:1';
        const name = key.startsWith('ip') ? 'ip' : 'caller';
        const block = i % 1000 < 500 ? 3000 : 0;
        const args = [key + block, 2000, 20, block, name] as const;
        // timeToBlockExpire means something only when blocked (the guard reads it then); unblocked, the library's
        // value depends on whether its sweep (on a real-time interval) dropped the idle key yet.
        const seen = (r: Awaited<ReturnType<MemoryThrottlerStorage['increment']>>) => ({ ...r, timeToBlockExpire: r.isBlocked ? r.timeToBlockExpire : 0 });
        const r = seen(await ours.increment(...args));
        expect(r).toEqual(seen(await theirs.increment(...args)));
        outcomes[String(r.isBlocked)]++;
      }
      expect(outcomes.true).toBeGreaterThan(100);
      expect(outcomes.false).toBeGreaterThan(1000);
    } finally {
      theirs.onApplicationShutdown();
    }
  });

  it('drops idle keys in its sweep', async () => {
    const ours = new MemoryThrottlerStorage();
    await ours.increment('ip:a', 1000, 5, 1000, 'ip');
    now += 120_000;
    await ours.increment('ip:b', 1000, 5, 1000, 'ip');
    expect((ours as unknown as { logs: Map<string, unknown> }).logs.size).toBe(1);
  });

  it('tells a key\'s block without counting a hit (blockedFor)', async () => {
    const ours = new MemoryThrottlerStorage();
    expect(await ours.blockedFor('authfail:ip', 2, 'auth-failures')).toBe(0);
    for (let i = 0; i < 2; i++) await ours.increment('authfail:ip', 60_000, 2, 60_000, 'auth-failures');
    expect(await ours.blockedFor('authfail:ip', 2, 'auth-failures')).toBe(0);
    expect(await ours.blockedFor('authfail:ip', 2, 'auth-failures')).toBe(0); // peeking twice counts nothing
    expect((await ours.increment('authfail:ip', 60_000, 2, 60_000, 'auth-failures')).isBlocked).toBe(true);
    expect(await ours.blockedFor('authfail:ip', 2, 'auth-failures')).toBe(60);
    now += 61_000;
    expect(await ours.blockedFor('authfail:ip', 2, 'auth-failures')).toBe(0);
  });
});
