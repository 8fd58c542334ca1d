import type { DataSource, EntityManager } from 'typeorm';
import { isTransientConflict, managerFor, TRANSACTION_ATTEMPTS, TypeOrmTransactionRunner } from './transaction';

/** A DataSource whose transactions fail with the given errors first (as Postgres aborts a deadlock victim), then commit. */
function fakeDataSource(failures: unknown[]) {
  const calls = { transactions: 0 };
  const manager = { name: 'tx' } as unknown as EntityManager;
  const dataSource = {
    manager: { name: 'root' },
    async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
      calls.transactions++;
      const result = await work(manager);
      const failure = failures.shift();
      if (failure) throw failure; // rolled back at commit time: nothing kept
      return result;
    },
  } as unknown as DataSource;
  return { dataSource, calls, manager };
}

const sqlError = (code: string) => Object.assign(new Error(code === '40P01' ? 'deadlock detected' : 'boom'), { code });

describe('TypeOrmTransactionRunner', () => {
  it('runs the work again when Postgres aborted the transaction as a deadlock victim or a serialization failure', async () => {
    const { dataSource, calls, manager } = fakeDataSource([sqlError('40P01'), sqlError('40001')]);
    const runs: unknown[] = [];
    const result = await new TypeOrmTransactionRunner(dataSource).run(async () => (runs.push(managerFor(dataSource)), 'written'));
    expect(result).toBe('written');
    expect(calls.transactions).toBe(3);
    expect(runs).toEqual([manager, manager, manager]); // each attempt in its own transaction
  });

  it('gives up after its attempts, and never retries another error or a nested run', async () => {
    const deadlocks = fakeDataSource([sqlError('40P01'), sqlError('40P01'), sqlError('40P01')]);
    await expect(new TypeOrmTransactionRunner(deadlocks.dataSource, 3).run(async () => 1)).rejects.toThrow('deadlock detected');
    expect(deadlocks.calls.transactions).toBe(3);

    const unique = fakeDataSource([sqlError('23505')]);
    await expect(new TypeOrmTransactionRunner(unique.dataSource).run(async () => 1)).rejects.toMatchObject({ code: '23505' });
    expect(unique.calls.transactions).toBe(1);

    const nested = fakeDataSource([]);
    const runner = new TypeOrmTransactionRunner(nested.dataSource);
    let inner = 0;
    await expect(runner.run(() => runner.run(async () => (inner++, Promise.reject(sqlError('40P01')))))).rejects.toMatchObject({ code: '40P01' });
    expect(inner).toBe(TRANSACTION_ATTEMPTS); // the nested run joins the outer one: only the outer one retries
  });

  it('knows the transient SQLSTATEs', () => {
    expect(isTransientConflict(sqlError('40P01'))).toBe(true);
    expect(isTransientConflict(sqlError('40001'))).toBe(true);
    expect(isTransientConflict(sqlError('57014'))).toBe(false);
    expect(isTransientConflict(null)).toBe(false);
  });
});
