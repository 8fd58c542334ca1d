import { performance } from 'node:perf_hooks';
import type { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { CorpusState } from '../../application/ports/vector-store.port';

/** Marks a transaction (its QueryRunner's `data`) that wrote chunks or a collection's embedder. */
const CORPUS_WRITE = Symbol('corpusWrite');
/** The collections whose committed chunks a transaction deleted (`removed`). */
const REMOVED_FROM = Symbol('removedFrom');

/**
 * Corpus states (embedder and corpus version per collection) read by this process, kept at most `maxAgeMs`
 * (cache.response.corpusVersionMaxAgeMs; 0: read every time), so a cached /v1/ask does not pay a database round
 * trip per request. Never stale for this process's own writes: every write (`written`) drops every entry and
 * bumps a generation, before its statement and again after it, or after its transaction commits or rolls back
 * (a TypeORM subscriber on the marked transaction); a read that began before the last change is not kept.
 * Writes by other processes (replicas, a separate worker, SQL by hand) are seen at most `maxAgeMs` after they
 * commit, the age counted from when the read that is kept began.
 * `onRemoved` runs for a collection whose committed chunks were deleted (a document deleted or replaced) once that
 * is committed: it drops the collection's cached answers, which may quote the deleted text (in the background: they
 * are never served again, their key names the old corpus version; the purge is the erasure).
 */
export class CorpusStateCache {
  private generation = 0;
  private readonly entries = new Map<string, { state: CorpusState | null; at: number }>();

  constructor(
    private readonly maxAgeMs: () => number,
    dataSource?: Pick<DataSource, 'subscribers'>,
    private readonly onRemoved: (collection: string) => Promise<void> = async () => undefined,
  ) {
    dataSource?.subscribers.push(this.subscriber());
  }

  /** The state read at most maxAgeMs ago and not invalidated since; undefined: read it (`begin`, then `keep`). */
  get(collection: string): CorpusState | null | undefined {
    const entry = this.entries.get(collection);
    if (!entry) return undefined;
    if (performance.now() - entry.at < this.maxAgeMs()) return entry.state;
    this.entries.delete(collection);
    return undefined;
  }

  /** Call just before reading from the database; pass the result to `keep`. */
  begin(): { generation: number; at: number } {
    return { generation: this.generation, at: performance.now() };
  }

  keep(collection: string, state: CorpusState | null, read: { generation: number; at: number }): void {
    if (read.generation !== this.generation || this.maxAgeMs() <= 0) return;
    this.entries.set(collection, { state, at: read.at });
  }

  /** A write to chunks or collections through `em`: call before and after the statement. */
  written(em: EntityManager): void {
    this.invalidate();
    const runner = em.queryRunner;
    if (runner?.isTransactionActive) (runner.data as Record<symbol, boolean>)[CORPUS_WRITE] = true;
  }

  /**
   * Chunks of `collection` were deleted through `em`: `onRemoved` starts once its transaction commits, or now outside a
   * transaction, beside the caller's answer (forget). A rollback drops it.
   */
  async removed(em: EntityManager, collection: string): Promise<void> {
    const runner = em.queryRunner;
    if (!runner?.isTransactionActive) return this.forget(collection);
    const data = runner.data as Record<symbol, Set<string> | undefined>;
    (data[REMOVED_FROM] ??= new Set()).add(collection);
  }

  /**
   * Starts onRemoved and does not wait for it: TypeORM runs the commit hook before it hands the connection back, and a
   * cache store that does not answer (a Redis paused or cut off) held the embedded database's only session for the
   * purge's whole time limit (review s15: deletes, searches and readiness waited 10 s). The purge logs its own failure.
   */
  private forget(collection: string): void {
    this.onRemoved(collection).catch(() => undefined);
  }

  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  private subscriber(): EntitySubscriberInterface {
    const settled = (event: TransactionCommitEvent | TransactionRollbackEvent): Set<string> | undefined => {
      const data = event.queryRunner.data as Record<symbol, unknown> | undefined;
      if (!data?.[CORPUS_WRITE]) return undefined;
      const removed = data[REMOVED_FROM] as Set<string> | undefined;
      delete data[CORPUS_WRITE];
      delete data[REMOVED_FROM];
      this.invalidate();
      return removed;
    };
    return {
      afterTransactionCommit: async (event: TransactionCommitEvent) => {
        for (const collection of settled(event) ?? []) this.forget(collection);
      },
      afterTransactionRollback: (event: TransactionRollbackEvent) => void settled(event),
    };
  }
}
