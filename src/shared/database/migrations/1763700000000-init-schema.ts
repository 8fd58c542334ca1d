import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A chunk's two vector slots: its collection's `vector_slot` says which one searches read (a re-index fills the other
 * beside it, then flips the collection: migration 1768680000000). Slot 0 is the original `embedding`/`dimension`.
 */
export type VectorSlot = 0 | 1;

/** The vector and dimension columns of a slot. */
export function slotColumns(slot: VectorSlot): { embedding: string; dimension: string } {
  return slot === 1 ? { embedding: 'embedding_1', dimension: 'dimension_1' } : { embedding: 'embedding', dimension: 'dimension' };
}

/** HNSW index for one embedding dimension of one slot (partial, over an untyped vector column). Also used at runtime. */
/** The partial HNSW index of one dimension's vectors in one slot (what hnswIndexSql creates). */
export function hnswIndexName(dimension: number, slot: VectorSlot = 0): string {
  return `chunks_${slotColumns(slot).embedding}_hnsw_${Math.trunc(dimension)}`;
}

export function hnswIndexSql(dimension: number, slot: VectorSlot = 0): string {
  const d = Math.trunc(dimension);
  const c = slotColumns(slot);
  return (
    `CREATE INDEX IF NOT EXISTS ${hnswIndexName(d, slot)} ON chunks ` +
    `USING hnsw ((${c.embedding}::vector(${d})) vector_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE ${c.dimension} = ${d}`
  );
}

/**
 * The knowledge-base schema. Collections record the embedder (id + dimension) and the text search
 * configuration they were built with; chunks keep an untyped `vector` so collections of different
 * dimensions coexist, each dimension with its own partial HNSW cosine index.
 */
export const DEFAULT_INDEX_DIMENSION = 384;

/** The BM25 statistics trigger functions as this migration creates them (the postings migration restores them on down). */
export const STATS_INSERT_FUNCTION_SQL = `
      CREATE FUNCTION chunks_stats_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO lexeme_stats (collection, lexeme, df)
          SELECT n.collection, u.lexeme, count(*) FROM new_rows n, unnest(n.tsv) u
          GROUP BY n.collection, u.lexeme ORDER BY 1, 2
        ON CONFLICT (collection, lexeme) DO UPDATE SET df = lexeme_stats.df + EXCLUDED.df;
        INSERT INTO collection_stats (collection, chunk_count, token_count)
          SELECT collection, count(*), sum(token_count) FROM new_rows GROUP BY collection ORDER BY 1
        ON CONFLICT (collection) DO UPDATE SET chunk_count = collection_stats.chunk_count + EXCLUDED.chunk_count,
                                               token_count = collection_stats.token_count + EXCLUDED.token_count;
        RETURN NULL;
      END $$`;
export const STATS_DELETE_FUNCTION_SQL = `
      CREATE FUNCTION chunks_stats_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE lexeme_stats s SET df = s.df - d.df
          FROM (SELECT o.collection, u.lexeme, count(*) AS df FROM old_rows o, unnest(o.tsv) u
                GROUP BY o.collection, u.lexeme ORDER BY 1, 2) d
          WHERE s.collection = d.collection AND s.lexeme = d.lexeme;
        DELETE FROM lexeme_stats s USING (SELECT DISTINCT collection FROM old_rows) c
          WHERE s.collection = c.collection AND s.df <= 0;
        UPDATE collection_stats s SET chunk_count = s.chunk_count - d.n, token_count = s.token_count - d.t
          FROM (SELECT collection, count(*) AS n, sum(token_count) AS t FROM old_rows GROUP BY collection) d
          WHERE s.collection = d.collection;
        RETURN NULL;
      END $$`;

export class InitSchema1763700000000 implements MigrationInterface {
  name = 'InitSchema1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS vector`);
    await q.query(`
      CREATE TABLE collections (
        name text PRIMARY KEY,
        embedder_id text NOT NULL,
        dimension integer NOT NULL CHECK (dimension > 0),
        text_search_config regconfig NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE documents (
        id uuid PRIMARY KEY,
        collection text NOT NULL REFERENCES collections(name),
        source_id text NOT NULL,
        source_type text NOT NULL,
        title text NOT NULL,
        content_hash char(64) NOT NULL,
        mime_type text NOT NULL,
        size_bytes integer NOT NULL,
        char_count integer NOT NULL,
        chunk_count integer NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT documents_source_unique UNIQUE (collection, source_id)
      )`);
    await q.query(`CREATE INDEX documents_hash_idx ON documents (collection, content_hash)`);
    await q.query(`CREATE INDEX documents_created_idx ON documents (collection, created_at DESC, id)`);
    await q.query(`CREATE INDEX documents_metadata_idx ON documents USING gin (metadata jsonb_path_ops)`);
    await q.query(`
      CREATE TABLE chunks (
        id uuid PRIMARY KEY,
        document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        collection text NOT NULL,
        position integer NOT NULL,
        text text NOT NULL,
        start_offset integer NOT NULL,
        end_offset integer NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        dimension integer NOT NULL,
        embedding vector NOT NULL,
        tsv tsvector NOT NULL,
        token_count integer NOT NULL
      )`);
    await q.query(`CREATE INDEX chunks_document_idx ON chunks (document_id, position)`);
    await q.query(`CREATE INDEX chunks_collection_idx ON chunks (collection)`);
    await q.query(`CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv)`);
    await q.query(`CREATE INDEX chunks_metadata_idx ON chunks USING gin (metadata jsonb_path_ops)`);
    await q.query(hnswIndexSql(DEFAULT_INDEX_DIMENSION));

    // BM25 statistics: document frequency per lexeme and corpus size per collection, maintained by
    // statement-level triggers in the writer's transaction, so they can never drift from the chunks.
    await q.query(`
      CREATE TABLE lexeme_stats (
        collection text NOT NULL,
        lexeme text NOT NULL,
        df integer NOT NULL,
        PRIMARY KEY (collection, lexeme)
      )`);
    await q.query(`
      CREATE TABLE collection_stats (
        collection text PRIMARY KEY,
        chunk_count bigint NOT NULL,
        token_count bigint NOT NULL
      )`);
    await q.query(STATS_INSERT_FUNCTION_SQL);
    await q.query(STATS_DELETE_FUNCTION_SQL);
    await q.query(`CREATE TRIGGER chunks_stats_insert AFTER INSERT ON chunks REFERENCING NEW TABLE AS new_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION chunks_stats_after_insert()`);
    await q.query(`CREATE TRIGGER chunks_stats_delete AFTER DELETE ON chunks REFERENCING OLD TABLE AS old_rows
                   FOR EACH STATEMENT EXECUTE FUNCTION chunks_stats_after_delete()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS chunks`);
    await q.query(`DROP FUNCTION IF EXISTS chunks_stats_after_insert, chunks_stats_after_delete`);
    await q.query(`DROP TABLE IF EXISTS lexeme_stats`);
    await q.query(`DROP TABLE IF EXISTS collection_stats`);
    await q.query(`DROP TABLE IF EXISTS documents`);
    await q.query(`DROP TABLE IF EXISTS collections`);
  }
}
