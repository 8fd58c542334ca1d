import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accent-insensitive full-text search for Portuguese: `portuguese_unaccent` folds accents (unaccent)
 * before the Portuguese Snowball stemmer, so "aprovacao" in a query finds "aprovação" in a document.
 * Portuguese stopwords are dropped first, with their accents ("não", "também"). It is the new default
 * of retrieval.textSearchConfig; on SQuAD-pt it ranks questions typed without accents as well as
 * accented ones, and accented ones a little better than plain `portuguese` (see docs/BENCHMARKS.md).
 *
 * Collections built with the old default, `portuguese`, are converted here, in this migration's
 * transaction: their chunks' tsvectors are rebuilt with the new configuration and the BM25 statistics
 * (lexeme document frequencies, token counts) recomputed from them, so queries and documents keep
 * using one configuration. Collections built with any other configuration are left as they are.
 */
export class AccentFolding1765000000000 implements MigrationInterface {
  name = 'AccentFolding1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    // Stopwords are dropped before accents are folded: "não", "já", "também" are in the Portuguese list
    // with their accents, and would be indexed as "nao", "ja", "tambem" otherwise.
    await q.query(`CREATE TEXT SEARCH DICTIONARY portuguese_stopwords (TEMPLATE = pg_catalog.simple, STOPWORDS = portuguese, ACCEPT = false)`);
    await q.query(`CREATE TEXT SEARCH CONFIGURATION portuguese_unaccent (COPY = pg_catalog.portuguese)`);
    await q.query(
      `ALTER TEXT SEARCH CONFIGURATION portuguese_unaccent ALTER MAPPING FOR hword, hword_part, word WITH portuguese_stopwords, unaccent, portuguese_stem`,
    );
    await convertCollections(q, 'portuguese', 'portuguese_unaccent');
  }

  async down(q: QueryRunner): Promise<void> {
    await convertCollections(q, 'portuguese_unaccent', 'portuguese');
    await q.query(`DROP TEXT SEARCH CONFIGURATION IF EXISTS portuguese_unaccent`);
    await q.query(`DROP TEXT SEARCH DICTIONARY IF EXISTS portuguese_stopwords`);
  }
}

/** Rebuilds the tsvectors and BM25 statistics of every collection built with `from` using `to`. */
export async function convertCollections(q: Pick<QueryRunner, 'query'>, from: string, to: string): Promise<void> {
  const rows: Array<{ name: string }> = await q.query(
    // (a CTE, so the driver answers rows for the UPDATE ... RETURNING as for a SELECT)
    `WITH converted AS (
       UPDATE collections SET text_search_config = $2::regconfig WHERE text_search_config = $1::regconfig RETURNING name
     ) SELECT name FROM converted`,
    [from, to],
  );
  const names = rows.map((r) => r.name);
  if (names.length === 0) return;
  // One pass over the chunks (each updated row version is indexed again, HNSW included: the upgrade takes
  // time in proportion to the chunks of the converted collections). Before the postings migration the statistics
  // triggers fired on INSERT and DELETE only: they are rebuilt below from the new tsvectors.
  await q.query(
    `UPDATE chunks c
        SET tsv = n.tsv,
            token_count = (SELECT coalesce(sum(coalesce(array_length(l.positions, 1), 1)), 0) FROM unnest(n.tsv) l)
       FROM (SELECT c2.id,
                    setweight(to_tsvector($2::regconfig, coalesce(d.title, '')), 'B') || setweight(to_tsvector($2::regconfig, c2.text), 'D') AS tsv
               FROM chunks c2 JOIN documents d ON d.id = c2.document_id
              WHERE c2.collection = ANY($1::text[])) n
      WHERE c.id = n.id`,
    [names, to],
  );
  // Since the postings migration a row trigger follows tsv updates (statistics and postings, whose keys are the
  // lexeme_stats ids a rebuild would renumber): nothing left to rebuild.
  const [{ maintained }]: Array<{ maintained: boolean }> = await q.query(
    `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'chunks_stats_update' AND tgrelid = 'chunks'::regclass) AS maintained`,
  );
  if (maintained) return;
  await q.query(`DELETE FROM lexeme_stats WHERE collection = ANY($1::text[])`, [names]);
  await q.query(
    `INSERT INTO lexeme_stats (collection, lexeme, df)
     SELECT c.collection, u.lexeme, count(*) FROM chunks c, unnest(c.tsv) u
      WHERE c.collection = ANY($1::text[])
      GROUP BY c.collection, u.lexeme`,
    [names],
  );
  await q.query(
    `UPDATE collection_stats s SET chunk_count = t.n, token_count = t.tokens
       FROM (SELECT collection, count(*) AS n, coalesce(sum(token_count), 0) AS tokens FROM chunks
              WHERE collection = ANY($1::text[]) GROUP BY collection) t
      WHERE s.collection = t.collection`,
    [names],
  );
}
