import type { DataSource, EntityManager } from 'typeorm';
import { loadConfig } from '../../../../shared/config';
import { managerFor, TypeOrmTransactionRunner } from '../../../../shared/database/transaction';
import { BudgetMonitor } from '../budget/budget-monitor.service';
import { Telemetry } from '../ports/telemetry.port';
import { UsageRecord, UsageStore } from '../ports/usage-store.port';
import { UsageRecorder } from './usage-recorder.service';
import { UserTokenUsage } from './user-token-usage.service';

describe('UsageRecorder batches', () => {
  it('writes usage recorded inside a transaction outside it: the timer batch after the transaction closed, and a full batch at once', async () => {
    const base = { name: 'base' } as unknown as EntityManager;
    const tx = { name: 'tx' } as unknown as EntityManager;
    const dataSource = { manager: base, transaction: (work: (m: EntityManager) => Promise<unknown>) => work(tx) } as unknown as DataSource;
    // the store writes through whatever transaction is ambient, as the TypeORM store does
    const writes: Array<{ rows: number; through: EntityManager }> = [];
    const store = { insert: async (rows: UsageRecord[]) => void writes.push({ rows: rows.length, through: managerFor(dataSource) }) } as unknown as UsageStore;
    const budget = { schedule: () => undefined, settled: async () => undefined } as unknown as BudgetMonitor;
    const users = { add: () => undefined, written: () => undefined } as unknown as UserTokenUsage;
    const telemetry = { countModelCall: () => undefined } as unknown as Telemetry;
    const recorder = new UsageRecorder(store, telemetry, budget, loadConfig({ env: {} }), users);

    const call = { operation: 'embed', modelId: 'hashing:v1:384', promptTokens: 12, completionTokens: 0, ms: 1 };
    await new TypeOrmTransactionRunner(dataSource).run(async () => {
      recorder.recordSoon(call);
    });
    // the batch timer fires after the transaction: its write must not go through the transaction's manager
    await new Promise((r) => setTimeout(r, 700));
    expect(writes).toEqual([{ rows: 1, through: base }]);
    // a full batch is written at once, from inside the transaction: outside it too
    await new TypeOrmTransactionRunner(dataSource).run(async () => {
      for (let i = 0; i < 100; i++) recorder.recordSoon(call);
    });
    await recorder.flush();
    expect(writes).toEqual([
      { rows: 1, through: base },
      { rows: 100, through: base },
    ]);
  });
});
