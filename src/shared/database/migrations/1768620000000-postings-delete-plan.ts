import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STATS_DELETE_FUNCTION_SQL } from './1763700000000-init-schema';
import { POSTINGS_DELETE_FUNCTION_SQL } from './1768510000000-bm25-postings';

/** Where the postings DELETE goes in the init schema's function: after the df update, before the df <= 0 cleanup. */
const CLEANUP = '        DELETE FROM lexeme_stats s USING';

const POSTINGS_DELETE = `        DELETE FROM postings p
          USING (SELECT o.collection, o.id AS chunk_id, u.lexeme FROM old_rows o, unnest(o.tsv) u OFFSET 0) t, lexeme_stats s
          WHERE s.collection = t.collection AND s.lexeme = t.lexeme AND p.lexeme_id = s.id AND p.chunk_id = t.chunk_id;
`;

/**
 * Issue 13 (ingestion at scale): the postings DELETE of `chunks_stats_after_delete` joined the deleted rows to the
 * updated lexeme_stats rows (a CTE the planner guessed at about a dozen rows) on the collection alone and only then
 * unnested each row's tsvector and filtered on the lexeme. That plan compares every deleted chunk's lexemes with every
 * updated lexeme: replacing 50 documents (500 chunks, 3,729 lexemes) in a 100k-chunk collection took 53 s on
 * PostgreSQL 15 (74M comparisons), past the statement timeout, so a batched re-upload fell back to one document at a
 * time. Now the statistics are updated first, and the postings are found from the deleted rows' lexemes (unnested
 * first: OFFSET 0 keeps the subquery whole) through lexeme_stats' (collection, lexeme) key: 0.23 s, same rows.
 */
export class PostingsDeletePlan1768620000000 implements MigrationInterface {
  name = 'PostingsDeletePlan1768620000000';

  async up(q: QueryRunner): Promise<void> {
    if (!STATS_DELETE_FUNCTION_SQL.includes(CLEANUP)) throw new Error('the init schema\'s delete trigger function changed');
    await q.query(STATS_DELETE_FUNCTION_SQL.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION').replace(CLEANUP, POSTINGS_DELETE + CLEANUP));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(POSTINGS_DELETE_FUNCTION_SQL);
  }
}
