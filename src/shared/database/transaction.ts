import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** Port for application code: run work atomically. Adapters join the ambient transaction. */
export interface TransactionRunner {
  run<T>(work: () => Promise<T>): Promise<T>;
}
export const TRANSACTION_RUNNER = Symbol('TRANSACTION_RUNNER');

const ambient = new AsyncLocalStorage<EntityManager>();

/**
 * TypeORM implementation: one transaction per run(); nested run() calls join the outer one.
 * Repositories call `managerFor(dataSource)` so they write inside whatever transaction is open.
 */
export class TypeOrmTransactionRunner implements TransactionRunner {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (ambient.getStore()) return work();
    return this.dataSource.transaction((manager) => ambient.run(manager, work));
  }
}

export function managerFor(dataSource: DataSource): EntityManager {
  return ambient.getStore() ?? dataSource.manager;
}
