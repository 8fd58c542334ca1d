import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { loadConfig } from '../../../../shared/config';
import { managerFor, TypeOrmTransactionRunner } from '../../../../shared/database/transaction';
import { BudgetMonitor } from '../budget/budget-monitor.service';
import { Telemetry } from '../ports/telemetry.port';
import { UsageRecord, UsageRowsRefusedError, UsageStore } from '../ports/usage-store.port';
import { MAX_RETRY_ROWS, UsageRecorder } from './usage-recorder.service';
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
    const telemetry = { countModelCall: () => undefined, setUsageRowsPending: () => undefined } as unknown as Telemetry;
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

describe('UsageRecorder failed writes', () => {
  const budget = { schedule: () => undefined, settled: async () => undefined } as unknown as BudgetMonitor;
  const call = (i: number) => ({ operation: 'chat', modelId: 'openai:gpt-4o-mini', promptTokens: 10, completionTokens: i, ms: 1, userId: 'ana' });

  /** A store whose next `failures` inserts throw (the database held or gone), then stores what it is given. */
  function setup(failures: number) {
    const stored: UsageRecord[] = [];
    const state = { failures, attempts: 0 };
    const store = {
      insert: async (rows: UsageRecord[]) => {
        state.attempts++;
        if (state.failures-- > 0) throw new Error('database is busy');
        stored.push(...rows);
      },
    } as unknown as UsageStore;
    const lost: number[] = [];
    const pending: number[] = [];
    const telemetry = { countModelCall: () => undefined, countUsageRowsLost: (n: number) => lost.push(n), setUsageRowsPending: (n: number) => pending.push(n) } as unknown as Telemetry;
    const unwritten = new Map<string, number>();
    const users = {
      add: (u: string, n: number) => unwritten.set(u, (unwritten.get(u) ?? 0) + n),
      written: (u: string, n: number) => unwritten.set(u, (unwritten.get(u) ?? 0) - n),
    } as unknown as UserTokenUsage;
    const recorder = new UsageRecorder(store, telemetry, budget, loadConfig({ env: {} }), users);
    return { recorder, stored, state, lost, pending, unwritten };
  }

  it('keeps the rows of failed writes and writes them again with backoff until they are stored', async () => {
    const { recorder, stored, state, lost, pending, unwritten } = setup(3);
    recorder.record([call(1), call(2)]);
    recorder.record([call(3)]);
    // three writes fail in a row (0.5 s, 1 s, 2 s of backoff), the fourth stores every row
    const deadline = Date.now() + 10_000;
    while (stored.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await recorder.flush();
    expect(stored.map((r) => r.completionTokens).sort()).toEqual([1, 2, 3]);
    expect(state.attempts).toBe(4);
    expect(lost).toEqual([]);
    expect(pending).toContain(3);
    expect(pending[pending.length - 1]).toBe(0);
    expect(recorder.retrying).toBe(0);
    // the quota's unwritten tokens are released once, when the rows are stored
    expect(unwritten.get('ana')).toBe(0);
  }, 15_000);

  it('past the retry cap the oldest rows are counted lost; at shutdown, rows still failing are counted lost', async () => {
    const { recorder, stored, lost } = setup(Infinity);
    recorder.record(Array.from({ length: MAX_RETRY_ROWS + 5 }, (_, i) => call(i)));
    await recorder.flush();
    expect(lost).toEqual([5]);
    expect(recorder.retrying).toBe(MAX_RETRY_ROWS);
    await recorder.onApplicationShutdown();
    expect(lost).toEqual([5, MAX_RETRY_ROWS]);
    expect(stored).toEqual([]);
    expect(recorder.retrying).toBe(0);
  }, 15_000);

  it('rows still failing when shutdown begins are stored by its last attempts once the store answers', async () => {
    const { recorder, stored, lost } = setup(2);
    recorder.record([call(1)]);
    await recorder.onApplicationShutdown();
    expect(stored).toHaveLength(1);
    expect(lost).toEqual([]);
  }, 15_000);

  it('a row the database refuses for its values is dropped alone (counted lost, a warning without its values); the rows of its batch are stored at once', async () => {
    const { recorder, stored, lost, pending, unwritten } = setup(0);
    const attempts: number[] = [];
    const insert = async (rows: UsageRecord[]) => {
      attempts.push(rows.length);
      // as Postgres refuses a NUL in a text (SQLSTATE 22021): the whole statement, whatever else it holds
      if (rows.some((r) => r.userId?.includes('\u0000'))) throw new UsageRowsRefusedError('SQLSTATE 22021');
      stored.push(...rows);
    };
    (recorder as unknown as { store: UsageStore }).store = { insert } as unknown as UsageStore;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const calls = Array.from({ length: 40 }, (_, i) => call(i));
      calls[13] = { ...call(13), userId: 'poison\u0000secret' };
      calls[30] = { ...call(30), userId: 'poison\u0000secret' };
      recorder.record(calls);
      await recorder.flush();
      expect(stored.map((r) => r.completionTokens).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 13 && i !== 30));
      expect(lost).toEqual([1, 1]);
      // nothing waits for a retry: the good rows are in, the refused ones gone
      expect(recorder.retrying).toBe(0);
      expect(pending.at(-1) ?? 0).toBe(0);
      // halving: a handful of writes, not one per row
      expect(attempts.length).toBeLessThan(25);
      // the quota's unwritten tokens are released for the stored rows and the dropped ones alike
      expect([...unwritten.values()].every((n) => n === 0)).toBe(true);
      const logged = warn.mock.calls.filter(([, msg]) => String(msg).includes('usage row dropped'));
      expect(logged).toHaveLength(2);
      expect(logged[0][0]).toMatchObject({ reason: 'SQLSTATE 22021', operation: 'chat', model: 'openai:gpt-4o-mini' });
      expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
    } finally {
      warn.mockRestore();
    }
  });

  it('a refused row among the rows of a failed write waiting for their retry: the others are stored by the retry', async () => {
    const { recorder, stored, lost, pending } = setup(0);
    let busy = 1;
    const insert = async (rows: UsageRecord[]) => {
      if (busy-- > 0) throw new Error('database is busy');
      if (rows.some((r) => r.completionTokens === 2)) throw new UsageRowsRefusedError('SQLSTATE 22003');
      stored.push(...rows);
    };
    (recorder as unknown as { store: UsageStore }).store = { insert } as unknown as UsageStore;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      recorder.record([call(1), call(2), call(3)]);
      await recorder.flush(); // the first write fails (busy), flush retries at once: halves, the refused row alone
      await recorder.flush();
      expect(stored.map((r) => r.completionTokens).sort()).toEqual([1, 3]);
      expect(lost).toEqual([1]);
      expect(recorder.retrying).toBe(0);
      expect(pending.at(-1)).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });
});
