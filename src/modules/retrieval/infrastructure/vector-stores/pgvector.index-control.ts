import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DATA_SOURCE, DATABASE_STATE, type DatabaseState, hnswIndexName, hnswIndexSql, managerFor, slotColumns, type VectorSlot } from '../../../../shared/database';
import { VectorIndexControl } from '../../application/ports/vector-store.port';

/** maintenance_work_mem for a build: the graph of 100k 384-d vectors fits in about 200MB; more only helps larger ones. */
const BUILD_MEMORY = '512MB';

/**
 * Drops and builds the partial HNSW index of a dimension (`chunks_<embedding column>_hnsw_<d>`, hnswIndexSql) around a
 * large import. A dropped dimension is `suspended` until it is built again: PgVectorStore.ensureCollection does not
 * create it for a new collection meanwhile (every row of the import would then go into the graph one by one).
 */
@Injectable()
export class PgVectorIndexControl implements VectorIndexControl {
  private readonly suspended = new Set<number>();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_STATE) private readonly database: DatabaseState,
  ) {}

  isSuspended(dimension: number): boolean {
    return this.suspended.has(Math.trunc(dimension));
  }

  async indexedRows(dimension: number, atMost: number): Promise<number> {
    const [row]: Array<{ n: number }> = await managerFor(this.dataSource).query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM chunks WHERE dimension = $1 LIMIT $2) r`,
      [Math.trunc(dimension), Math.max(0, Math.trunc(atMost))],
    );
    return row.n;
  }

  async dropIndex(dimension: number): Promise<void> {
    const d = Math.trunc(dimension);
    this.suspended.add(d);
    await managerFor(this.dataSource).query(`DROP INDEX IF EXISTS ${hnswIndexName(d, 0)}`);
  }

  /**
   * On a connection of its own with statement_timeout off (the embedded server enforces each connection's timeout, and
   * a build over 100k rows takes minutes) and maintenance_work_mem raised, both set back before it returns to the pool:
   * the timeout SET to the configured value rather than RESET, because on the embedded engine every connection shares
   * one session, where RESET would leave PGlite's default (0) for all of them.
   */
  async buildIndex(dimension: number, slot: VectorSlot = 0): Promise<boolean> {
    const d = Math.trunc(dimension);
    if (await this.exists(d, slot)) {
      if (slot === 0) this.suspended.delete(d);
      return false;
    }
    // the background pollers skip their turns while the build holds the embedded session
    const done = this.database.exclusive.begin(`building the vector index for dimension ${d}`);
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.query('SET statement_timeout = 0');
      await runner.query(`SET maintenance_work_mem = '${BUILD_MEMORY}'`);
      await runner.query(hnswIndexSql(d, slot));
      await runner.query('ANALYZE chunks');
    } finally {
      // after a failed build the connection may be gone (the embedded server restarts its engine): released anyway
      await runner.query('RESET maintenance_work_mem').catch(() => undefined);
      await runner.query(`SET statement_timeout = ${Math.trunc(this.config.database.statementTimeoutMs)}`).catch(() => undefined);
      await runner.release();
      done();
    }
    if (slot === 0) this.suspended.delete(d);
    return true;
  }

  async missingIndexes(): Promise<Array<{ dimension: number; slot: 0 | 1; rows: number }>> {
    const needed: Array<{ dimension: number; vector_slot: number }> = await managerFor(this.dataSource).query(
      `SELECT DISTINCT dimension, vector_slot FROM collections ORDER BY dimension, vector_slot`,
    );
    const out: Array<{ dimension: number; slot: 0 | 1; rows: number }> = [];
    for (const n of needed) {
      const slot: VectorSlot = n.vector_slot === 1 ? 1 : 0;
      const d = Math.trunc(n.dimension);
      if (await this.exists(d, slot)) continue;
      const c = slotColumns(slot);
      const [row]: Array<{ n: number }> = await managerFor(this.dataSource).query(
        `SELECT count(*)::int AS n FROM chunks WHERE ${c.dimension} = $1`,
        [d],
      );
      out.push({ dimension: d, slot, rows: row.n });
    }
    return out;
  }

  private async exists(dimension: number, slot: VectorSlot): Promise<boolean> {
    const [row]: Array<{ found: boolean }> = await managerFor(this.dataSource).query(
      `SELECT to_regclass($1) IS NOT NULL AS found`,
      [hnswIndexName(dimension, slot)],
    );
    return row.found;
  }
}
