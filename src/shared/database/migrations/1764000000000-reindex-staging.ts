import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The staging table (dropped by reindex-slots, made again by its down). */
export const STAGING_TABLE_SQL = `
      CREATE TABLE chunk_embeddings_staging (
        job_id uuid NOT NULL,
        chunk_id uuid NOT NULL,
        dimension integer NOT NULL CHECK (dimension > 0),
        embedding vector NOT NULL,
        PRIMARY KEY (job_id, chunk_id)
      )`;

/**
 * Zero-downtime re-indexing: a job stages each chunk's vector from the new embedder here (searches never
 * read this table), then one transaction copies them into `chunks` and re-binds the collection. The
 * (collection, id) index serves the job's keyset pagination over a collection's chunks.
 */
export class ReindexStaging1764000000000 implements MigrationInterface {
  name = 'ReindexStaging1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(STAGING_TABLE_SQL);
    await q.query(`CREATE INDEX chunks_collection_id_idx ON chunks (collection, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS chunks_collection_id_idx`);
    await q.query(`DROP TABLE IF EXISTS chunk_embeddings_staging`);
  }
}
