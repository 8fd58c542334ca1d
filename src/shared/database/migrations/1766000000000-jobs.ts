import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Background jobs (issue 12, ground for issue 10's queue): one row per job with its state, attempts, progress,
 * result or error, and the bytes it needs in `job_files` until it ends (uploads must outlive the request and a
 * restart). A running job holds a lease it renews; a lease left to expire (its process died) makes it claimable
 * again. While a job with an idempotency key is unfinished, the same key finds it instead of a new job.
 */
export class Jobs1766000000000 implements MigrationInterface {
  name = 'Jobs1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        state text NOT NULL CHECK (state IN ('waiting', 'active', 'completed', 'failed')),
        idempotency_key text NOT NULL,
        params jsonb NOT NULL DEFAULT '{}',
        progress jsonb NOT NULL DEFAULT '{"done": 0}',
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL CHECK (max_attempts > 0),
        run_after timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        result jsonb,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX jobs_claim_idx ON jobs (state, run_after) WHERE state IN ('waiting', 'active')`);
    await q.query(`CREATE INDEX jobs_created_idx ON jobs (created_at DESC, id)`);
    await q.query(`CREATE UNIQUE INDEX jobs_unfinished_key_idx ON jobs (idempotency_key) WHERE state IN ('waiting', 'active')`);
    await q.query(`
      CREATE TABLE job_files (
        job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        position integer NOT NULL,
        filename text NOT NULL,
        mime_type text,
        content bytea NOT NULL,
        PRIMARY KEY (job_id, position)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS job_files`);
    await q.query(`DROP TABLE IF EXISTS jobs`);
  }
}
