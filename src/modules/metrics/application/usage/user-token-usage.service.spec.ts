import type { AppConfig } from '../../../../shared/config';
import type { UsageStore } from '../ports/usage-store.port';
import { UserTokenUsage } from './user-token-usage.service';

describe('UserTokenUsage', () => {
  const reads: Array<[string, string]> = [];
  let stored = 100;
  const store = { tokensSince: async (user: string, from: Date) => (reads.push([user, from.toISOString()]), stored) } as unknown as UsageStore;
  const usage = new UserTokenUsage(store, { quota: { cacheSeconds: 10 } } as unknown as AppConfig);
  const at = (iso: string) => new Date(iso);

  it('reads a user\'s tokens since UTC midnight at most once per cacheSeconds, adding this process\'s calls in between', async () => {
    expect(await usage.tokensToday('ana', at('2026-03-10T12:00:00Z'))).toBe(100);
    expect(reads).toEqual([['ana', '2026-03-10T00:00:00.000Z']]);
    usage.add('ana', 25, at('2026-03-10T12:00:01Z'));
    usage.add('bia', 25, at('2026-03-10T12:00:01Z')); // not cached: nothing to add to, the next read counts it
    expect(await usage.tokensToday('ana', at('2026-03-10T12:00:05Z'))).toBe(125);
    expect(reads).toHaveLength(1);

    // the rows were written (another replica's 15 tokens too): the next read has them all
    usage.written('ana', 25);
    usage.written('bia', 25);
    stored = 140;
    expect(await usage.tokensToday('ana', at('2026-03-10T12:00:10Z'))).toBe(140);
    // A new UTC day is read afresh, from its own midnight.
    stored = 0;
    expect(await usage.tokensToday('ana', at('2026-03-11T00:00:01Z'))).toBe(0);
    expect(reads.map(([, from]) => from)).toEqual(['2026-03-10T00:00:00.000Z', '2026-03-10T00:00:00.000Z', '2026-03-11T00:00:00.000Z']);
  });

  it('a read while recorded calls still wait for their batched write counts them: the quota is never undercounted', async () => {
    stored = 300;
    const fresh = new UserTokenUsage(store, { quota: { cacheSeconds: 10 } } as unknown as AppConfig);
    fresh.add('caio', 40, at('2026-03-10T12:00:00Z')); // recorded, its row not stored yet
    expect(await fresh.tokensToday('caio', at('2026-03-10T12:00:00Z'))).toBe(340);
    fresh.written('caio', 40); // stored (the table now has it): the cached figure stays right, the next read too
    stored = 340;
    expect(await fresh.tokensToday('caio', at('2026-03-10T12:00:20Z'))).toBe(340);
  });
});
