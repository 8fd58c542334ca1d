import type { ExclusiveWork } from '../../../../shared/database';
import { randomUUID } from 'node:crypto';
import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { LongOperationLane } from '../../../../shared/jobs';
import { ClaimedJob, JobFile, JobListFilter, JobOutcomeListener, JobQueue, JobWorker, NewJob } from '../../application/ports/job-queue.port';
import { abandonedAfter, Job, JobError, JobInterruptedError, JobKind, JobProgress, JOB_STATES, JobState } from '../../domain/job';

export interface PostgresJobQueueOptions {
  maxAttempts: number;
  backoffMs: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** Whether this process runs jobs (jobs.embeddedWorker, or the worker process); false: it only enqueues. */
  consume: boolean;
  /** Told how each attempt ended (Prometheus). */
  onOutcome?: JobOutcomeListener;
  /** Long work holding the embedded database's session (an index build): no claim is tried meanwhile. */
  exclusive?: ExclusiveWork;
}

interface JobRow {
  id: string;
  kind: JobKind;
  state: JobState;
  params: Record<string, unknown>;
  progress: JobProgress;
  attempts: number;
  max_attempts: number;
  run_after: Date;
  result: unknown;
  error: JobError | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A job's state as callers see it: one whose process died (its lease expired unrenewed) is back in line, as on Bull. */
const STATE = `CASE WHEN state = 'active' AND lease_until < now() THEN 'waiting' ELSE state END`;
const COLUMNS = `id, kind, ${STATE} AS state, params, progress, attempts, max_attempts, run_after, result, error, created_at, started_at, finished_at`;
/** Progress is written at most this often (and with each lease renewal). */
const PROGRESS_EVERY_MS = 250;

/**
 * The JobQueue on Postgres (the embedded PGlite or a server): jobs and their bytes in the `jobs` and `job_files`
 * tables, run by this process in the long-operation lane. A job is claimed with a lease (FOR UPDATE SKIP LOCKED,
 * so processes sharing a database never run one twice) that its runner renews; a lease left to expire means its
 * process died, and the job is claimed again. Bad input fails at once; a transient failure waits its backoff and
 * runs again, up to jobs.maxAttempts tries. A job's bytes are deleted when it ends.
 */
export class PostgresJobQueue implements JobQueue, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private timer?: NodeJS.Timeout;
  private pumping = false;
  private pumpAgain = false;
  /** The pump's current round (its claim may be at the database): shutdown waits for it before the database closes. */
  private pumped: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly lane: LongOperationLane,
    private readonly worker: JobWorker,
    private readonly opts: PostgresJobQueueOptions,
  ) {}

  /** Jobs left waiting or running by an earlier process start now (those running resume once their lease expires). */
  onApplicationBootstrap(): void {
    if (!this.opts.consume) return;
    this.timer = setInterval(() => this.pump(), this.opts.pollIntervalMs);
    this.timer.unref();
    this.pump();
  }

  /** Stops claiming; running jobs stop at their next safe point and are handed back (waiting) for the next start. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.stop.abort();
    // A claim in flight ends before the database closes (onApplicationShutdown, after this): it was cut by the close
    // and logged "claiming a job failed: Connection terminated" at every stop while polling.
    await this.pumped.catch(() => undefined);
    await Promise.allSettled([...this.running]);
    await this.pumped.catch(() => undefined);
  }

  async enqueue(job: NewJob): Promise<Job> {
    const existing = await this.unfinishedWithKey(job.idempotencyKey);
    if (existing) return existing;
    const id = randomUUID();
    try {
      await this.dataSource.transaction(async (m) => {
        await m.query(`INSERT INTO jobs (id, kind, state, idempotency_key, params, progress, max_attempts) VALUES ($1, $2, 'waiting', $3, $4, '{"done": 0}', $5)`, [
          id,
          job.kind,
          job.idempotencyKey,
          JSON.stringify(job.params),
          this.opts.maxAttempts,
        ]);
        // one statement per file: a statement carries one file's bytes at most
        for (const [i, f] of job.files.entries()) {
          await m.query(`INSERT INTO job_files (job_id, position, filename, mime_type, content) VALUES ($1, $2, $3, $4, $5)`, [id, i, f.filename, f.mimeType ?? null, f.content]);
        }
      });
    } catch (e) {
      // the same request, enqueued concurrently, committed first (unique index on unfinished keys)
      const raced = (e as { code?: string }).code === '23505' ? await this.unfinishedWithKey(job.idempotencyKey) : undefined;
      if (raced) return raced;
      throw e;
    }
    this.pump();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Job | undefined> {
    const [row]: JobRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return row ? toJob(row) : undefined;
  }

  async list(filter: JobListFilter): Promise<{ items: Job[]; total: number }> {
    const state = filter.state ?? null;
    const rows: JobRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM jobs WHERE ($1::text IS NULL OR ${STATE} = $1) ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [state, filter.limit, filter.offset],
    );
    const [{ n }]: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE ($1::text IS NULL OR ${STATE} = $1)`, [state]);
    return { items: rows.map(toJob), total: n };
  }

  async counts(): Promise<Record<JobState, number>> {
    const rows: Array<{ state: JobState; n: number }> = await this.dataSource.query(`SELECT ${STATE} AS state, count(*)::int AS n FROM jobs GROUP BY 1`);
    const counts = Object.fromEntries(JOB_STATES.map((st) => [st, 0])) as Record<JobState, number>;
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  private outcome(kind: JobKind, outcome: 'completed' | 'failed' | 'retried'): void {
    try {
      this.opts.onOutcome?.(kind, outcome);
    } catch {
      // a metric never fails a job
    }
  }

  private async unfinishedWithKey(key: string): Promise<Job | undefined> {
    const [row]: JobRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM jobs WHERE idempotency_key = $1 AND state IN ('waiting', 'active')`, [key]);
    return row ? toJob(row) : undefined;
  }

  /** Claims jobs while the lane has a free slot; each runs in that slot. */
  private pump(): void {
    if (this.stop.signal.aborted || !this.opts.consume) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumped = (async () => {
      try {
        do {
          this.pumpAgain = false;
          for (let release = this.lane.tryAcquire(); release; release = this.lane.tryAcquire()) {
            const claimed =
              this.stop.signal.aborted || this.opts.exclusive?.active
                ? undefined
                : await this.claim().catch((e: Error) => (this.stop.signal.aborted ? undefined : this.warn('claiming a job failed', e)));
            if (!claimed) {
              release();
              break;
            }
            const run = this.execute(claimed)
              .catch((e: Error) => this.warn(`job ${claimed.job.id}: recording its outcome failed (it runs again when its lease expires)`, e))
              .finally(() => {
                release();
                this.running.delete(run);
                this.pump();
              });
            this.running.add(run);
          }
        } while (this.pumpAgain);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async claim(): Promise<ClaimedJob | undefined> {
    // a SELECT over the UPDATE's RETURNING: the driver then answers rows (an UPDATE answers [rows, count])
    const rows: JobRow[] = await this.dataSource.query(
      `WITH next AS (
         SELECT id FROM jobs
          WHERE (state = 'waiting' AND run_after <= now()) OR (state = 'active' AND lease_until < now())
          ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE jobs j SET state = 'active', attempts = j.attempts + 1, lease_until = now() + $1 * interval '1 millisecond',
                           started_at = coalesce(j.started_at, now())
           FROM next WHERE j.id = next.id
         RETURNING j.*
       )
       SELECT ${COLUMNS} FROM claimed`,
      [this.opts.leaseMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    const job = toJob(row);
    if (job.attempts > job.maxAttempts) {
      // started that many times without an outcome: its process died each time (a file that crashes it?). Never again.
      const error = abandonedAfter(job.maxAttempts);
      await this.finish(job.id, 'failed', null, error);
      this.logger.error(`job ${job.id} (${job.kind}) abandoned after ${job.maxAttempts} interrupted attempts`);
      await this.worker.abandoned?.({ job: { ...job, state: 'failed', error }, params: row.params }, error).catch((e: Error) => this.logger.warn(`job ${job.id}: closing its record failed: ${e.message}`));
      this.outcome(job.kind, 'failed');
      return this.claim();
    }
    const files: Array<{ filename: string; mime_type: string | null; content: Buffer }> = await this.dataSource.query(
      `SELECT filename, mime_type, content FROM job_files WHERE job_id = $1 ORDER BY position`,
      [job.id],
    );
    return { job, params: row.params, files: files.map((f): JobFile => ({ filename: f.filename, mimeType: f.mime_type ?? undefined, content: f.content })) };
  }

  private async execute(claimed: ClaimedJob): Promise<void> {
    const { job } = claimed;
    const started = Date.now();
    let progress: JobProgress = job.progress;
    let written = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const save = () => {
      written = Date.now();
      const p = JSON.stringify(progress);
      writing = writing
        .then(() =>
          this.dataSource.query(`UPDATE jobs SET progress = $2, lease_until = now() + $3 * interval '1 millisecond' WHERE id = $1 AND state = 'active'`, [
            job.id,
            p,
            this.opts.leaseMs,
          ]),
        )
        .catch((e: Error) => this.warn(`job ${job.id}: saving progress failed`, e));
    };
    const renew = setInterval(save, Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    renew.unref();
    this.logger.log(`job ${job.id} (${job.kind}) started, attempt ${job.attempts} of ${job.maxAttempts}`);
    try {
      const result = await this.worker.run(claimed, {
        signal: this.stop.signal,
        progress: (p) => {
          progress = p;
          if (Date.now() - written >= PROGRESS_EVERY_MS) save();
        },
      });
      clearInterval(renew);
      await writing;
      await this.finish(job.id, 'completed', result ?? null, null, progress);
      this.outcome(job.kind, 'completed');
      this.logger.log(`job ${job.id} (${job.kind}) completed in ${Date.now() - started} ms`);
    } catch (e) {
      clearInterval(renew);
      await writing;
      if (e instanceof JobInterruptedError || this.stop.signal.aborted) {
        // not the job's fault: back to waiting, this attempt not counted
        await this.dataSource.query(
          `UPDATE jobs SET state = 'waiting', attempts = greatest(attempts - 1, 0), lease_until = NULL, run_after = now(), progress = $2 WHERE id = $1`,
          [job.id, JSON.stringify(progress)],
        );
        this.logger.log(`job ${job.id} (${job.kind}) handed back: the process is stopping`);
        return;
      }
      const { error, retryable } = this.worker.describeFailure(e);
      if (error.status >= 500 && !retryable) this.logger.error({ err: e }, `job ${job.id} (${job.kind}) failed: ${error.detail}`);
      if (retryable && job.attempts < job.maxAttempts) {
        const delay = this.opts.backoffMs * 2 ** (job.attempts - 1);
        await this.dataSource.query(
          `UPDATE jobs SET state = 'waiting', lease_until = NULL, run_after = now() + $2 * interval '1 millisecond', error = $3, progress = $4 WHERE id = $1`,
          [job.id, delay, JSON.stringify(error), JSON.stringify(progress)],
        );
        this.logger.warn(`job ${job.id} (${job.kind}) failed with ${error.code}, retrying in ${delay} ms (attempt ${job.attempts} of ${job.maxAttempts})`);
        this.outcome(job.kind, 'retried');
        return;
      }
      await this.finish(job.id, 'failed', null, error, progress);
      this.outcome(job.kind, 'failed');
      this.logger.warn(`job ${job.id} (${job.kind}) failed: ${error.code} after ${job.attempts} attempt(s)`);
    }
  }

  /** The outcome and the end of the job's bytes, in one transaction. */
  private async finish(id: string, state: 'completed' | 'failed', result: unknown, error: JobError | null, progress?: JobProgress): Promise<void> {
    await this.dataSource.transaction(async (m: EntityManager) => {
      await m.query(
        `UPDATE jobs SET state = $2, result = $3, error = $4, progress = coalesce($5, progress), lease_until = NULL, finished_at = now() WHERE id = $1`,
        [id, state, result === null ? null : JSON.stringify(result), error ? JSON.stringify(error) : null, progress ? JSON.stringify(progress) : null],
      );
      await m.query(`DELETE FROM job_files WHERE job_id = $1`, [id]);
    });
  }

  private warn(what: string, e: Error): undefined {
    this.logger.warn(`${what}: ${e.message}`);
    return undefined;
  }
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    progress: r.progress ?? { done: 0 },
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    ...(r.result !== null && r.result !== undefined ? { result: r.result } : {}),
    ...(r.error ? { error: r.error } : {}),
    createdAt: new Date(r.created_at),
    ...(r.started_at ? { startedAt: new Date(r.started_at) } : {}),
    ...(r.finished_at ? { finishedAt: new Date(r.finished_at) } : {}),
    runAfter: new Date(r.run_after),
  };
}
