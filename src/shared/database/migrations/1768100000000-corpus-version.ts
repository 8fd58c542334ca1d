import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 (response cache): every statement that inserts or deletes a collection's chunks (an ingest, a
 * new version, a delete) gives the collection a new corpus version in the same transaction. The values come
 * from one sequence, so they never repeat, even after a collection is dropped and created again or the
 * tables are truncated: a cached answer keyed on an old version can never be served for a new corpus.
 * (A re-index changes the collection's embedder, which is in the cache key too.)
 */
export class CorpusVersion1768100000000 implements MigrationInterface {
  name = 'CorpusVersion1768100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE corpus_version_seq`);
    await q.query(`ALTER TABLE collection_stats ADD COLUMN version bigint NOT NULL DEFAULT nextval('corpus_version_seq')`);
    // Triggers fire in name order: chunks_stats_* (which creates the stats row on a first ingest) runs before these.
    for (const [event, rows] of [['insert', 'new_rows'], ['delete', 'old_rows']]) {
      await q.query(`
        CREATE FUNCTION chunks_version_after_${event}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE collection_stats s SET version = nextval('corpus_version_seq')
            WHERE s.collection IN (SELECT DISTINCT collection FROM ${rows});
          RETURN NULL;
        END $$`);
      await q.query(`CREATE TRIGGER chunks_version_${event} AFTER ${event.toUpperCase()} ON chunks
                     REFERENCING ${rows === 'new_rows' ? 'NEW' : 'OLD'} TABLE AS ${rows}
                     FOR EACH STATEMENT EXECUTE FUNCTION chunks_version_after_${event}()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS chunks_version_insert ON chunks`);
    await q.query(`DROP TRIGGER IF EXISTS chunks_version_delete ON chunks`);
    await q.query(`DROP FUNCTION IF EXISTS chunks_version_after_insert, chunks_version_after_delete`);
    await q.query(`ALTER TABLE collection_stats DROP COLUMN IF EXISTS version`);
    await q.query(`DROP SEQUENCE IF EXISTS corpus_version_seq`);
  }
}
