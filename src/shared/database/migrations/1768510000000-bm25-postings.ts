import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STATS_DELETE_FUNCTION_SQL, STATS_INSERT_FUNCTION_SQL } from './1763700000000-init-schema';

/** The insert trigger's function as this migration defines it (a later migration replaces it; its down restores this). */
export const POSTINGS_INSERT_FUNCTION_SQL = `
      CREATE OR REPLACE FUNCTION chunks_stats_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH ids AS (
          INSERT INTO lexeme_stats (collection, lexeme, df)
            SELECT n.collection, u.lexeme, count(*) FROM new_rows n, unnest(n.tsv) u
            GROUP BY n.collection, u.lexeme ORDER BY 1, 2
          ON CONFLICT (collection, lexeme) DO UPDATE SET df = lexeme_stats.df + EXCLUDED.df
          RETURNING collection, lexeme, id
        )
        INSERT INTO postings (lexeme_id, chunk_id, tf, dl)
          SELECT ids.id, n.id, coalesce(array_length(u.positions, 1), 1), n.token_count
            FROM new_rows n CROSS JOIN LATERAL unnest(n.tsv) u
            JOIN ids ON ids.collection = n.collection AND ids.lexeme = u.lexeme
           ORDER BY 1, 2;
        INSERT INTO collection_stats (collection, chunk_count, token_count)
          SELECT collection, count(*), sum(token_count) FROM new_rows GROUP BY collection ORDER BY 1
        ON CONFLICT (collection) DO UPDATE SET chunk_count = collection_stats.chunk_count + EXCLUDED.chunk_count,
                                               token_count = collection_stats.token_count + EXCLUDED.token_count;
        RETURN NULL;
      END $$`;

/** The delete trigger's function as this migration writes it (the postings DELETE replaced in 1768620000000). */
export const POSTINGS_DELETE_FUNCTION_SQL = `
      CREATE OR REPLACE FUNCTION chunks_stats_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH ids AS (
          UPDATE lexeme_stats s SET df = s.df - d.df
            FROM (SELECT o.collection, u.lexeme, count(*) AS df FROM old_rows o, unnest(o.tsv) u
                  GROUP BY o.collection, u.lexeme ORDER BY 1, 2) d
            WHERE s.collection = d.collection AND s.lexeme = d.lexeme
          RETURNING s.collection, s.lexeme, s.id
        )
        DELETE FROM postings p
          USING (SELECT ids.id AS lexeme_id, o.id AS chunk_id FROM old_rows o CROSS JOIN LATERAL unnest(o.tsv) u
                   JOIN ids ON ids.collection = o.collection AND ids.lexeme = u.lexeme) d
          WHERE p.lexeme_id = d.lexeme_id AND p.chunk_id = d.chunk_id;
        DELETE FROM lexeme_stats s USING (SELECT DISTINCT collection FROM old_rows) c
          WHERE s.collection = c.collection AND s.df <= 0;
        UPDATE collection_stats s SET chunk_count = s.chunk_count - d.n, token_count = s.token_count - d.t
          FROM (SELECT collection, count(*) AS n, sum(token_count) AS t FROM old_rows GROUP BY collection) d
          WHERE s.collection = d.collection;
        RETURN NULL;
      END $$`;

/**
 * Issue 13 (BM25 on postings): the text branch scores a query from the postings of its lexemes instead of
 * unnesting the tsvector of every candidate chunk.
 *
 * - `lexeme_stats` gets a numeric id per (collection, lexeme): the postings key, 8 bytes instead of the
 *   collection name and the lexeme on every row.
 * - `postings (lexeme_id, chunk_id, tf, dl)`: one row per distinct lexeme of a chunk, with its term frequency
 *   (positions in the tsvector, as the tsvector scorer counted them) and the chunk's length in tokens
 *   (`chunks.token_count`), so scoring a posting needs no chunk row. The primary key (lexeme_id, chunk_id)
 *   INCLUDE (tf, dl) holds a lexeme's postings side by side: once the table is vacuumed they are read by an
 *   index-only scan, a few pages per lexeme instead of one heap page per posting.
 * - The statement-level statistics triggers on `chunks` maintain the postings in the writer's transaction,
 *   whatever statement inserts or deletes chunks (one row or many, one document or a batch of them); a row
 *   trigger follows updates of `tsv` / `token_count` (the accent-folding conversion is the only writer).
 *
 * The postings of existing collections are built here from their tsvectors. The GIN index on `tsv` goes: nothing
 * queries `tsv @@` any more, and every ingest paid for its maintenance.
 */
export class Bm25Postings1768510000000 implements MigrationInterface {
  name = 'Bm25Postings1768510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE lexeme_id_seq AS bigint`);
    await q.query(`ALTER TABLE lexeme_stats ADD COLUMN id bigint NOT NULL DEFAULT nextval('lexeme_id_seq')`);
    await q.query(`
      CREATE TABLE postings (
        lexeme_id bigint NOT NULL,
        chunk_id uuid NOT NULL,
        tf integer NOT NULL,
        dl integer NOT NULL,
        CONSTRAINT postings_pkey PRIMARY KEY (lexeme_id, chunk_id) INCLUDE (tf, dl)
      )`);
    await q.query(
      `INSERT INTO postings (lexeme_id, chunk_id, tf, dl)
       SELECT s.id, c.id, coalesce(array_length(u.positions, 1), 1), c.token_count
         FROM chunks c CROSS JOIN LATERAL unnest(c.tsv) u
         JOIN lexeme_stats s ON s.collection = c.collection AND s.lexeme = u.lexeme
        ORDER BY 1, 2`,
    );
    // The lexeme ids come back from the statistics upsert (RETURNING): no lookup of lexeme_stats per posting, whose
    // plan would depend on statistics the embedded database never refreshes by itself (it has no autovacuum).
    await q.query(POSTINGS_INSERT_FUNCTION_SQL);
    await q.query(POSTINGS_DELETE_FUNCTION_SQL);
    // Transition tables are not allowed on a trigger with a column list, and a statement trigger without one would
    // capture every row of a re-index cutover (which rewrites embeddings only): a row trigger on the two columns.
    await q.query(`
      CREATE FUNCTION chunks_stats_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM postings p USING lexeme_stats s, unnest(OLD.tsv) u
          WHERE s.collection = OLD.collection AND s.lexeme = u.lexeme AND p.lexeme_id = s.id AND p.chunk_id = OLD.id;
        UPDATE lexeme_stats s SET df = s.df - 1 FROM unnest(OLD.tsv) u WHERE s.collection = OLD.collection AND s.lexeme = u.lexeme;
        DELETE FROM lexeme_stats s WHERE s.collection = OLD.collection AND s.df <= 0 AND s.lexeme IN (SELECT u.lexeme FROM unnest(OLD.tsv) u);
        INSERT INTO lexeme_stats (collection, lexeme, df)
          SELECT NEW.collection, u.lexeme, 1 FROM unnest(NEW.tsv) u ORDER BY 2
        ON CONFLICT (collection, lexeme) DO UPDATE SET df = lexeme_stats.df + 1;
        INSERT INTO postings (lexeme_id, chunk_id, tf, dl)
          SELECT s.id, NEW.id, coalesce(array_length(u.positions, 1), 1), NEW.token_count
            FROM unnest(NEW.tsv) u JOIN lexeme_stats s ON s.collection = NEW.collection AND s.lexeme = u.lexeme;
        UPDATE collection_stats SET token_count = token_count - OLD.token_count + NEW.token_count WHERE collection = NEW.collection;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER chunks_stats_update AFTER UPDATE OF tsv, token_count ON chunks FOR EACH ROW
                   WHEN (OLD.tsv IS DISTINCT FROM NEW.tsv OR OLD.token_count IS DISTINCT FROM NEW.token_count)
                   EXECUTE FUNCTION chunks_stats_after_update()`);
    await q.query(`DROP INDEX IF EXISTS chunks_tsv_idx`);
    // (an empty table is not analyzed: its statistics would say "empty" until someone runs ANALYZE again)
    if ((await q.query(`SELECT EXISTS (SELECT 1 FROM postings) AS any`))[0].any) await q.query(`ANALYZE postings`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS chunks_stats_update ON chunks`);
    await q.query(`DROP FUNCTION IF EXISTS chunks_stats_after_update`);
    await q.query(`DROP TABLE IF EXISTS postings`);
    await q.query(`CREATE INDEX IF NOT EXISTS chunks_tsv_idx ON chunks USING gin (tsv)`);
    await q.query(`ALTER TABLE lexeme_stats DROP COLUMN IF EXISTS id`);
    await q.query(`DROP SEQUENCE IF EXISTS lexeme_id_seq`);
    // the statement triggers' functions as the init schema wrote them
    await q.query(STATS_INSERT_FUNCTION_SQL.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(STATS_DELETE_FUNCTION_SQL.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}
