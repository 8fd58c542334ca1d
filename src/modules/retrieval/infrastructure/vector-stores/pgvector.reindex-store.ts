import { Inject, Injectable } from '@nestjs/common';
import pgvector from 'pgvector';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, hnswIndexSql, managerFor } from '../../../../shared/database';
import { ChunkText, ReindexStore } from '../../application/ports/reindex-store.port';
import { CollectionInfo } from '../../domain/chunk';

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
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

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
    await em.query(`UPDATE collections SET embedder_id = $2, dimension = $3 WHERE name = $1`, [collection, embedderId, Math.trunc(dimension)]);
    await em.query(`DELETE FROM chunk_embeddings_staging WHERE job_id = $1`, [jobId]);
    return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
  }

  async clearStaging(jobId?: string): Promise<void> {
    const em = managerFor(this.dataSource);
    if (jobId) await em.query(`DELETE FROM chunk_embeddings_staging WHERE job_id = $1`, [jobId]);
    else await em.query(`DELETE FROM chunk_embeddings_staging`);
  }
}
