import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import { isTransientConflict } from '../../../../shared/database';
import { currentJobId } from '../../../../shared/logging';
import { SourceKey, SourceLocks } from '../../application/ports/source-locks.port';
import { SourceBusyError } from '../../domain/ingestion.errors';

/** A lease lapses this long after its holder last renewed it (a run that died lets the others go on then). */
export const LEASE_MS = 60_000;
/** A holder renews its leases this often. */
const RENEW_MS = 10_000;
/** How long hold() waits for sources another run holds. */
export const MAX_WAIT_MS = 5 * 60_000;

/**
 * SourceLocks as leases in the `source_locks` table, taken with one upsert that takes a key only when it is free or
 * its lease lapsed. Not an advisory lock: a transaction-scoped one ends with each batch's transaction (a file of many
 * records is written in several), and on the embedded engine (or pg-server) every connection is the same PGlite
 * session, for which any advisory lock is always free. Leases work the same on PGlite and on a Postgres server, across
 * replicas. Statements run on the data source itself, never inside a caller's transaction: a lease is seen by the
 * others as soon as it is taken.
 */
export class TypeOrmSourceLocks implements SourceLocks {
  private readonly logger = new Logger('Ingestion');

  constructor(
    private readonly dataSource: DataSource,
    private readonly maxWaitMs = MAX_WAIT_MS,
  ) {}

  async hold(keys: SourceKey[]): Promise<() => Promise<void>> {
    const unique = [...new Map(keys.map((k) => [`${k.collection}\0${k.source}`, k])).values()].sort((a, b) =>
      a.collection === b.collection ? (a.source < b.source ? -1 : 1) : a.collection < b.collection ? -1 : 1,
    );
    if (unique.length === 0) return async () => undefined;
    // a job's run holds as its job: run again after its process died, it takes its own leases back at once (they would
    // hold it up to LEASE_MS otherwise: its restart waited for itself)
    const job = currentJobId();
    const holder = job && isUUID(job) ? job.toLowerCase() : randomUUID();
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      if (await this.tryTake(holder, unique)) break;
      const waited = performance.now() - started;
      if (waited >= this.maxWaitMs) throw new SourceBusyError(unique.map((k) => k.source), waited);
      // 10 ms, doubling to 500 ms, with jitter (runs waiting for one source do not all ask at once)
      await sleep(Math.min(500, 10 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
    }
    let released = false;
    const renew = setInterval(() => {
      this.dataSource
        .query(`UPDATE source_locks SET expires_at = now() + $2 * interval '1 millisecond' WHERE holder = $1 RETURNING source`, [holder, LEASE_MS])
        .then((res: unknown) => {
          // a renewal still in flight when the run released its leases finds none: they were let go, not lapsed
          if (released) return;
          // TypeORM answers an UPDATE with [rows, count]
          const rows = Array.isArray(res) && Array.isArray(res[0]) ? (res[0] as unknown[]) : (res as unknown[]);
          // lapsed before this renewal could run (the database held the renewal past the lease): another run may write these sources now
          if (Array.isArray(rows) && rows.length < unique.length) this.logger.error(`the locks of ${unique.length - rows.length} of ${unique.length} sources lapsed while this run held them`);
        })
        .catch((e: Error) => {
          if (!released) this.logger.warn(`renewing the locks of ${unique.length} sources failed: ${e.message}`);
        });
    }, RENEW_MS);
    renew.unref();
    return async () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      // the run's writes are done: a release that fails leaves leases that lapse, not an error for a stored upload
      await this.dataSource
        .query(`DELETE FROM source_locks WHERE holder = $1`, [holder])
        .catch((e: Error) => this.logger.warn(`releasing the locks of ${unique.length} sources failed (they lapse in ${LEASE_MS / 1000} s): ${e.message}`));
    };
  }

  /** All of `keys` for `holder`, or none (what one try took is let go at once). */
  private async tryTake(holder: string, keys: SourceKey[]): Promise<boolean> {
    let taken: unknown[];
    try {
      taken = await this.dataSource.query(
        `INSERT INTO source_locks (collection, source, holder, expires_at)
         SELECT k.collection, k.source, $3, now() + $4 * interval '1 millisecond' FROM unnest($1::text[], $2::text[]) AS k(collection, source)
         ON CONFLICT (collection, source) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE source_locks.expires_at < now() OR source_locks.holder = EXCLUDED.holder
         RETURNING source`,
        [keys.map((k) => k.collection), keys.map((k) => k.source), holder, LEASE_MS],
      );
    } catch (e) {
      // two runs upserting the same keys on a server: one may be chosen as a deadlock victim; it tries again
      if (isTransientConflict(e)) return false;
      throw e;
    }
    if (taken.length === keys.length) return true;
    if (taken.length > 0) await this.dataSource.query(`DELETE FROM source_locks WHERE holder = $1`, [holder]);
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
