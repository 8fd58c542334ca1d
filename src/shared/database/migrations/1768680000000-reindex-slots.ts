import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STAGING_TABLE_SQL } from './1764000000000-reindex-staging';

/**
 * A re-index without a long switch (probe s14 #6): each chunk gets a second vector slot (`embedding_1`, `dimension_1`)
 * and each collection a `vector_slot` naming the one its searches read. A re-index writes the new model's vectors
 * into the collection's other slot in short batches, marking each chunk with its job (`reindexed_by`), then flips
 * `vector_slot` in a transaction that writes one collection row. The next re-index writes the first slot again.
 * The staging table, whose vectors the switch had to copy into `chunks` in one transaction, goes: an unfinished job's
 * staged vectors are not carried over (it embeds its chunks again when it resumes).
 */
export class ReindexSlots1768680000000 implements MigrationInterface {
  name = 'ReindexSlots1768680000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE collections ADD COLUMN vector_slot smallint NOT NULL DEFAULT 0 CHECK (vector_slot IN (0, 1))`);
    // a chunk of a collection on slot 1 written after the flip has nothing in slot 0
    await q.query(`ALTER TABLE chunks ALTER COLUMN embedding DROP NOT NULL, ALTER COLUMN dimension DROP NOT NULL`);
    await q.query(`ALTER TABLE chunks ADD COLUMN embedding_1 vector, ADD COLUMN dimension_1 integer, ADD COLUMN reindexed_by uuid`);
    await q.query(`DROP TABLE IF EXISTS chunk_embeddings_staging`);
  }

  async down(q: QueryRunner): Promise<void> {
    // collections on slot 1 cannot go back without their vectors: refuse rather than lose them
    const [moved] = await q.query(`SELECT count(*)::int AS n FROM collections WHERE vector_slot = 1`);
    if (moved.n > 0) throw new Error(`${moved.n} collection(s) read vector slot 1; re-index them to slot 0 before reverting`);
    await q.query(STAGING_TABLE_SQL);
    await q.query(`ALTER TABLE chunks DROP COLUMN reindexed_by, DROP COLUMN dimension_1, DROP COLUMN embedding_1`);
    await q.query(`ALTER TABLE chunks ALTER COLUMN embedding SET NOT NULL, ALTER COLUMN dimension SET NOT NULL`);
    await q.query(`ALTER TABLE collections DROP COLUMN vector_slot`);
  }
}
