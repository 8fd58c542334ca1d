import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 (ingestion at scale): `chunks_collection_idx (collection)` is covered by `chunks_collection_id_idx
 * (collection, id)` (the re-index staging migration), whose leading column serves every `collection = $1` lookup
 * the same way. Every chunk insert paid for both; the narrower one goes.
 */
export class DropRedundantChunkIndex1768610000000 implements MigrationInterface {
  name = 'DropRedundantChunkIndex1768610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS chunks_collection_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS chunks_collection_idx ON chunks (collection)`);
  }
}
