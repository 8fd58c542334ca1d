import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** Port for application code: run work atomically. Adapters join the ambient transaction. */
export interface TransactionRunner {
  run<T>(work: () => Promise<T>): Promise<T>;
}
export const TRANSACTION_RUNNER = Symbol('TRANSACTION_RUNNER');

const ambient = new AsyncLocalStorage<EntityManager>();

/** Attempts of one transaction that Postgres aborted as a deadlock victim or a serialization failure. */
export const TRANSACTION_ATTEMPTS = 4;

/**
 * SQLSTATEs after which the whole transaction may simply run again: deadlock_detected (40P01) and
 * serialization_failure (40001). Postgres rolled it back; nothing of it was kept.
 */
export function isTransientConflict(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * TypeORM implementation: one transaction per run(); nested run() calls join the outer one.
 * Repositories call `managerFor(dataSource)` so they write inside whatever transaction is open.
 * On a Postgres server, concurrent writers into one collection update the same BM25 statistics rows from their
 * triggers and can deadlock (one of them is aborted); the outermost run() runs the work again, a few times, after
 * a short random pause. The work re-reads what it depends on inside the transaction, so running it again is safe.
 */
export class TypeOrmTransactionRunner implements TransactionRunner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly attempts = TRANSACTION_ATTEMPTS,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (ambient.getStore()) return work();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => ambient.run(manager, work));
      } catch (e) {
        if (attempt >= this.attempts || !isTransientConflict(e)) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }
}

/**
 * Runs `fn` outside any ambient transaction, and so does everything it schedules: a timer armed inside a
 * transaction would otherwise fire in its context and write through its released connection.
 */
export function outsideTransaction<T>(fn: () => T): T {
  return ambient.exit(fn);
}

export function managerFor(dataSource: DataSource): EntityManager {
  return ambient.getStore() ?? dataSource.manager;
}
