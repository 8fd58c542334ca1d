import { Inject, Injectable } from '@nestjs/common';
import pgvector from 'pgvector';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, hnswIndexSql, managerFor } from '../../../../shared/database';
import { EmbedderSpec } from '../../application/ports/embedder.port';
import { ChunkText, ReindexStore } from '../../application/ports/reindex-store.port';
import { ReindexJob, ReindexStatus } from '../../application/reindex/reindex-job';
import { CollectionInfo } from '../../domain/chunk';
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

const JOB_COLUMNS = 'id, collection, from_id, from_dimension, to_id, to_dimension, target, status, total, done, started_at, finished_at, error';

interface CollectionRow {
  name: string;
  embedder_id: string;
  dimension: number;
  text_search_config: string;
  created_at: Date;
}

/**
 * Staged re-indexing on Postgres: new vectors wait in `chunk_embeddings_staging` (never read by searches)
 * until one transaction copies them into `chunks` and re-binds the collection. Every query joins the
 * caller's transaction when one is open (managerFor).
 */
@Injectable()
export class PgReindexStore implements ReindexStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly corpusStates: CorpusStateCache,
  ) {}

  async countChunks(collection: string): Promise<number> {
    const [row]: Array<{ n: number }> = await managerFor(this.dataSource).query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1`, [
      collection,
    ]);
    return row.n;
  }

  chunkPage(collection: string, afterId: string | undefined, limit: number): Promise<ChunkText[]> {
    return managerFor(this.dataSource).query(
      `SELECT id, text FROM chunks WHERE collection = $1 AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3`,
      [collection, afterId ?? null, limit],
    );
  }

  unstagedPage(jobId: string, collection: string, afterId: string | undefined, limit: number): Promise<ChunkText[]> {
    return managerFor(this.dataSource).query(
      `SELECT c.id, c.text FROM chunks c
       WHERE c.collection = $2 AND ($3::uuid IS NULL OR c.id > $3::uuid)
         AND NOT EXISTS (SELECT 1 FROM chunk_embeddings_staging s WHERE s.job_id = $1 AND s.chunk_id = c.id)
       ORDER BY c.id LIMIT $4`,
      [jobId, collection, afterId ?? null, limit],
    );
  }

  async stage(jobId: string, dimension: number, rows: Array<{ id: string; embedding: Float32Array }>): Promise<void> {
    if (rows.length === 0) return;
    await managerFor(this.dataSource).query(
      `INSERT INTO chunk_embeddings_staging (job_id, chunk_id, dimension, embedding)
       SELECT $1, u.id, $2, u.embedding::vector FROM unnest($3::uuid[], $4::text[]) AS u(id, embedding)
       ON CONFLICT (job_id, chunk_id) DO UPDATE SET dimension = EXCLUDED.dimension, embedding = EXCLUDED.embedding`,
      [jobId, Math.trunc(dimension), rows.map((r) => r.id), rows.map((r) => pgvector.toSql(Array.from(r.embedding)))],
    );
  }

  async ensureDimensionIndex(dimension: number): Promise<void> {
    await managerFor(this.dataSource).query(hnswIndexSql(dimension));
  }

  async lockCollection(name: string): Promise<CollectionInfo | null> {
    const rows: CollectionRow[] = await managerFor(this.dataSource).query(
      `SELECT name, embedder_id, dimension, text_search_config::text AS text_search_config, created_at FROM collections WHERE name = $1 FOR UPDATE`,
      [name],
    );
    const r = rows[0];
    return r ? { name: r.name, embedderId: r.embedder_id, dimension: r.dimension, textSearchConfig: r.text_search_config, createdAt: r.created_at } : null;
  }

  async cutover(jobId: string, collection: string, embedderId: string, dimension: number): Promise<number> {
    const em = managerFor(this.dataSource);
    // a large collection's UPDATE (and the HNSW inserts it implies) may outlast the per-statement timeout
    await em.query(`SET LOCAL statement_timeout = 0`);
    const [missing]: Array<{ n: number }> = await em.query(
      `SELECT count(*)::int AS n FROM chunks c
       WHERE c.collection = $2
         AND NOT EXISTS (SELECT 1 FROM chunk_embeddings_staging s WHERE s.job_id = $1 AND s.chunk_id = c.id AND s.dimension = $3)`,
      [jobId, collection, Math.trunc(dimension)],
    );
    if (missing.n > 0) throw new Error(`${missing.n} chunk(s) of "${collection}" have no new vector; cutover refused`);
    const res: unknown = await em.query(
      `UPDATE chunks c SET embedding = s.embedding, dimension = s.dimension
       FROM chunk_embeddings_staging s
       WHERE s.job_id = $1 AND s.chunk_id = c.id AND c.collection = $2`,
      [jobId, collection],
    );
    this.corpusStates.written(em); // the embedder is in every cached answer's key (dropped again at commit)
    await em.query(`UPDATE collections SET embedder_id = $2, dimension = $3 WHERE name = $1`, [collection, embedderId, Math.trunc(dimension)]);
    this.corpusStates.written(em);
    await em.query(`DELETE FROM chunk_embeddings_staging WHERE job_id = $1`, [jobId]);
    return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
  }

  async clearStaging(jobId: string): Promise<void> {
    await managerFor(this.dataSource).query(`DELETE FROM chunk_embeddings_staging WHERE job_id = $1`, [jobId]);
  }

  async clearOrphanStaging(): Promise<void> {
    await managerFor(this.dataSource).query(
      `DELETE FROM chunk_embeddings_staging s
       WHERE NOT EXISTS (SELECT 1 FROM reindex_jobs j WHERE j.id = s.job_id AND j.status IN ('queued', 'running'))`,
    );
  }

  async countStaged(jobId: string): Promise<number> {
    const [row]: Array<{ n: number }> = await managerFor(this.dataSource).query(`SELECT count(*)::int AS n FROM chunk_embeddings_staging WHERE job_id = $1`, [jobId]);
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
