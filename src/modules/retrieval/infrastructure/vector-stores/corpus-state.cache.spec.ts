import type { EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
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
