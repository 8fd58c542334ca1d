import type { AppConfig } from '../../../shared/config';
import type { Principal } from '../../../shared/http/principal';
import type { UserTokenUsage } from '../../metrics';
import { QuotaService } from './quota.service';

describe('QuotaService', () => {
  const used: Record<string, number> = { ana: 500, bia: 500, bot: 10_000_000 };
  const usage = { tokensToday: async (user: string) => used[user] ?? 0 } as unknown as UserTokenUsage;
  const quota = { dailyTokens: 1000, users: { bia: 400, bot: 0 }, keys: { 'key-id-1': 100, acv_prefix01: 2000 }, cacheSeconds: 10, reserveTokens: 300 };
  const service = new QuotaService({ quota } as unknown as AppConfig, usage);
  const key = (ref: string, keyPrefix = 'acv_other000'): Principal => ({ role: 'user', userId: 'ana', via: 'api-key', ref, keyPrefix });

  it('takes the key\'s quota (by id, then prefix), else the user\'s, else the default; 0 is no quota', () => {
    expect(service.limitFor('ana', key('key-id-1'))).toBe(100);
    expect(service.limitFor('ana', key('key-id-2', 'acv_prefix01'))).toBe(2000);
    expect(service.limitFor('bia', key('key-id-2'))).toBe(400);
    expect(service.limitFor('ana', { role: 'user', userId: 'ana', via: 'jwt', ref: 'key-id-1' })).toBe(1000);
    expect(service.limitFor('bot')).toBe(0);
  });

  it('refuses a user at or past the quota until the next UTC midnight, with the seconds to it', async () => {
    const now = new Date('2026-03-10T23:59:30.000Z');
    await expect(service.check('ana', undefined, now)).resolves.toBeUndefined();
    await expect(service.check('bot', undefined, now)).resolves.toBeUndefined();
    await expect(service.check(undefined, undefined, now)).resolves.toBeUndefined();
    await expect(service.check('bia', undefined, now)).rejects.toMatchObject({
      code: 'QUOTA.EXCEEDED',
      kind: 'too_many_requests',
      details: { quota: 400, used: 500, reset_at: '2026-03-11T00:00:00.000Z', retryAfterSeconds: 30 },
    });
    await expect(service.check('ana', key('key-id-1'), now)).rejects.toMatchObject({ details: { quota: 100 } });
  });

  it('admits calls at once only while today\'s tokens plus the reservations of calls in flight stay under the quota', async () => {
    // caio: 0 used of 1000, 300 reserved per call: 4 calls at once pass (0, 300, 600, 900 held before each), the rest are refused
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => service.reserve('caio')));
    const admitted = results.filter((r): r is PromiseFulfilledResult<() => void> => r.status === 'fulfilled');
    expect(admitted).toHaveLength(4);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'QUOTA.EXCEEDED', details: { used: 0, reserved: 1200 } } });
    // a call that ends gives its reservation back (once, however often its release is called)
    admitted[0].value();
    admitted[0].value();
    const next = await service.reserve('caio');
    await expect(service.reserve('caio')).rejects.toMatchObject({ code: 'QUOTA.EXCEEDED' });
    for (const r of [...admitted, { value: next }]) r.value();
    await expect(service.check('caio')).resolves.toBeUndefined();
  });
});
