import { Inject, Injectable } from '@nestjs/common';
import pgvector from 'pgvector';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DATA_SOURCE, DEFAULT_INDEX_DIMENSION, hnswIndexSql, managerFor } from '../../../../shared/database';
import { CollectionInfo, DocumentRef, EmbeddedChunk, Metadata, MetadataFilter, RangeOperator, RankedChunk } from '../../domain/chunk';
import { BranchQuery, CorpusState, VectorStore } from '../../application/ports/vector-store.port';
import { CollectionEmbedderChangedError, CollectionNotFoundError } from '../../domain/retrieval.errors';
import { CollectionOrmEntity } from './collection.orm-entity';
import { CorpusStateCache } from './corpus-state.cache';

const INSERT_BATCH = 500;

interface ChunkRow {
  id: string;
  document_id: string;
  title: string;
  text: string;
  metadata: Metadata;
  start_offset: number;
  end_offset: number;
  score: number | string;
  coverage?: number | string | null;
}

/**
 * pgvector + Postgres full-text adapter. Vectors live in an untyped `vector` column with a partial
 * HNSW index per dimension, so every vector query casts to `vector(D)` and filters `dimension = D`
 * exactly as the index expression says (otherwise the planner cannot use it).
 */
@Injectable()
export class PgVectorStore implements VectorStore {
  private readonly indexedDimensions = new Set<number>([DEFAULT_INDEX_DIMENSION]);

  private readonly bm25: { k1: number; b: number };

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly corpusStates: CorpusStateCache,
  ) {
    this.bm25 = config.retrieval.search.bm25;
  }

  async getCollection(name: string): Promise<CollectionInfo | null> {
    const row = await managerFor(this.dataSource).findOne(CollectionOrmEntity, { where: { name } });
    return row ? toInfo(row) : null;
  }

  /** Served from CorpusStateCache when read lately (cache.response.corpusVersionMaxAgeMs) and not written since. */
  async corpusState(name: string): Promise<CorpusState | null> {
    const known = this.corpusStates.get(name);
    if (known !== undefined) return known;
    const read = this.corpusStates.begin();
    const state = await this.readCorpusState(name);
    this.corpusStates.keep(name, state, read);
    return state;
  }

  private async readCorpusState(name: string): Promise<CorpusState | null> {
    const rows: Array<{ embedder_id: string; version: string | null }> = await managerFor(this.dataSource).query(
      `SELECT c.embedder_id, s.version::text AS version FROM collections c LEFT JOIN collection_stats s ON s.collection = c.name WHERE c.name = $1`,
      [name],
    );
    return rows.length ? { embedderId: rows[0].embedder_id, version: rows[0].version ?? '0' } : null;
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const rows = await managerFor(this.dataSource).find(CollectionOrmEntity, { order: { name: 'ASC' } });
    return rows.map(toInfo);
  }

  async ensureCollection(name: string, embedderId: string, dimension: number, textSearchConfig: string): Promise<CollectionInfo> {
    const em = managerFor(this.dataSource);
    this.corpusStates.written(em);
    await em.query(
      `INSERT INTO collections (name, embedder_id, dimension, text_search_config) VALUES ($1, $2, $3, $4::regconfig)
       ON CONFLICT (name) DO NOTHING`,
      [name, embedderId, dimension, textSearchConfig],
    );
    if (!this.indexedDimensions.has(dimension)) {
      await em.query(hnswIndexSql(dimension));
      this.indexedDimensions.add(dimension);
    }
    this.corpusStates.written(em);
    return (await this.getCollection(name))!;
  }

  async replaceDocumentChunks(document: DocumentRef, collection: CollectionInfo, chunks: EmbeddedChunk[]): Promise<void> {
    const em = managerFor(this.dataSource);
    // A re-index cutover locks this row FOR UPDATE: it waits for this write, or this write waits for it and
    // then sees the new embedder. Vectors from the old one must not land in the re-indexed collection.
    const rows: Array<{ embedder_id: string; dimension: number }> = await em.query(
      `SELECT embedder_id, dimension FROM collections WHERE name = $1 FOR SHARE`,
      [collection.name],
    );
    if (rows.length === 0) throw new CollectionNotFoundError(collection.name);
    const current = rows[0];
    const stale = chunks.find((c) => c.embedderId !== current.embedder_id);
    if (stale) throw new CollectionEmbedderChangedError(collection.name, stale.embedderId, current.embedder_id);
    this.corpusStates.written(em);
    try {
      await this.writeChunks(em, document, collection, current.dimension, chunks);
    } finally {
      this.corpusStates.written(em);
    }
  }

  private async writeChunks(em: EntityManager, document: DocumentRef, collection: CollectionInfo, dimension: number, chunks: EmbeddedChunk[]): Promise<void> {
    await em.query(`DELETE FROM chunks WHERE document_id = $1`, [document.id]);
    for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
      const batch = chunks.slice(i, i + INSERT_BATCH);
      await em.query(
        `INSERT INTO chunks (id, document_id, collection, position, text, start_offset, end_offset, metadata, dimension, embedding, tsv, token_count)
         SELECT t.id, $1, $2, t.position, t.text, t.start_offset, t.end_offset, $3::jsonb, $4, t.embedding::vector, t.tsv,
                (SELECT coalesce(sum(coalesce(array_length(l.positions, 1), 1)), 0) FROM unnest(t.tsv) l)
         FROM (
           SELECT u.*, setweight(to_tsvector($5::regconfig, coalesce($6, '')), 'B') || setweight(to_tsvector($5::regconfig, u.text), 'D') AS tsv
           FROM unnest($7::uuid[], $8::int[], $9::text[], $10::int[], $11::int[], $12::text[])
                AS u(id, position, text, start_offset, end_offset, embedding)
         ) t`,
        [
          document.id,
          collection.name,
          JSON.stringify(document.metadata),
          dimension,
          collection.textSearchConfig,
          document.title,
          batch.map((c) => c.id),
          batch.map((c) => c.position),
          batch.map((c) => c.text),
          batch.map((c) => c.start),
          batch.map((c) => c.end),
          batch.map((c) => pgvector.toSql(Array.from(c.embedding))),
        ],
      );
    }
  }

  async deleteDocumentChunks(documentId: string): Promise<number> {
    const em = managerFor(this.dataSource);
    this.corpusStates.written(em);
    const res = await em.query(`DELETE FROM chunks WHERE document_id = $1`, [documentId]).finally(() => this.corpusStates.written(em));
    return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
  }

  async vectorSearch(q: BranchQuery & { embedding: Float32Array; dimension: number; embedderId: string }): Promise<RankedChunk[]> {
    const d = Math.trunc(q.dimension);
    const params: unknown[] = [pgvector.toSql(Array.from(q.embedding)), q.collection, q.limit, q.embedderId];
    const filter = metadataFilterSql(q.filters, params);
    const rows: ChunkRow[] = await managerFor(this.dataSource).query(
      `SELECT s.id, s.document_id, d.title, s.text, s.metadata, s.start_offset, s.end_offset, 1 - s.distance AS score
       FROM (
         SELECT c.id, c.document_id, c.text, c.metadata, c.start_offset, c.end_offset,
                c.embedding::vector(${d}) <=> $1::vector(${d}) AS distance
         FROM chunks c
         WHERE c.dimension = ${d} AND c.collection = $2${filter}
         ORDER BY c.embedding::vector(${d}) <=> $1::vector(${d})
         LIMIT $3
       ) s JOIN documents d ON d.id = s.document_id
       WHERE EXISTS (SELECT 1 FROM collections k WHERE k.name = $2 AND k.embedder_id = $4)
       ORDER BY s.distance, s.id`,
      params,
    );
    return rows.map(toRanked);
  }

  /**
   * Okapi BM25 (k1, b from config) over Postgres tsvectors: per-collection document frequencies and
   * average length come from lexeme_stats / collection_stats. Candidates are chunks matching any
   * informative query lexeme (GIN index); lexemes in more than 5% of the chunks (and 50) only score.
   */
  async textSearch(q: BranchQuery & { text: string; textSearchConfig: string }): Promise<RankedChunk[]> {
    const params: unknown[] = [q.textSearchConfig, q.text, q.collection, q.limit, this.bm25.k1, this.bm25.b];
    const filter = metadataFilterSql(q.filters, params);
    const rows: ChunkRow[] = await managerFor(this.dataSource).query(
      `WITH st AS (
         SELECT greatest(chunk_count, 1)::float8 AS n, greatest(token_count::float8 / nullif(chunk_count, 0), 1) AS avgdl
         FROM collection_stats WHERE collection = $3
       ), qa AS (
         -- every query lexeme; one the collection never saw gets the highest IDF (it counts against coverage)
         SELECT ql.lexeme, coalesce(s.df, 0) AS df, ln(1 + (st.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) AS idf
         FROM (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector($1::regconfig, $2)) u) ql
         CROSS JOIN st
         LEFT JOIN lexeme_stats s ON s.collection = $3 AND s.lexeme = ql.lexeme
       ), qs AS (
         SELECT * FROM qa WHERE df > 0
       ), tot AS (
         SELECT sum(idf) AS idf FROM qa
       ), tq AS (
         SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery AS query
         FROM qs, st
         -- candidates come from informative lexemes (in at most 5% of chunks, or 50); if the query has none,
         -- from its rarest lexeme; common lexemes still add to the score of the candidates
         WHERE qs.df <= greatest(st.n * 0.05, 50) OR (NOT EXISTS (SELECT 1 FROM qs q2, st s2 WHERE q2.df <= greatest(s2.n * 0.05, 50))
                                                      AND qs.df = (SELECT min(df) FROM qs))
       ), scored AS (
         SELECT c.id,
                sum(qs.idf * (t.tf * ($5::float8 + 1)) / (t.tf + $5::float8 * (1 - $6::float8 + $6::float8 * c.token_count / st.avgdl))) AS score,
                sum(qs.idf) AS matched_idf
         FROM tq, st, chunks c
         CROSS JOIN LATERAL (SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf FROM unnest(c.tsv) u) t
         JOIN qs ON qs.lexeme = t.lexeme
         WHERE tq.query IS NOT NULL AND c.collection = $3 AND c.tsv @@ tq.query${filter}
         GROUP BY c.id
         ORDER BY score DESC, c.id
         LIMIT $4
       )
       SELECT c.id, c.document_id, d.title, c.text, c.metadata, c.start_offset, c.end_offset, scored.score,
              scored.matched_idf / nullif(tot.idf, 0) AS coverage
       FROM scored CROSS JOIN tot JOIN chunks c ON c.id = scored.id JOIN documents d ON d.id = c.document_id
       ORDER BY scored.score DESC, c.id`,
      params,
    );
    return rows.map(toRanked);
  }
}

const RANGE_SQL: Record<RangeOperator, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * Equality or `in` per key, as jsonb containment (GIN-indexed), where an array value matches by
 * element; a range compares scalar values of the bound's type (numbers numerically, strings by code
 * point, so ISO-8601 dates compare as dates).
 */
export function metadataFilterSql(
  filters: MetadataFilter | undefined,
  /** Positional parameters to append to ($n), or a function that binds a value and returns its placeholder. */
  params: unknown[] | ((value: unknown) => string),
  column = 'c.metadata',
): string {
  if (!filters) return '';
  const clauses: string[] = [];
  const param = typeof params === 'function' ? params : (v: unknown) => (params.push(v), `$${params.length}`);
  for (const [key, cond] of Object.entries(filters)) {
    if (typeof cond === 'object' && cond !== null && !('in' in cond)) {
      const bounds = Object.entries(cond) as Array<[RangeOperator, number | string]>;
      const numeric = typeof bounds[0]?.[1] === 'number';
      const k = param(key);
      // The CASE casts only values of the bound's type (Postgres does not promise to evaluate an AND's
      // type test before a cast); any other value is NULL, which no comparison matches.
      const type = numeric ? 'number' : 'string';
      const value = `(CASE WHEN jsonb_typeof(${column} -> ${k}) = '${type}' THEN ${numeric ? `(${column} ->> ${k})::numeric` : `(${column} ->> ${k})`} END)`;
      const tests = bounds.map(
        ([op, b]) => `${value}${numeric ? '' : ' COLLATE "C"'} ${RANGE_SQL[op]} ${param(numeric ? b : String(b))}::${numeric ? 'numeric' : 'text'}`,
      );
      clauses.push(`(${tests.join(' AND ')})`);
      continue;
    }
    const values = typeof cond === 'object' && cond !== null ? cond.in : [cond];
    const alternatives = values.flatMap((v) => [
      `${column} @> ${param(JSON.stringify({ [key]: v }))}::jsonb`,
      `${column} @> ${param(JSON.stringify({ [key]: [v] }))}::jsonb`,
    ]);
    clauses.push(alternatives.length ? `(${alternatives.join(' OR ')})` : 'false');
  }
  return clauses.length ? ` AND ${clauses.join(' AND ')}` : '';
}

function toRanked(r: ChunkRow): RankedChunk {
  return {
    chunkId: r.id,
    documentId: r.document_id,
    title: r.title,
    text: r.text,
    metadata: r.metadata ?? {},
    start: r.start_offset,
    end: r.end_offset,
    score: Number(r.score),
    ...(r.coverage !== undefined && r.coverage !== null ? { coverage: Math.round(Number(r.coverage) * 1000) / 1000 } : {}),
  };
}

function toInfo(row: CollectionOrmEntity): CollectionInfo {
  return {
    name: row.name,
    embedderId: row.embedderId,
    dimension: row.dimension,
    textSearchConfig: row.textSearchConfig,
    createdAt: row.createdAt,
  };
}
