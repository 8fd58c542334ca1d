import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INSERT_FUNCTION_SQL } from './1768630000000-trigger-plans-per-run';

/**
 * The insert trigger's postings statement joined the lexeme ids it had just upserted to the new chunks' lexemes
 * unnested on the fly. The planner has no statistics for a transition table or an unnest, so with many distinct
 * lexemes it chose a plan that unnested every chunk again for each lexeme: 40 chunks of 2,000 distinct words (a
 * glossary, a parts list) spent 1.5-3 s in this trigger on PostgreSQL 15 against 46-56 ms now, and an upload of
 * them 1.8-3.2 s. The chunks' lexemes are unnested once into a materialized CTE; the upsert counts them and the
 * postings are that CTE joined to the ids. The same rows are written.
 */
export const MATERIALIZED_INSERT_FUNCTION_SQL = `
      CREATE OR REPLACE FUNCTION chunks_stats_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE $q$
          WITH lex AS MATERIALIZED (
            SELECT n.collection, u.lexeme, n.id AS chunk_id, coalesce(array_length(u.positions, 1), 1) AS tf, n.token_count AS dl
              FROM new_rows n CROSS JOIN LATERAL unnest(n.tsv) u
          ), ids AS (
            INSERT INTO lexeme_stats (collection, lexeme, df)
              SELECT collection, lexeme, count(*) FROM lex GROUP BY collection, lexeme ORDER BY 1, 2
            ON CONFLICT (collection, lexeme) DO UPDATE SET df = lexeme_stats.df + EXCLUDED.df
            RETURNING collection, lexeme, id
          )
          INSERT INTO postings (lexeme_id, chunk_id, tf, dl)
            SELECT ids.id, lex.chunk_id, lex.tf, lex.dl
              FROM lex JOIN ids ON ids.collection = lex.collection AND ids.lexeme = lex.lexeme
             ORDER BY 1, 2 $q$;
        EXECUTE $q$
          INSERT INTO collection_stats (collection, chunk_count, token_count)
            SELECT collection, count(*), sum(token_count) FROM new_rows GROUP BY collection ORDER BY 1
          ON CONFLICT (collection) DO UPDATE SET chunk_count = collection_stats.chunk_count + EXCLUDED.chunk_count,
                                                 token_count = collection_stats.token_count + EXCLUDED.token_count $q$;
        RETURN NULL;
      END $$`;

export class PostingsInsertMaterialized1768650000000 implements MigrationInterface {
  name = 'PostingsInsertMaterialized1768650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(MATERIALIZED_INSERT_FUNCTION_SQL);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INSERT_FUNCTION_SQL);
  }
}
