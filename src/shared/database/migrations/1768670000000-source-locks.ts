import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leases on the sources of a collection (a file name, a source id): an ingestion run holds those it writes until it
 * ends, renewing them while it runs, so versions of one file uploaded at once take turns (in one process, across
 * replicas, in embedded and server mode alike). A lease whose holder died lapses at `expires_at`.
 */
export class SourceLocks1768670000000 implements MigrationInterface {
  name = 'SourceLocks1768670000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE source_locks (collection text NOT NULL, source text NOT NULL, holder uuid NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (collection, source))`,
    );
    await q.query(`CREATE INDEX source_locks_holder ON source_locks (holder)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS source_locks`);
  }
}
