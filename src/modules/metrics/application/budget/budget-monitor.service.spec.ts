import type { AppConfig } from '../../../../shared/config';
import type { BudgetCrossing, BudgetNotifier } from '../ports/budget-notifier.port';
import type { BudgetAlertRecord, UsageStore } from '../ports/usage-store.port';
import { BudgetMonitor } from './budget-monitor.service';

/** Costs by instant; alerts claimed by period, as the table's primary key does. */
class FakeStore implements Pick<UsageStore, 'costSince' | 'claimAlert'> {
  readonly spent: Array<{ at: Date; usd: number }> = [];
  readonly claimed = new Map<string, Omit<BudgetAlertRecord, 'at'>>();
  async costSince(from: Date) {
    return this.spent.filter((s) => s.at >= from).reduce((a, s) => a + s.usd, 0);
  }
  async claimAlert(alert: Omit<BudgetAlertRecord, 'at'>) {
    if (this.claimed.has(alert.period)) return false;
    this.claimed.set(alert.period, alert);
    return true;
  }
}

function monitor(budget: Partial<AppConfig['metrics']['budget']>, store: FakeStore, sent: BudgetCrossing[]) {
  const notifier: BudgetNotifier = { notify: async (c) => void sent.push(c) };
  const config = { metrics: { pricing: {}, budget: { webhookTimeoutMs: 1000, ...budget } } } as unknown as AppConfig;
  return new BudgetMonitor(store as unknown as UsageStore, notifier, config);
}

describe('BudgetMonitor', () => {
  it('announces each threshold once per UTC period, again in the next period', async () => {
    const store = new FakeStore();
    const sent: BudgetCrossing[] = [];
    const m = monitor({ dailyUsd: 1, monthlyUsd: 2.5 }, store, sent);
    store.spent.push({ at: new Date('2026-12-01T10:00:00Z'), usd: 0.6 });
    expect(await m.status(new Date('2026-12-01T10:00:01Z'))).toMatchObject({ daily: { crossed: false, spent_usd: 0.6 }, monthly: { crossed: false } });
    store.spent.push({ at: new Date('2026-12-01T23:59:00Z'), usd: 0.6 });
    await m.status(new Date('2026-12-01T23:59:01Z'));
    await m.status(new Date('2026-12-01T23:59:02Z'));
    expect(sent.map((c) => `${c.kind}:${c.period}`)).toEqual(['daily:2026-12-01']);
    // a new UTC day starts from 0; the month keeps counting and crosses 2.5
    store.spent.push({ at: new Date('2026-12-02T00:00:30Z'), usd: 1.4 });
    expect(await m.status(new Date('2026-12-02T00:01:00Z'))).toMatchObject({ daily: { crossed: true, spent_usd: 1.4, period: '2026-12-02' }, monthly: { crossed: true, period: '2026-12' } });
    expect(sent.map((c) => `${c.kind}:${c.period}`)).toEqual(['daily:2026-12-01', 'daily:2026-12-02', 'monthly:2026-12']);
  });

  it('does nothing without thresholds, and a failing webhook does not undo the claim', async () => {
    const store = new FakeStore();
    const idle = monitor({}, store, []);
    expect(idle.enabled).toBe(false);
    expect(await idle.status()).toEqual({});
    const failing = new BudgetMonitor(store as unknown as UsageStore, { notify: () => Promise.reject(new Error('down')) }, {
      metrics: { pricing: {}, budget: { dailyUsd: 0.1, webhookTimeoutMs: 1000 } },
    } as unknown as AppConfig);
    store.spent.push({ at: new Date(), usd: 1 });
    expect((await failing.status()).daily?.crossed).toBe(true);
    expect([...store.claimed.keys()]).toEqual([expect.stringMatching(/^daily:/)]);
  });
});
