import type { EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { CorpusStateCache } from './corpus-state.cache';

const v = (version: string) => ({ embedderId: 'hashing-384', version });

describe('CorpusStateCache', () => {
  it('serves a read within its age, and nothing once a local write happened', () => {
    const cache = new CorpusStateCache(() => 60_000);
    const read = cache.begin();
    cache.keep('kb', v('7'), read);
    expect(cache.get('kb')).toEqual(v('7'));
    cache.written({ queryRunner: undefined } as unknown as EntityManager);
    expect(cache.get('kb')).toBeUndefined();
  });

  it('does not keep a read that began before a write (it may predate it)', () => {
    const cache = new CorpusStateCache(() => 60_000);
    const read = cache.begin();
    cache.written({ queryRunner: undefined } as unknown as EntityManager);
    cache.keep('kb', v('7'), read);
    expect(cache.get('kb')).toBeUndefined();
  });

  it('drops what was read during a write transaction when that transaction commits', () => {
    const subscribers: EntitySubscriberInterface[] = [];
    const cache = new CorpusStateCache(() => 60_000, { subscribers });
    const runner = { isTransactionActive: true, data: {} };
    cache.written({ queryRunner: runner } as unknown as EntityManager);
    // a read between the write statement and the commit sees the old version
    cache.keep('kb', v('7'), cache.begin());
    expect(cache.get('kb')).toEqual(v('7'));
    subscribers[0].afterTransactionCommit!({ queryRunner: runner } as unknown as TransactionCommitEvent);
    expect(cache.get('kb')).toBeUndefined();
    // another transaction's commit (no corpus write) leaves the cache alone
    cache.keep('kb', v('8'), cache.begin());
    subscribers[0].afterTransactionCommit!({ queryRunner: { data: {} } } as unknown as TransactionCommitEvent);
    expect(cache.get('kb')).toEqual(v('8'));
  });

  it("runs onRemoved for a collection whose chunks were deleted once the deleting transaction commits, at once outside one, never after a rollback", async () => {
    const subscribers: EntitySubscriberInterface[] = [];
    const removed: string[] = [];
    const cache = new CorpusStateCache(() => 60_000, { subscribers }, async (c) => void removed.push(c));
    const runner = { isTransactionActive: true, data: {} };
    const em = { queryRunner: runner } as unknown as EntityManager;
    cache.written(em);
    await cache.removed(em, 'kb');
    await cache.removed(em, 'kb');
    expect(removed).toEqual([]); // not committed yet: a concurrent read could still see (and cache) the old text
    await subscribers[0].afterTransactionCommit!({ queryRunner: runner } as unknown as TransactionCommitEvent);
    expect(removed).toEqual(['kb']);
    cache.written(em);
    await cache.removed(em, 'rh');
    subscribers[0].afterTransactionRollback!({ queryRunner: runner } as unknown as TransactionRollbackEvent);
    await subscribers[0].afterTransactionCommit!({ queryRunner: runner } as unknown as TransactionCommitEvent);
    expect(removed).toEqual(['kb']);
    await cache.removed({ queryRunner: undefined } as unknown as EntityManager, 'rh');
    expect(removed).toEqual(['kb', 'rh']);
  });

  it('re-reads past its age; 0 keeps nothing', () => {
    let age = 60_000;
    const cache = new CorpusStateCache(() => age);
    cache.keep('kb', null, cache.begin());
    expect(cache.get('kb')).toBeNull();
    age = 0;
    expect(cache.get('kb')).toBeUndefined();
    cache.keep('kb', v('1'), cache.begin());
    expect(cache.get('kb')).toBeUndefined();
  });
});
