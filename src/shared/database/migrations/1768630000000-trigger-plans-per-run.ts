import type { MigrationInterface, QueryRunner } from 'typeorm';
import { POSTINGS_INSERT_FUNCTION_SQL } from './1768510000000-bm25-postings';
import { PostingsDeletePlan1768620000000 } from './1768620000000-postings-delete-plan';

/**
 * Issue 13 (ingestion at scale): PL/pgSQL plans a statement of a trigger function once per connection, at its first
 * run, for the transition table of that run, and keeps the plan. When a connection's first insert or delete of chunks
 * was small (one short document), its plans joined the transition table by nested loops, and every later batch on
 * that connection paid for them: the anime CSV (269 rows) took 51-69 s after a one-document upload into another
 * collection, and 2-4 s when it came first. EXECUTE plans each statement at each run, for the rows it has (about a
 * millisecond per statement); the SQL is the same.
 */
export const INSERT_FUNCTION_SQL = `
      CREATE OR REPLACE FUNCTION chunks_stats_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE $q$
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
             ORDER BY 1, 2 $q$;
        EXECUTE $q$
          INSERT INTO collection_stats (collection, chunk_count, token_count)
            SELECT collection, count(*), sum(token_count) FROM new_rows GROUP BY collection ORDER BY 1
          ON CONFLICT (collection) DO UPDATE SET chunk_count = collection_stats.chunk_count + EXCLUDED.chunk_count,
                                                 token_count = collection_stats.token_count + EXCLUDED.token_count $q$;
        RETURN NULL;
      END $$`;

export const DELETE_FUNCTION_SQL = `
      CREATE OR REPLACE FUNCTION chunks_stats_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE $q$
          UPDATE lexeme_stats s SET df = s.df - d.df
            FROM (SELECT o.collection, u.lexeme, count(*) AS df FROM old_rows o, unnest(o.tsv) u
                  GROUP BY o.collection, u.lexeme ORDER BY 1, 2) d
            WHERE s.collection = d.collection AND s.lexeme = d.lexeme $q$;
        EXECUTE $q$
          DELETE FROM postings p
            USING (SELECT o.collection, o.id AS chunk_id, u.lexeme FROM old_rows o, unnest(o.tsv) u OFFSET 0) t, lexeme_stats s
            WHERE s.collection = t.collection AND s.lexeme = t.lexeme AND p.lexeme_id = s.id AND p.chunk_id = t.chunk_id $q$;
        EXECUTE $q$
          DELETE FROM lexeme_stats s USING (SELECT DISTINCT collection FROM old_rows) c
            WHERE s.collection = c.collection AND s.df <= 0 $q$;
        EXECUTE $q$
          UPDATE collection_stats s SET chunk_count = s.chunk_count - d.n, token_count = s.token_count - d.t
            FROM (SELECT collection, count(*) AS n, sum(token_count) AS t FROM old_rows GROUP BY collection) d
            WHERE s.collection = d.collection $q$;
        RETURN NULL;
      END $$`;

export class TriggerPlansPerRun1768630000000 implements MigrationInterface {
  name = 'TriggerPlansPerRun1768630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INSERT_FUNCTION_SQL);
    await q.query(DELETE_FUNCTION_SQL);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(POSTINGS_INSERT_FUNCTION_SQL);
    await new PostingsDeletePlan1768620000000().up(q);
  }
}
