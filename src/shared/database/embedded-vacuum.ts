import type { ExclusiveWork } from './exclusive-work';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/**
 * The embedded database has no autovacuum (PGlite is one backend, no background workers), so without this the
 * tables written by ingestion are never vacuumed or analyzed:
 * - the postings written since the last VACUUM are not marked all-visible, and the text branch's index-only
 *   scans of `postings_pkey` fetch a heap page per posting instead of reading the index alone;
 * - `lexeme_stats` rows are updated by every ingest (document frequencies) and their dead versions pile up;
 * - the planner's statistics stay those of the last ANALYZE (a migration's, or none).
 *
 * Every `intervalMs` this measures, per table, the pages written since its last VACUUM (the relation's size against
 * `pg_class.relallvisible`) and vacuums the tables with at least `minPages` of them; ANALYZE is added when a table
 * has grown by a fifth (and `minPages`) since its statistics were taken. `chunks` is analyzed only (see below). So each run's work is bounded by what was written since the
 * previous run (a run during a long import covers one interval of writes), not by the size of the knowledge base.
 * It runs on a timer, never inside a request, but the embedded database serves one statement at a time: requests
 * arriving meanwhile wait for it (the log shows how long each run took).
 */
export const VACUUMED_TABLES = ['postings', 'lexeme_stats', 'chunks', 'documents'] as const;

export interface VacuumRun {
  table: string;
  /** Pages vacuumed: those not yet known all-visible before the run (0: only analyzed). */
  pages: number;
  analyzed: boolean;
  ms: number;
}

export class EmbeddedVacuum {
  private readonly logger = new Logger('Database');
  private timer?: NodeJS.Timeout;
  private running?: Promise<VacuumRun[]>;
  /** Heap pages of each table at its last ANALYZE (pg_class.relpages then), so growth triggers the next. */
  private readonly analyzedPages = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly opts: { intervalMs: number; minPages: number; statementTimeoutMs: number; exclusive?: ExclusiveWork },
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.opts.exclusive?.active) return; // the session is taken (an index build): next turn
      void this.run().catch((e: Error) => this.logger.warn(`vacuum skipped: ${e.message}`));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass (also callable directly, e.g. after a bulk import): the tables that need it, vacuumed. */
  run(minPages = this.opts.minPages): Promise<VacuumRun[]> {
    this.running ??= this.pass(minPages).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(minPages: number): Promise<VacuumRun[]> {
    if (!this.dataSource.isInitialized) return [];
    const rows = (await this.dataSource.query(
      `SELECT c.relname AS table, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages,
              c.relallvisible AS visible, c.relpages AS counted
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1)`,
      [[...VACUUMED_TABLES]],
    )) as Array<{ table: string; pages: number; visible: number; counted: number }>;
    const grown = (r: (typeof rows)[number]) => {
      if (!this.analyzedPages.has(r.table)) this.analyzedPages.set(r.table, r.counted);
      return r.pages - this.analyzedPages.get(r.table)! >= minPages && r.pages > 1.2 * this.analyzedPages.get(r.table)!;
    };
    const due = rows
      .map((r) => ({ ...r, vacuum: r.table !== 'chunks' && r.pages - r.visible >= Math.max(1, minPages), analyze: grown(r) }))
      .filter((r) => r.vacuum || r.analyze);
    if (due.length === 0) return [];
    const done: VacuumRun[] = [];
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // VACUUM cannot run in a transaction (so no SET LOCAL): lift the timeout for the session, then give it back.
      await runner.query('SET statement_timeout = 0');
      for (const r of due) {
        const t0 = Date.now();
        // (the table names are the constants above) `chunks` is only analyzed: a VACUUM would clean its HNSW index
        // of deleted rows by a pass over the whole graph (minutes at 100k chunks, every request waiting), and its
        // pages are read through that index, not by index-only scans.
        await runner.query(r.vacuum ? `VACUUM ${r.analyze ? '(ANALYZE) ' : ''}${r.table}` : `ANALYZE ${r.table}`);
        if (r.analyze) this.analyzedPages.set(r.table, r.pages);
        done.push({ table: r.table, pages: r.vacuum ? r.pages - r.visible : 0, analyzed: r.analyze, ms: Date.now() - t0 });
      }
    } finally {
      await runner.query(`SET statement_timeout = ${Math.trunc(this.opts.statementTimeoutMs)}`).catch(() => undefined);
      await runner.release();
    }
    this.logger.log(`vacuumed ${done.map((d) => `${d.table} (${d.pages} pages${d.analyzed ? ', analyzed' : ''}, ${d.ms} ms)`).join(', ')}`);
    return done;
  }
}
