import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { TypeOrmSourceLocks } from './typeorm-source-locks';

/** A data source whose lease renewals answer only when the test says so; takes and releases answer at once. */
class FakeLeases {
  readonly renewals: Array<(rows: unknown[]) => void> = [];
  readonly statements: string[] = [];
  held = 0;

  query = (sql: string, params: unknown[]): Promise<unknown> => {
    const verb = sql.trim().split(/\s/)[0];
    this.statements.push(verb);
    if (verb === 'INSERT') {
      this.held = (params[1] as string[]).length;
      return Promise.resolve((params[1] as string[]).map((source) => ({ source })));
    }
    if (verb === 'DELETE') {
      this.held = 0;
      return Promise.resolve([[], 0]);
    }
    // UPDATE ... RETURNING: TypeORM answers [rows, count]; the rows are those still held when it runs
    return new Promise((resolve) => this.renewals.push(() => resolve([Array.from({ length: this.held }, () => ({})), this.held])));
  };
}

describe('TypeOrmSourceLocks lease renewal', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['performance', 'nextTick', 'setImmediate'] });
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    errors.mockRestore();
  });

  const key = { collection: 'default', source: 'ferias.csv' };

  it('a renewal that answers after the release does not report the released leases as lapsed', async () => {
    const db = new FakeLeases();
    const release = await new TypeOrmSourceLocks(db as unknown as DataSource).hold([key]);
    jest.advanceTimersByTime(10_000); // the renewal is sent
    expect(db.renewals).toHaveLength(1);
    await release(); // the job ends while it is in flight: its DELETE runs first
    db.renewals[0]([]);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(db.statements).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    expect(errors).not.toHaveBeenCalled();
  });

  it('still reports leases that lapsed while the run held them', async () => {
    const db = new FakeLeases();
    const release = await new TypeOrmSourceLocks(db as unknown as DataSource).hold([key]);
    jest.advanceTimersByTime(10_000);
    db.held = 0; // another run took the lapsed lease
    db.renewals[0]([]);
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('the locks of 1 of 1 sources lapsed'));
    await release();
  });
});
