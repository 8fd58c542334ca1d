import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-index jobs (issue 10): kept in Postgres instead of process memory, run through the job queue, so a restart
 * resumes them. A job's staged vectors (chunk_embeddings_staging) are kept while it is unfinished: the resumed run
 * embeds only the chunks not staged yet. `target` is the embedder spec the job moves to, without secrets (an API
 * key comes from the environment of the process that resumes it).
 */
export class ReindexJobs1768500000000 implements MigrationInterface {
  name = 'ReindexJobs1768500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reindex_jobs (
        id uuid PRIMARY KEY,
        collection text NOT NULL,
        from_id text NOT NULL,
        from_dimension integer NOT NULL,
        to_id text NOT NULL,
        to_dimension integer NOT NULL,
        target jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        total integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        error text
      )`);
    await q.query(`CREATE INDEX reindex_jobs_started_idx ON reindex_jobs (started_at DESC, id)`);
    await q.query(`CREATE UNIQUE INDEX reindex_jobs_unfinished_idx ON reindex_jobs (collection) WHERE status IN ('queued', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS reindex_jobs`);
  }
}
