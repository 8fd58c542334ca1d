import { Inject, Injectable } from '@nestjs/common';
import pgvector from 'pgvector';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, hnswIndexSql, managerFor, slotColumns, type VectorSlot } from '../../../../shared/database';
import { EmbedderSpec } from '../../application/ports/embedder.port';
import { ChunkText, ReindexStore } from '../../application/ports/reindex-store.port';
import { ReindexJob, ReindexStatus } from '../../application/reindex/reindex-job';
import { CollectionInfo } from '../../domain/chunk';
import { PgVectorIndexControl } from './pgvector.index-control';
import { CorpusStateCache } from './corpus-state.cache';

interface ReindexJobRow {
  id: string;
  collection: string;
  from_id: string;
  from_dimension: number;
  to_id: string;
  to_dimension: number;
  target: EmbedderSpec;
  status: ReindexStatus;
  total: number;
  done: number;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

/** Chunks whose new vectors one statement writes (see stage). */
const STAGE_STATEMENT_ROWS = 8;

const JOB_COLUMNS = 'id, collection, from_id, from_dimension, to_id, to_dimension, target, status, total, done, started_at, finished_at, error';

interface CollectionRow {
  name: string;
  embedder_id: string;
  dimension: number;
  vector_slot: number;
  text_search_config: string;
  created_at: Date;
}

/**
 * Re-indexing on Postgres: new vectors are written into the collection's other vector slot (searches read only the
 * collection's `vector_slot`), each chunk marked with the job (`reindexed_by`), in short statements; the cutover then
 * flips the collection row (embedder, dimension, slot) in one transaction that writes that row only. Every query
 * joins the caller's transaction when one is open (managerFor).
 */
@Injectable()
export class PgReindexStore implements ReindexStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly corpusStates: CorpusStateCache,
    private readonly indexes: PgVectorIndexControl,
  ) {}

  async countChunks(collection: string): Promise<number> {
    const [row]: Array<{ n: number }> = await managerFor(this.dataSource).query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1`, [
      collection,
    ]);
    return row.n;
  }

  unstagedPage(jobId: string, collection: string, afterId: string | undefined, limit: number): Promise<ChunkText[]> {
    return managerFor(this.dataSource).query(
      `SELECT c.id, c.text FROM chunks c
       WHERE c.collection = $2 AND ($3::uuid IS NULL OR c.id > $3::uuid) AND c.reindexed_by IS DISTINCT FROM $1::uuid
       ORDER BY c.id LIMIT $4`,
      [jobId, collection, afterId ?? null, limit],
    );
  }

  async stage(jobId: string, collection: string, slot: VectorSlot, dimension: number, rows: Array<{ id: string; embedding: Float32Array }>): Promise<number> {
    const c = slotColumns(slot);
    let written = 0;
    // A few rows a statement: each row's update also re-inserts it into the live slot's HNSW graph (a new row version),
    // and the embedded database runs one statement at a time, so other sessions' queries wait for one statement only.
    for (let i = 0; i < rows.length; i += STAGE_STATEMENT_ROWS) {
      const part = rows.slice(i, i + STAGE_STATEMENT_ROWS);
      // Only while the job is unfinished and the collection reads the other slot. KEY SHARE on the collection row: a
      // flip (FOR UPDATE) waits for this statement, or this statement waits for the flip and then writes nothing.
      const res: unknown = await managerFor(this.dataSource).query(
        `WITH k AS (SELECT 1 FROM collections WHERE name = $2 AND vector_slot <> $3::smallint FOR KEY SHARE),
              j AS (SELECT 1 FROM reindex_jobs WHERE id = $1 AND status IN ('queued', 'running'))
         UPDATE chunks c SET ${c.embedding} = u.embedding::vector, ${c.dimension} = $4, reindexed_by = $1
         FROM unnest($5::uuid[], $6::text[]) AS u(id, embedding)
         WHERE c.id = u.id AND c.collection = $2 AND EXISTS (SELECT 1 FROM k) AND EXISTS (SELECT 1 FROM j)`,
        [jobId, collection, slot, Math.trunc(dimension), part.map((r) => r.id), part.map((r) => pgvector.toSql(Array.from(r.embedding)))],
      );
      written += Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
    }
    return written;
  }

  async ensureDimensionIndex(dimension: number, slot: VectorSlot): Promise<void> {
    // a CLI import has dropped this index to build it once at its end (which then covers these rows too)
    if (slot === 0 && this.indexes.isSuspended(dimension)) return;
    await managerFor(this.dataSource).query(hnswIndexSql(dimension, slot));
  }

  async lockCollection(name: string): Promise<CollectionInfo | null> {
    const rows: CollectionRow[] = await managerFor(this.dataSource).query(
      `SELECT name, embedder_id, dimension, vector_slot, text_search_config::text AS text_search_config, created_at FROM collections WHERE name = $1 FOR UPDATE`,
      [name],
    );
    const r = rows[0];
    return r
      ? { name: r.name, embedderId: r.embedder_id, dimension: r.dimension, slot: r.vector_slot === 1 ? 1 : 0, textSearchConfig: r.text_search_config, createdAt: r.created_at }
      : null;
  }

  async cutover(jobId: string, collection: string, embedderId: string, dimension: number, slot: VectorSlot): Promise<number> {
    const em = managerFor(this.dataSource);
    const [count]: Array<{ n: number; missing: number }> = await em.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE reindexed_by IS DISTINCT FROM $1::uuid)::int AS missing FROM chunks WHERE collection = $2`,
      [jobId, collection],
    );
    if (count.missing > 0) throw new Error(`${count.missing} chunk(s) of "${collection}" have no new vector; cutover refused`);
    this.corpusStates.written(em); // the embedder is in every cached answer's key (dropped again at commit)
    await em.query(`UPDATE collections SET embedder_id = $2, dimension = $3, vector_slot = $4 WHERE name = $1`, [collection, embedderId, Math.trunc(dimension), slot]);
    this.corpusStates.written(em);
    return count.n;
  }

  async countStaged(jobId: string, collection: string): Promise<number> {
    const [row]: Array<{ n: number }> = await managerFor(this.dataSource).query(
      `SELECT count(*)::int AS n FROM chunks WHERE collection = $2 AND reindexed_by = $1::uuid`,
      [jobId, collection],
    );
    return row.n;
  }

  async createJob(job: ReindexJob, target: EmbedderSpec): Promise<void> {
    await managerFor(this.dataSource).query(
      `INSERT INTO reindex_jobs (id, collection, from_id, from_dimension, to_id, to_dimension, target, status, total, done, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [job.id, job.collection, job.from, job.fromDimension, job.to, job.toDimension, JSON.stringify(target), job.status, job.total, job.done, job.startedAt],
    );
  }

  async updateJob(job: ReindexJob): Promise<boolean> {
    // a SELECT over the UPDATE's RETURNING: the driver then answers rows (an UPDATE answers [rows, count])
    const rows: Array<{ id: string }> = await managerFor(this.dataSource).query(
      `WITH u AS (
         UPDATE reindex_jobs SET status = $2, total = $3, done = $4, finished_at = $5, error = $6
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING id
       ) SELECT id FROM u`,
      [job.id, job.status, job.total, job.done, job.finishedAt ?? null, job.error ?? null],
    );
    return rows.length > 0;
  }

  async failUnfinished(id: string, error: string, finishedAt: Date): Promise<ReindexJob | undefined> {
    const [row]: ReindexJobRow[] = await managerFor(this.dataSource).query(
      `WITH u AS (
         UPDATE reindex_jobs SET status = 'failed', finished_at = $3, error = $2
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${JOB_COLUMNS}
       ) SELECT * FROM u`,
      [id, error, finishedAt],
    );
    return row ? toJob(row) : undefined;
  }

  async lockUnfinished(id: string): Promise<boolean> {
    const rows: Array<{ status: ReindexStatus }> = await managerFor(this.dataSource).query(`SELECT status FROM reindex_jobs WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0]?.status === 'queued' || rows[0]?.status === 'running';
  }

  async findJob(id: string): Promise<{ job: ReindexJob; target: EmbedderSpec } | undefined> {
    const [row]: ReindexJobRow[] = await managerFor(this.dataSource).query(`SELECT ${JOB_COLUMNS} FROM reindex_jobs WHERE id = $1`, [id]);
    return row ? { job: toJob(row), target: row.target } : undefined;
  }

  async listJobs(limit: number): Promise<ReindexJob[]> {
    const rows: ReindexJobRow[] = await managerFor(this.dataSource).query(`SELECT ${JOB_COLUMNS} FROM reindex_jobs ORDER BY started_at DESC, id LIMIT $1`, [limit]);
    return rows.map(toJob);
  }

  async unfinishedJobs(): Promise<ReindexJob[]> {
    const rows: ReindexJobRow[] = await managerFor(this.dataSource).query(
      `SELECT ${JOB_COLUMNS} FROM reindex_jobs WHERE status IN ('queued', 'running') ORDER BY started_at, id`,
    );
    return rows.map(toJob);
  }
}

function toJob(r: ReindexJobRow): ReindexJob {
  return {
    id: r.id,
    collection: r.collection,
    from: r.from_id,
    fromDimension: r.from_dimension,
    to: r.to_id,
    toDimension: r.to_dimension,
    status: r.status,
    total: r.total,
    done: r.done,
    startedAt: new Date(r.started_at),
    ...(r.finished_at ? { finishedAt: new Date(r.finished_at) } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}
