import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import pgvector from 'pgvector';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DATA_SOURCE, DEFAULT_INDEX_DIMENSION, hnswIndexSql, managerFor, slotColumns, type VectorSlot } from '../../../../shared/database';
import { CollectionInfo, DocumentRef, EmbeddedChunk, Metadata, MetadataFilter, RangeOperator, RankedChunk } from '../../domain/chunk';
import { BranchQuery, ChunkFields, CorpusState, DocumentChunks, HybridBranches, VectorQuery, VectorStore, WriteOptions } from '../../application/ports/vector-store.port';
import { CollectionEmbedderChangedError, CollectionNotFoundError } from '../../domain/retrieval.errors';
import { CollectionOrmEntity } from './collection.orm-entity';
import { CorpusStateCache } from './corpus-state.cache';
import { PgVectorIndexControl } from './pgvector.index-control';
import { LexemePostings, PostingsMemoryCache, TextQuery } from './postings-memory.cache';

/**
 * Chunks per INSERT statement. Each statement's time is mostly its rows' HNSW inserts (about 10 ms a chunk into a
 * large graph on the embedded engine under load), and database.statementTimeoutMs bounds one statement, not the
 * transaction: 100 rows keep a statement to seconds where 500 ran past the 30 s timeout on a loaded machine (which
 * restarts the embedded engine). The batch is still one transaction.
 */
const INSERT_BATCH = 100;
/** Most rows a fresh write on a server puts in its one statement (about the default batch, `ingestion.batch.characters`); past it, 100-row statements, taking turns. */
const FRESH_STATEMENT_ROWS = 1000;

interface ChunkRow {
  id: string;
  document_id: string;
  title: string;
  text: string;
  metadata: Metadata;
  start_offset: number;
  end_offset: number;
  heading: string | null;
  score: number | string;
  coverage?: number | string | null;
}

/** A chunk row read by id (no score), with the collection's postings version at the read. */
type StoredRow = Omit<ChunkRow, 'score' | 'coverage'> & { version: string };

/**
 * pgvector + Postgres full-text adapter. Vectors live in an untyped `vector` column with a partial
 * HNSW index per dimension, so every vector query casts to `vector(D)` and filters `dimension = D`
 * exactly as the index expression says (otherwise the planner cannot use it).
 */
@Injectable()
export class PgVectorStore implements VectorStore, OnModuleDestroy {
  private readonly logger = new Logger('TextCache');
  private readonly indexedDimensions = new Set<number>([DEFAULT_INDEX_DIMENSION]);

  private readonly bm25: { k1: number; b: number };

  /** On a Postgres server (DATABASE_URL), not the embedded engine's one connection. */
  private readonly server: boolean;

  /** Lexemes (collection + id) whose postings a background read is fetching, and those reads (awaited on shutdown). */
  private readonly warming = new Set<string>();
  private readonly warms = new Set<Promise<void>>();
  private closing = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly corpusStates: CorpusStateCache,
    private readonly textCache: PostingsMemoryCache,
    private readonly indexes: PgVectorIndexControl,
  ) {
    this.bm25 = config.retrieval.search.bm25;
    this.server = !!config.database.url;
    this.indexControl = this.server ? undefined : indexes;
  }

  /**
   * Dropping and building a dimension's HNSW index around a large import (ChunkIndexer.beginBulkImport): on the
   * embedded database only, which one process holds. On a server other processes search meanwhile (and every replica
   * would repair a missing index at boot under a lock that stops all writes), so there it is kept row by row.
   */
  readonly indexControl?: PgVectorIndexControl;

  async getCollection(name: string): Promise<CollectionInfo | null> {
    const row = await managerFor(this.dataSource).findOne(CollectionOrmEntity, { where: { name } });
    return row ? toInfo(row) : null;
  }

  /** Served from CorpusStateCache when read lately (cache.response.corpusVersionMaxAgeMs) and not written since, unless `fresh`. */
  async corpusState(name: string, fresh = false): Promise<CorpusState | null> {
    if (fresh) return this.readCorpusState(name);
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
    // (not while an import has dropped this dimension's index to build it once at its end)
    if (!this.indexedDimensions.has(dimension) && !this.indexes.isSuspended(dimension)) {
      await em.query(hnswIndexSql(dimension));
      this.indexedDimensions.add(dimension);
    }
    this.corpusStates.written(em);
    return (await this.getCollection(name))!;
  }

  replaceDocumentChunks(document: DocumentRef, collection: CollectionInfo, chunks: EmbeddedChunk[], options?: WriteOptions): Promise<void> {
    return this.replaceManyDocumentChunks([{ document, chunks }], collection, options);
  }

  /**
   * Many documents in one pass: one lock on the collection, one DELETE of their old chunks, and multi-row INSERTs of
   * up to INSERT_BATCH chunks across documents (each row carries its document's id, title and metadata).
   */
  async replaceManyDocumentChunks(entries: DocumentChunks[], collection: CollectionInfo, options: WriteOptions = {}): Promise<void> {
    const em = managerFor(this.dataSource);
    // A re-index cutover locks this row FOR UPDATE: it waits for this write, or this write waits for it and
    // then sees the new embedder. Vectors from the old one must not land in the re-indexed collection.
    // NO KEY UPDATE, not SHARE: writers into one collection take turns from here, so their statistics triggers
    // never lock the same BM25 rows in opposite orders (on a Postgres server, concurrent replacements deadlocked:
    // docs/BENCHMARKS.md, issue 13). It does not conflict with the KEY SHARE lock of the document rows' foreign key.
    // Except a fresh write on a server (new documents only, nothing to delete): SHARE, so fresh writers insert side
    // by side (their HNSW inserts, most of a write, in parallel backends), and each writes all its rows in ONE
    // statement, whose statistics triggers then lock BM25 rows once, in (collection, lexeme) order, after the graph
    // inserts: two such writers wait for each other there, never in a cycle. Replacing writers and cutovers still
    // wait for them (NO KEY UPDATE and FOR UPDATE conflict with SHARE).
    // A document of thousands of chunks is written the other way: one statement of all its rows would run past
    // the statement timeout (about 100 rows a second on a loaded server).
    const rowCount = entries.reduce((n, e) => n + e.chunks.length, 0);
    const shared = options.fresh === true && this.server && rowCount <= FRESH_STATEMENT_ROWS;
    const rows: Array<{ embedder_id: string; dimension: number; vector_slot: number }> = await em.query(
      `SELECT embedder_id, dimension, vector_slot FROM collections WHERE name = $1 ${shared ? 'FOR SHARE' : 'FOR NO KEY UPDATE'}`,
      [collection.name],
    );
    if (rows.length === 0) throw new CollectionNotFoundError(collection.name);
    const current = rows[0];
    const stale = entries.flatMap((e) => e.chunks).find((c) => c.embedderId !== current.embedder_id);
    if (stale) throw new CollectionEmbedderChangedError(collection.name, stale.embedderId, current.embedder_id);
    this.corpusStates.written(em);
    try {
      if (!options.fresh) {
        const res = await em.query(`DELETE FROM chunks WHERE document_id = ANY($1::uuid[])`, [entries.map((e) => e.document.id)]);
        if (deletedRows(res) > 0) await this.corpusStates.removed(em, collection.name);
      }
      await this.insertChunks(em, entries, collection, current.dimension, current.vector_slot === 1 ? 1 : 0, shared ? Infinity : INSERT_BATCH);
    } finally {
      this.corpusStates.written(em);
    }
  }

  /** Into the collection's current vector slot (the other stays empty: a re-index under way embeds these rows before it flips). */
  private async insertChunks(
    em: EntityManager,
    entries: DocumentChunks[],
    collection: CollectionInfo,
    dimension: number,
    slot: VectorSlot,
    perStatement: number,
  ): Promise<void> {
    const rowsToWrite = entries.flatMap(({ document, chunks }) => chunks.map((chunk) => ({ document, chunk })));
    const c = slotColumns(slot);
    for (let i = 0; i < rowsToWrite.length; i += perStatement) {
      const batch = rowsToWrite.slice(i, i + perStatement);
      await em.query(
        `INSERT INTO chunks (id, document_id, collection, position, text, start_offset, end_offset, heading, metadata, ${c.dimension}, ${c.embedding}, tsv, token_count)
         SELECT t.id, t.document_id, $1, t.position, t.text, t.start_offset, t.end_offset, t.heading, t.metadata::jsonb, $2, t.embedding::vector, t.tsv,
                (SELECT coalesce(sum(coalesce(array_length(l.positions, 1), 1)), 0) FROM unnest(t.tsv) l)
         FROM (
           SELECT u.*, setweight(to_tsvector($3::regconfig, coalesce(u.title, '')), 'B') || setweight(to_tsvector($3::regconfig, u.text), 'D') AS tsv
           FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::int[], $9::text[], $10::int[], $11::int[], $12::text[], $13::text[])
                AS u(id, document_id, title, metadata, position, text, start_offset, end_offset, embedding, heading)
         ) t`,
        [
          collection.name,
          dimension,
          collection.textSearchConfig,
          batch.map((r) => r.chunk.id),
          batch.map((r) => r.document.id),
          batch.map((r) => r.document.title),
          batch.map((r) => JSON.stringify(r.document.metadata)),
          batch.map((r) => r.chunk.position),
          batch.map((r) => r.chunk.text),
          batch.map((r) => r.chunk.start),
          batch.map((r) => r.chunk.end),
          batch.map((r) => pgvector.toSql(Array.from(r.chunk.embedding))),
          batch.map((r) => r.chunk.heading ?? null),
        ],
      );
    }
  }

  async deleteDocumentChunks(documentId: string): Promise<number> {
    const em = managerFor(this.dataSource);
    this.corpusStates.written(em);
    const rows: Array<{ collection: string; n: number }> = await em
      .query(`WITH d AS (DELETE FROM chunks WHERE document_id = $1 RETURNING collection) SELECT collection, count(*)::int AS n FROM d GROUP BY collection`, [
        documentId,
      ])
      .finally(() => this.corpusStates.written(em));
    for (const r of rows) await this.corpusStates.removed(em, r.collection);
    return rows.reduce((n, r) => n + r.n, 0);
  }

  async vectorSearch(q: BranchQuery & VectorQuery): Promise<RankedChunk[]> {
    const params: unknown[] = [pgvector.toSql(Array.from(q.embedding)), q.collection, q.limit, q.embedderId];
    const rows: ChunkRow[] = await managerFor(this.dataSource).query(`${vectorSql(q.dimension, q.slot, metadataFilterSql(q.filters, params))} ORDER BY s.distance, s.id`, params);
    return rows.map(toRanked);
  }

  /**
   * Embedded mode, no filter, the text cache on: ONE statement ranks the vector branch (ids and scores: no row, whose
   * text most of the 60 candidates never need) and reads what the text branch needs from the database (the query's
   * lexemes with the collection's statistics and postings version, as readTextQuery), in one snapshot; the text branch
   * is then scored from memory. The caller fuses the rankings and reads the rows of the fused head only (readRows,
   * which checks the version again). On the embedded engine, one statement at a time, that is one round trip less
   * than the two branches apart, and rows read for the head rather than for both candidate pools.
   */
  async hybridSearch(
    q: BranchQuery & VectorQuery & { text: string; textSearchConfig: string; vectorLimit: number },
  ): Promise<HybridBranches | null> {
    if (this.server || q.filters || !this.textCache.enabled || this.closing) return null;
    const d = Math.trunc(q.dimension);
    const v = slotColumns(q.slot);
    const rows: Array<{ id: string | null; score: number | null } & TextQueryRow> = await managerFor(this.dataSource).query(
      `WITH ${textQuerySql('$5', '$6', '$2')}
       SELECT v.id, v.score, tq.*
       FROM (SELECT 1) one LEFT JOIN tq ON true
       LEFT JOIN LATERAL (
         SELECT s.id, 1 - s.distance AS score, s.distance
         FROM (
           SELECT c.id, c.${v.embedding}::vector(${d}) <=> $1::vector(${d}) AS distance
           FROM chunks c
           WHERE c.${v.dimension} = ${d} AND c.collection = $2
           ORDER BY c.${v.embedding}::vector(${d}) <=> $1::vector(${d})
           LIMIT $3
         ) s
         WHERE EXISTS (SELECT 1 FROM collections k WHERE k.name = $2 AND k.embedder_id = $4 AND k.vector_slot = ${q.slot === 1 ? 1 : 0})
       ) v ON true
       ORDER BY v.distance, v.id`,
      [pgvector.toSql(Array.from(q.embedding)), q.collection, q.vectorLimit, q.embedderId, q.textSearchConfig, q.text],
    );
    const unread = new Set<string>();
    const ranked = (id: string, score: number, coverage?: number | null): RankedChunk => {
      unread.add(id);
      return toRanked({ id, document_id: '', title: '', text: '', metadata: {}, start_offset: 0, end_offset: 0, heading: null, score, coverage });
    };
    const vector = rows.flatMap((r) => (r.id != null ? [ranked(r.id, Number(r.score))] : []));
    const query = this.textQuery(q, rows[0]);
    const scored = query && this.textCache.score(query);
    if (!query || !scored) {
      if (query) this.warm(query);
      const text = query ? await this.sqlTextSearch(q) : [];
      // the text branch's rows came with it (the SQL scorer): the head's vector-only rows are read the same way
      return { vector, text, unread, readRows: (ids) => this.fieldsAt(q.collection, undefined, ids) };
    }
    const text = scored.map((h) => ranked(h.id, h.score, h.coverage));
    return { vector, text, unread, readRows: (ids) => this.fieldsAt(q.collection, query.version, ids) };
  }

  private async fieldsAt(collection: string, version: string | undefined, ids: string[]): Promise<Map<string, ChunkFields> | null> {
    const rows = await this.rowsAt(collection, version, ids);
    if (!rows) return null;
    const out = new Map<string, ChunkFields>();
    for (const [id, r] of rows) {
      const { score: _score, ...fields } = toRanked({ ...r, score: 0 });
      out.set(id, fields);
    }
    return out;
  }

  /**
   * Okapi BM25 (k1, b from config) scored from the postings table (lexeme, chunk, tf, chunk length), which the
   * statistics triggers on `chunks` maintain with lexeme_stats (document frequencies) and collection_stats
   * (chunk count, average length). Candidates are the chunks in the postings of the query's informative lexemes
   * (in at most 5% of the chunks, or 50; if the query has none, its rarest): one index range per lexeme. The
   * common lexemes only add to the candidates' scores, and only for candidates that can still reach the top
   * `limit`: a BM25 term is below idf * (k1 + 1), so a candidate whose partial score plus that bound for every
   * common lexeme is below the limit-th full score of the `limit` best partial ones cannot. A common lexeme's
   * postings are then read whole and hashed against the live candidates, or looked up per candidate when it has
   * many more postings than there are candidates (SCAN_OVER_PROBE). The scores are those of
   * the former tsvector scorer (test/bm25-postings.e2e-spec.ts holds the two side by side on SQuAD-pt).
   */
  async textSearch(q: BranchQuery & { text: string; textSearchConfig: string }): Promise<RankedChunk[]> {
    // A metadata filter needs the chunk rows: the SQL scorer. So does a cache that is off (it lets go what it held).
    if (!this.textCache.enabled) this.textCache.trim();
    if (q.filters || !this.textCache.enabled || this.closing) return this.sqlTextSearch(q);
    const query = await this.readTextQuery(q);
    if (!query) return []; // nothing ingested in the collection
    const scored = this.textCache.score(query);
    if (!scored) {
      this.warm(query);
      return this.sqlTextSearch(q);
    }
    if (scored.length === 0) return [];
    const rows = await this.rowsAt(q.collection, query.version, scored.map((h) => h.id));
    // a write committed since the query's first read: score it again, in SQL
    if (!rows) return this.sqlTextSearch(q);
    return scored.map((h) => toRanked({ ...rows.get(h.id)!, score: h.score, coverage: h.coverage }));
  }

  /**
   * The rows of these chunks (one statement), or null when one of them is gone or the collection is no longer at
   * `version` (when given: a write committed since, so scores read before may be stale).
   */
  private async rowsAt(collection: string, version: string | undefined, ids: string[]): Promise<Map<string, StoredRow> | null> {
    const rows: StoredRow[] = await managerFor(this.dataSource).query(
      `SELECT c.id, c.document_id, d.title, c.text, c.metadata, c.start_offset, c.end_offset, c.heading, st.version
       FROM chunks c JOIN documents d ON d.id = c.document_id
       CROSS JOIN (SELECT ${POSTINGS_VERSION_SQL} AS version FROM collection_stats WHERE collection = $2) st
       WHERE c.id = ANY($1::uuid[])`,
      [ids, collection],
    );
    if (rows.length !== ids.length || (version !== undefined && rows.some((r) => r.version !== version))) return null;
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * The query's lexemes (to_tsvector here: the stemmer is the database's) with their ids, document frequencies and
   * idf as the SQL scorer computes them, the collection's n and average length, and the version of its postings:
   * one round trip. Undefined when the collection has no statistics (nothing ingested).
   */
  private async readTextQuery(q: BranchQuery & { text: string; textSearchConfig: string }): Promise<TextQuery | undefined> {
    const rows: TextQueryRow[] = await managerFor(this.dataSource).query(`WITH ${textQuerySql('$1', '$2', '$3')} SELECT tq.* FROM tq`, [
      q.textSearchConfig,
      q.text,
      q.collection,
    ]);
    return this.textQuery(q, rows[0]);
  }

  /** The TextQuery of a row of textQuerySql's `tq` (undefined: no row, or its columns null: nothing ingested). */
  private textQuery(q: BranchQuery, row: TextQueryRow | undefined): TextQuery | undefined {
    if (!row || row.version == null) return undefined;
    const ids = row.lexeme_ids ?? [];
    return {
      collection: q.collection,
      version: row.version,
      n: Number(row.n),
      avgdl: Number(row.avgdl),
      lexemes: ids.map((lexemeId, i) => ({ lexemeId, df: Number(row.dfs![i]), idf: Number(row.idfs![i]) })),
      limit: q.limit,
      k1: this.bm25.k1,
      b: this.bm25.b,
    };
  }

  /**
   * Reads, in the background, the postings of the query's lexemes the cache lacks (one statement, which reads the
   * collection's version too). A lexeme is fetched by one read at a time; a failure is logged at debug and dropped
   * (the SQL scorer answers meanwhile). The reads are awaited when the module closes.
   */
  private warm(query: TextQuery): void {
    if (this.closing) return;
    const wanted = this.textCache.missing(query).filter((id) => !this.warming.has(`${query.collection}\u0000${id}`));
    if (wanted.length === 0) return;
    const keys = wanted.map((id) => `${query.collection}\u0000${id}`);
    for (const k of keys) this.warming.add(k);
    const read = this.dataSource
      .query(
        `SELECT (SELECT ${POSTINGS_VERSION_SQL} FROM collection_stats WHERE collection = $1) AS version, p.lexeme_id::text AS lexeme_id,
                string_agg(p.chunk_id::text, ',') AS chunks, string_agg(p.tf::text, ',') AS tfs, string_agg(p.dl::text, ',') AS dls
         FROM postings p WHERE p.lexeme_id = ANY($2::bigint[]) GROUP BY p.lexeme_id`,
        [query.collection, wanted],
      )
      .then((rows: Array<{ version: string | null; lexeme_id: string; chunks: string; tfs: string; dls: string }>) => {
        const version = rows[0]?.version;
        if (!version) return;
        const lexemes: LexemePostings[] = rows.map((r) => ({
          lexemeId: r.lexeme_id,
          chunkIds: r.chunks.split(','),
          tfs: r.tfs.split(',').map(Number),
          dls: r.dls.split(',').map(Number),
        }));
        this.textCache.store(query.collection, version, lexemes);
      })
      .catch((e: Error) => this.logger.debug(`postings of ${wanted.length} lexemes of "${query.collection}" not cached: ${e.message}`))
      .finally(() => {
        for (const k of keys) this.warming.delete(k);
        this.warms.delete(read);
      });
    this.warms.add(read);
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.warms]);
  }

  private async sqlTextSearch(q: BranchQuery & { text: string; textSearchConfig: string }): Promise<RankedChunk[]> {
    const params: unknown[] = [q.textSearchConfig, q.text, q.collection, q.limit, this.bm25.k1, this.bm25.b];
    const filter = metadataFilterSql(q.filters, params);
    const term = `qs.idf * (p.tf * ($5::float8 + 1)) / (p.tf + $5::float8 * (1 - $6::float8 + $6::float8 * p.dl / st.avgdl))`;
    // Only a metadata filter needs the chunk rows of the candidates.
    const filtered = filter ? ` JOIN chunks c ON c.id = p.chunk_id AND c.collection = $3${filter}` : '';
    const rows: ChunkRow[] = await managerFor(this.dataSource).query(
      `WITH st AS MATERIALIZED (
         SELECT greatest(chunk_count, 1)::float8 AS n, greatest(token_count::float8 / nullif(chunk_count, 0), 1) AS avgdl
         FROM collection_stats WHERE collection = $3
       ), qa AS MATERIALIZED (
         -- every query lexeme; one the collection never saw gets the highest IDF (it counts against coverage)
         SELECT ql.lexeme, s.id AS lexeme_id, coalesce(s.df, 0) AS df, ln(1 + (st.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) AS idf
         FROM (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector($1::regconfig, $2)) u) ql
         CROSS JOIN st
         LEFT JOIN lexeme_stats s ON s.collection = $3 AND s.lexeme = ql.lexeme
       ), qs AS MATERIALIZED (
         -- the lexemes the collection holds; "selects": its postings choose the candidates
         SELECT qa.lexeme_id, qa.idf, qa.df,
                qa.df <= greatest(st.n * 0.05, 50)
                OR (NOT EXISTS (SELECT 1 FROM qa q2 WHERE q2.df > 0 AND q2.df <= greatest(st.n * 0.05, 50))
                    AND qa.df = (SELECT min(q3.df) FROM qa q3 WHERE q3.df > 0)) AS selects
         FROM qa CROSS JOIN st WHERE qa.df > 0
       ), cand AS MATERIALIZED (
         SELECT p.chunk_id, sum(${term}) AS partial, sum(qs.idf) AS matched_idf
         FROM qs CROSS JOIN st
         -- OFFSET 0 keeps this a per-lexeme index range scan whatever the planner thinks of the CTE's size
         CROSS JOIN LATERAL (SELECT p.chunk_id, p.tf, p.dl FROM postings p WHERE p.lexeme_id = qs.lexeme_id OFFSET 0) p${filtered}
         WHERE qs.selects
         GROUP BY p.chunk_id
       ), bound AS MATERIALIZED (
         SELECT (SELECT coalesce(sum(idf), 0) FROM qs WHERE NOT qs.selects) * ($5::float8 + 1) AS extra
       ), best AS MATERIALIZED (
         -- the $4 best partial scores completed with their common lexemes: the $4-th of these full scores is a
         -- score the result's $4-th must reach (these chunks have it), and at least the $4-th partial score
         SELECT k.partial + coalesce((
                  SELECT sum(${term}) FROM qs CROSS JOIN st
                  CROSS JOIN LATERAL (SELECT p.tf, p.dl FROM postings p WHERE p.lexeme_id = qs.lexeme_id AND p.chunk_id = k.chunk_id OFFSET 0) p
                  WHERE NOT qs.selects), 0) AS score
         FROM (SELECT chunk_id, partial FROM cand ORDER BY partial DESC, chunk_id LIMIT $4) k
       ), live AS MATERIALIZED (
         -- the candidates that can still reach the top $4 once the common lexemes are added
         SELECT k.chunk_id, k.partial, k.matched_idf
         FROM cand k CROSS JOIN bound
         CROSS JOIN (SELECT CASE WHEN count(*) >= $4 THEN min(score) END AS kth FROM best) b
         WHERE b.kth IS NULL OR k.partial + bound.extra * (1 + 1e-9) >= b.kth
       ), common AS MATERIALIZED (
         -- a common lexeme's postings are read whole (and matched to the candidates by hashing) when they are fewer
         -- than ${SCAN_OVER_PROBE} per live candidate, else looked up candidate by candidate (an index descent each)
         SELECT qs.lexeme_id, qs.idf, qs.df <= (SELECT count(*) FROM live) * ${SCAN_OVER_PROBE} AS scan FROM qs WHERE NOT qs.selects
       ), extra AS (
         SELECT p.chunk_id, ${term.replace(/qs\./g, 'q.')} AS score, q.idf
         FROM common q CROSS JOIN st
         CROSS JOIN LATERAL (SELECT p.chunk_id, p.tf, p.dl FROM postings p WHERE p.lexeme_id = q.lexeme_id OFFSET 0) p
         JOIN live l ON l.chunk_id = p.chunk_id
         WHERE q.scan
         UNION ALL
         SELECT l.chunk_id, ${term.replace(/qs\./g, 'q.')} AS score, q.idf
         FROM common q CROSS JOIN st CROSS JOIN live l
         CROSS JOIN LATERAL (SELECT p.tf, p.dl FROM postings p WHERE p.lexeme_id = q.lexeme_id AND p.chunk_id = l.chunk_id OFFSET 0) p
         WHERE NOT q.scan
       ), scored AS (
         SELECT l.chunk_id AS id, l.partial + coalesce(x.score, 0) AS score, l.matched_idf + coalesce(x.idf, 0) AS matched_idf
         FROM live l
         LEFT JOIN (SELECT e.chunk_id, sum(e.score) AS score, sum(e.idf) AS idf FROM extra e GROUP BY e.chunk_id) x ON x.chunk_id = l.chunk_id
         ORDER BY score DESC, l.chunk_id
         LIMIT $4
       )
       SELECT c.id, c.document_id, d.title, c.text, c.metadata, c.start_offset, c.end_offset, c.heading, scored.score,
              scored.matched_idf / nullif(tot.idf, 0) AS coverage
       FROM scored CROSS JOIN (SELECT sum(idf) AS idf FROM qa) tot JOIN chunks c ON c.id = scored.id JOIN documents d ON d.id = c.document_id
       ORDER BY scored.score DESC, c.id`,
      params,
    );
    return rows.map(toRanked);
  }
}

/**
 * Looking a posting up by (lexeme, chunk) costs about as much as reading this many postings of a lexeme's range and
 * hashing them (measured at 100k chunks: 5.6 against 0.7 µs): a common lexeme with at most this many postings per
 * live candidate is read whole instead of probed per candidate.
 */
const SCAN_OVER_PROBE = 8;

/**
 * The version of a collection's postings, from its collection_stats row: `version` (a sequence value every statement
 * inserting or deleting its chunks sets) and the row version `xmin`, which every update of the row changes, whatever
 * it writes (the trigger that follows a chunk's tsvector rewrites the row too). Another writer's commit, in this
 * process or any other, gives another value.
 */
const POSTINGS_VERSION_SQL = `version::text || ':' || xmin::text`;

/**
 * The vector branch without its final order (`ORDER BY s.distance, s.id`): the `limit` ($3) nearest chunks of the
 * collection ($2) to the query vector ($1) in the slot's columns, with their document's title; nothing when the collection
 * no longer names the query's embedder ($4) and slot. `filter` is metadataFilterSql's clause over `c.metadata`.
 */
function vectorSql(dimension: number, slot: VectorSlot, filter: string): string {
  const d = Math.trunc(dimension);
  const v = slotColumns(slot);
  return `SELECT s.id, s.document_id, d.title, s.text, s.metadata, s.start_offset, s.end_offset, s.heading, 1 - s.distance AS score, s.distance
       FROM (
         SELECT c.id, c.document_id, c.text, c.metadata, c.start_offset, c.end_offset, c.heading,
                c.${v.embedding}::vector(${d}) <=> $1::vector(${d}) AS distance
         FROM chunks c
         WHERE c.${v.dimension} = ${d} AND c.collection = $2${filter}
         ORDER BY c.${v.embedding}::vector(${d}) <=> $1::vector(${d})
         LIMIT $3
       ) s JOIN documents d ON d.id = s.document_id
       WHERE EXISTS (SELECT 1 FROM collections k WHERE k.name = $2 AND k.embedder_id = $4 AND k.vector_slot = ${slot === 1 ? 1 : 0})`;
}

/** A row of textQuerySql's `tq`: the query's lexemes side by side (null arrays: the query has none). */
interface TextQueryRow {
  version: string | null;
  n: number;
  avgdl: number;
  lexeme_ids: Array<string | null> | null;
  dfs: number[] | null;
  idfs: number[] | null;
}

/**
 * Common table expressions ending in `tq`: one row (none when the collection has no statistics) with the collection's
 * n, average length and postings version, and the query's distinct lexemes with their lexeme_stats ids (null: never
 * seen), document frequencies and idf as the SQL scorer computes them. Arguments: the placeholders of the text search
 * configuration, the query text and the collection.
 */
function textQuerySql(config: string, text: string, collection: string): string {
  return `st AS MATERIALIZED (
         SELECT greatest(chunk_count, 1)::float8 AS n, greatest(token_count::float8 / nullif(chunk_count, 0), 1) AS avgdl,
                ${POSTINGS_VERSION_SQL} AS version
         FROM collection_stats WHERE collection = ${collection}
       ), tq AS MATERIALIZED (
         SELECT st.version, st.n, st.avgdl, qa.lexeme_ids, qa.dfs, qa.idfs
         FROM st CROSS JOIN LATERAL (
           SELECT array_agg(s.id::text) AS lexeme_ids, array_agg(coalesce(s.df, 0)::int) AS dfs,
                  array_agg(ln(1 + (st.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5))) AS idfs
           FROM (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector(${config}::regconfig, ${text})) u) ql
           LEFT JOIN lexeme_stats s ON s.collection = ${collection} AND s.lexeme = ql.lexeme
         ) qa
       )`;
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
    ...(r.heading ? { heading: r.heading } : {}),
    score: Number(r.score),
    ...(r.coverage !== undefined && r.coverage !== null ? { coverage: Math.round(Number(r.coverage) * 1000) / 1000 } : {}),
  };
}

function toInfo(row: CollectionOrmEntity): CollectionInfo {
  return {
    name: row.name,
    embedderId: row.embedderId,
    dimension: row.dimension,
    slot: row.vectorSlot === 1 ? 1 : 0,
    textSearchConfig: row.textSearchConfig,
    createdAt: row.createdAt,
  };
}

/** The row count of a DELETE as `query` returns it ([rows, count] on both drivers). */
function deletedRows(res: unknown): number {
  return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
}
