import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A re-index's switch no longer copies every vector in one transaction: it re-binds the collection and records the
 * job whose staged vectors the collection's searches read (`reindex_job`) until they are moved into `chunks` in short
 * batches; the step after the last batch clears it.
 */
export class ReindexMove1768675000000 implements MigrationInterface {
  name = 'ReindexMove1768675000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE collections ADD COLUMN reindex_job uuid`);
    // on the job's own row, so a cancel waiting for the cutover's lock re-reads it: a job that cut over is not cancelled
    await q.query(`ALTER TABLE reindex_jobs ADD COLUMN cut_over boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reindex_jobs DROP COLUMN IF EXISTS cut_over`);
    await q.query(`ALTER TABLE collections DROP COLUMN IF EXISTS reindex_job`);
  }
}
