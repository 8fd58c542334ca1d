import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LongOperationLane } from '../../../../shared/jobs';
import type { JobWorker } from '../../application/ports/job-queue.port';
import { PostgresJobQueue } from './postgres.job-queue';

/** A database whose answers the test gives: each query waits until the test settles it. */
class HeldDatabase {
  readonly pending: Array<{ sql: string; resolve: (rows: unknown[]) => void; reject: (e: Error) => void }> = [];
  query(sql: string): Promise<unknown[]> {
    return new Promise((resolve, reject) => this.pending.push({ sql, resolve, reject }));
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PostgresJobQueue at shutdown', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  function polling(db: HeldDatabase): PostgresJobQueue {
    const worker = { run: jest.fn(), describeFailure: jest.fn() } as unknown as JobWorker;
    const q = new PostgresJobQueue(db as unknown as DataSource, new LongOperationLane(1), worker, { maxAttempts: 3, backoffMs: 10, pollIntervalMs: 60_000, leaseMs: 30_000, consume: true });
    q.onApplicationBootstrap(); // the first poll: a claim at the database
    return q;
  }

  it('waits for the claim at the database before the database may close, and claims no more', async () => {
    const db = new HeldDatabase();
    const q = polling(db);
    await tick();
    expect(db.pending.map((p) => p.sql)).toEqual([expect.stringContaining('FOR UPDATE SKIP LOCKED')]);
    let closed = false;
    const closing = q.onModuleDestroy().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false); // it returned at once, and the database closed under the claim
    db.pending[0].resolve([]);
    await closing;
    expect(db.pending).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
  });

  it('logs no "claiming a job failed" for a claim the closing database cut', async () => {
    const db = new HeldDatabase();
    const q = polling(db);
    await tick();
    const closing = q.onModuleDestroy();
    db.pending[0].reject(new Error('Connection terminated'));
    await closing;
    await tick();
    expect(warn).not.toHaveBeenCalled();
  });

  it('still warns of a claim that fails while it runs', async () => {
    const db = new HeldDatabase();
    const q = polling(db);
    await tick();
    db.pending[0].reject(new Error('relation "jobs" does not exist'));
    await tick();
    expect(warn).toHaveBeenCalledWith('claiming a job failed: relation "jobs" does not exist');
    await q.onModuleDestroy();
  });
});
