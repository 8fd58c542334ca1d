import { randomUUID } from 'node:crypto';
import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job as BullJob, JobStatus, Queue } from 'bull';
import { LongOperationLane } from '../../../../shared/jobs';
import { JobFile, JobListFilter, JobOutcome, JobOutcomeListener, JobQueue, JobWorker, NewJob } from '../../application/ports/job-queue.port';
import { abandonedAfter, Job, JobError, JobInterruptedError, JobKind, JobProgress, JobQueueUnavailableError, JobState } from '../../domain/job';

export interface BullJobQueueOptions {
  maxAttempts: number;
  backoffMs: number;
  /** Whether this process runs jobs (jobs.embeddedWorker, or the worker process). */
  consume: boolean;
  /** The queue's Redis key prefix (jobs.redisPrefix): the idempotency keys sit beside Bull's. */
  redisPrefix: string;
  /**
   * The longest a request waits on Redis before it answers 503 INGESTION.QUEUE_UNAVAILABLE (jobs.redisTimeoutMs): a
   * Redis that hangs, or dies between the status check and its reply, would otherwise hold the request.
   */
  redisTimeoutMs: number;
  /** Told how each attempt ended (Prometheus). */
  onOutcome?: JobOutcomeListener;
}

/** What a Bull job carries in Redis: the use case's parameters and its bytes (base64, dropped when the job ends). */
export interface BullJobData {
  kind: JobKind;
  params: Record<string, unknown>;
  files: Array<{ filename: string; mimeType?: string; content: string }>;
  idempotencyKey: string;
  /** The last failure: the problem the synchronous route would have answered. */
  error?: JobError;
}

const STATES: Record<JobState, JobStatus[]> = {
  waiting: ['waiting', 'delayed', 'paused'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};
const ALL_STATUSES = Object.values(STATES).flat();
/** The step of the Redis call bound (bounded()). */
const TICK_MS = 100;
/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 250;
/** How long an idempotency key points at its job (a retry of the same POST comes within minutes). */
const IDEMPOTENCY_TTL_S = 24 * 3600;

/**
 * The JobQueue on Bull (Redis), the queue @nestjs/bull registers when jobs.backend resolves to `bull`. Jobs, their
 * state, progress, result and error live in Redis; any process holding the queue enqueues, and those with
 * `consume` (the worker, and the API unless WORKER_EMBEDDED=false) run them in their long-operation lane. Retries
 * with exponential backoff are Bull's (`attempts`, `backoff`); bad input is discarded at once; a process that dies
 * mid-job leaves a lock that expires (jobs.leaseMs), and Bull's stalled-job check hands the job to the next worker.
 * Completed and failed jobs are kept, their bytes dropped.
 */
export class BullJobQueue implements JobQueue, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly stop = new AbortController();

  constructor(
    private readonly queue: Queue<BullJobData>,
    private readonly lane: LongOperationLane,
    private readonly worker: JobWorker,
    private readonly opts: BullJobQueueOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.on('error', (e: Error) => this.logger.warn(`Redis: ${e.message}`));
    if (!this.opts.consume || this.lane.concurrency === 0) return;
    // failed without our processor's verdict (which writes data.error first): Bull's stalled-job check gave it up
    // after maxStalledCount (jobs.maxAttempts) lost locks, its process stopping each time
    this.queue.on('failed', (job: BullJob<BullJobData>, err: Error) => {
      if (job.data.error || !this.worker.abandoned) return;
      const error = abandonedError(job.failedReason ?? err.message);
      this.logger.error(`job ${job.id} (${job.data.kind}) abandoned: ${err.message}`);
      void this.worker.abandoned({ job: { ...toJob(job, 'failed'), error }, params: job.data.params }, error).catch((e: Error) => this.logger.warn(`job ${job.id}: closing its record failed: ${e.message}`));
    });
    // the promise settles only when the queue closes; errors of the processing loop arrive as 'error' events
    void this.queue.process(this.lane.concurrency, (job) => this.execute(job)).catch((e: Error) => this.logger.warn(`job processing stopped: ${e.message}`));
  }

  /**
   * Stops taking jobs. A running job stops at its next safe point and is left active: its lock expires and the
   * stalled-job check of the next worker (or of this one restarted) runs it again.
   */
  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    if (this.queue.client.status !== 'ready') {
      // Redis down: Bull's close() reconnects its blocking client first and can wait for Redis forever. Drop the
      // clients, stop Bull's timers and mark the queue closed (its loops and @nestjs/bull's close() see `closing`).
      for (const c of this.queue.clients) c.disconnect();
      const q = this.queue as unknown as { closing?: Promise<unknown>; _clearTimers(): Promise<unknown> };
      q.closing = Promise.race([q._clearTimers().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      await q.closing;
      return;
    }
    await this.queue.close(true).catch(() => undefined);
  }

  enqueue(job: NewJob): Promise<Job> {
    return this.bounded((live) => this.enqueueOnce(job, live));
  }

  private async enqueueOnce(job: NewJob, live: () => void): Promise<Job> {
    const keyName = `${this.opts.redisPrefix}:${this.queue.name}:idempotency:${job.idempotencyKey}`;
    const id = randomUUID();
    for (let tries = 0; tries < 3; tries++) {
      const previous = await this.queue.client.get(keyName);
      live();
      if (previous) {
        const existing = await this.lookup(previous);
        live();
        if (existing && (existing.state === 'waiting' || existing.state === 'active')) return existing;
      }
      // the key moves to the new job only if nobody moved it meanwhile (the same request enqueued concurrently)
      const claimed = previous
        ? (await this.queue.client.eval(
            `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return false end`,
            1,
            keyName,
            previous,
            id,
            IDEMPOTENCY_TTL_S,
          ))
        : await this.queue.client.set(keyName, id, 'EX', IDEMPOTENCY_TTL_S, 'NX');
      live();
      if (!claimed) continue;
      const data: BullJobData = {
        kind: job.kind,
        params: job.params,
        files: job.files.map((f) => ({ filename: f.filename, mimeType: f.mimeType, content: f.content.toString('base64') })),
        idempotencyKey: job.idempotencyKey,
      };
      const added = await this.queue.add(data, {
        jobId: id,
        attempts: this.opts.maxAttempts,
        backoff: { type: 'exponential', delay: this.opts.backoffMs },
        removeOnComplete: false,
        removeOnFail: false,
      });
      return toJob(added, 'waiting');
    }
    throw new Error('the same job is being enqueued concurrently; try again');
  }

  get(id: string): Promise<Job | undefined> {
    return this.bounded(() => this.lookup(id));
  }

  private async lookup(id: string): Promise<Job | undefined> {
    const job = await this.queue.getJob(id);
    return job ? withState(job) : undefined;
  }

  list(filter: JobListFilter): Promise<{ items: Job[]; total: number }> {
    return this.bounded(() => this.listOnce(filter));
  }

  private async listOnce(filter: JobListFilter): Promise<{ items: Job[]; total: number }> {
    const statuses = filter.state ? STATES[filter.state] : ALL_STATUSES;
    // active jobs whose process died read waiting (withState): a state filter and its total follow them
    const lost = filter.state === 'waiting' || filter.state === 'active' ? await this.activeWithoutLock() : [];
    const lostIds = new Set(lost.map((j) => String(j.id)));
    // each status's newest offset+limit, merged newest first
    const [jobs, total] = await Promise.all([
      this.queue.getJobs(statuses, 0, filter.offset + filter.limit - 1, false),
      this.queue.getJobCountByTypes(statuses),
    ]);
    const present = jobs.filter((j): j is BullJob<BullJobData> => !!j && !lostIds.has(String(j.id)));
    if (filter.state === 'waiting') present.push(...lost);
    present.sort((a, b) => b.timestamp - a.timestamp || String(a.id).localeCompare(String(b.id)));
    const page = present.slice(filter.offset, filter.offset + filter.limit);
    const items = await Promise.all(page.map((j) => withState(j)));
    return { items, total: total + (filter.state === 'waiting' ? lost.length : filter.state === 'active' ? -lost.length : 0) };
  }

  counts(): Promise<Record<JobState, number>> {
    return this.bounded(async () => {
      const c = (await this.queue.getJobCounts()) as unknown as Partial<Record<JobStatus, number>>;
      const lost = (await this.lostActiveIds()).length;
      const n = (statuses: JobStatus[]) => statuses.reduce((sum, st) => sum + (c[st] ?? 0), 0);
      return { waiting: n(STATES.waiting) + lost, active: n(STATES.active) - lost, completed: n(STATES.completed), failed: n(STATES.failed) };
    });
  }

  /** Bull's active jobs that no process holds (their lock lapsed: the process died); few, as active jobs are. */
  private async activeWithoutLock(): Promise<Array<BullJob<BullJobData>>> {
    const jobs = await Promise.all((await this.lostActiveIds()).map((id) => this.queue.getJob(id)));
    return jobs.filter((j): j is BullJob<BullJobData> => !!j);
  }

  /**
   * The ids of activeWithoutLock, read from the active list and the lock keys alone: a job's hash holds its uploaded
   * files (base64, up to 20 MiB each), which every /metrics scrape loaded through getJobs (review s15).
   */
  private async lostActiveIds(): Promise<string[]> {
    const ids = await this.queue.client.lrange(this.queue.toKey('active'), 0, -1);
    if (ids.length === 0) return [];
    const locked = await Promise.all(ids.map((id) => this.queue.client.exists(`${this.queue.toKey(id)}:lock`)));
    return ids.filter((_, i) => locked[i] === 0);
  }

  private outcome(kind: JobKind, outcome: JobOutcome): void {
    try {
      this.opts.onOutcome?.(kind, outcome);
    } catch {
      // a metric never fails a job
    }
  }

  /**
   * Runs one request's Redis calls, bounded. Redis down (the client not `ready`): 503 at once instead of queueing
   * the commands until it reconnects. Redis hung or dying mid-call: 503 after redisTimeoutMs at most (the command
   * client also gives up on its in-flight commands at the second failed reconnect, maxRetriesPerRequest 1 in
   * IngestQueueModule); `live()` throws once the caller has had its 503, so a late reply starts nothing more (no
   * job enqueued behind an answered 503).
   */
  private async bounded<T>(run: (live: () => void) => Promise<T>): Promise<T> {
    if (this.queue.client.status !== 'ready') throw new JobQueueUnavailableError();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const live = () => {
      if (timedOut) throw new JobQueueUnavailableError();
    };
    const work = run(live).catch((e: unknown) => {
      // a Redis error (connection lost, retries exhausted) is the same outage as a status that is not ready
      if (e instanceof JobQueueUnavailableError || this.queue.client.status !== 'ready' || isConnectionError(e)) throw new JobQueueUnavailableError();
      throw e;
    });
    const deadline = new Promise<never>((_, reject) => {
      // counts time the event loop was free to read Redis's reply: a busy process (a loaded machine, a long
      // synchronous step) is not a hung Redis, and a multi-command call needs loop turns between its replies
      let waited = 0;
      let last = Date.now();
      const tick = () => {
        const now = Date.now();
        waited += Math.min(now - last, 2 * TICK_MS);
        last = now;
        if (waited < this.opts.redisTimeoutMs) {
          timer = setTimeout(tick, TICK_MS);
          return;
        }
        timedOut = true;
        reject(new JobQueueUnavailableError());
      };
      timer = setTimeout(tick, TICK_MS);
    });
    work.catch(() => undefined); // settled after the deadline: nobody awaits it any more
    try {
      return await Promise.race([work, deadline]);
    } finally {
      deadline.catch(() => undefined);
      clearTimeout(timer);
    }
  }

  private async execute(job: BullJob<BullJobData>): Promise<unknown> {
    const release = await this.lane.acquire(this.stop.signal).catch(() => undefined);
    if (!release) return interrupted();
    const { stalls } = await runsOf(job);
    const attempt = job.attemptsMade + stalls + 1;
    const started = Date.now();
    let written = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const { kind } = job.data;
    const maxAttempts = job.opts.attempts ?? 1;
    if (attempt > maxAttempts) {
      // started that many times, its process dying each time (Bull's stalls): never again, as on Postgres
      release();
      return this.abandon(job, stalls);
    }
    this.logger.log(`job ${job.id} (${kind}) started, attempt ${attempt} of ${maxAttempts}`);
    try {
      const files = job.data.files.map((f): JobFile => ({ filename: f.filename, mimeType: f.mimeType, content: Buffer.from(f.content, 'base64') }));
      const result = await this.worker.run(
        { job: toJob(job, 'active', stalls), params: job.data.params, files },
        {
          signal: this.stop.signal,
          progress: (p: JobProgress) => {
            if (Date.now() - written < PROGRESS_EVERY_MS && p.done !== p.total) return;
            written = Date.now();
            writing = writing.then(() => job.progress(p)).catch((e: Error) => this.logger.warn(`job ${job.id}: saving progress failed: ${e.message}`));
          },
        },
      );
      await writing;
      await job.update({ ...job.data, files: [] });
      this.logger.log(`job ${job.id} (${kind}) completed in ${Date.now() - started} ms`);
      this.outcome(kind, 'completed');
      return result ?? null;
    } catch (e) {
      await writing;
      if (e instanceof JobInterruptedError || this.stop.signal.aborted) {
        this.logger.log(`job ${job.id} (${kind}) handed back: the process is stopping`);
        return interrupted();
      }
      const { error, retryable } = this.worker.describeFailure(e);
      const last = !retryable || attempt >= maxAttempts;
      if (error.status >= 500 && !retryable) this.logger.error({ err: e }, `job ${job.id} (${kind}) failed: ${error.detail}`);
      await job.update({ ...job.data, error, files: last ? [] : job.data.files });
      if (!retryable) await job.discard();
      this.outcome(kind, last ? 'failed' : 'retried');
      if (last) this.logger.warn(`job ${job.id} (${kind}) failed: ${error.code} after ${attempt} attempt(s)`);
      else this.logger.warn(`job ${job.id} (${kind}) failed with ${error.code}, retrying (attempt ${attempt} of ${job.opts.attempts})`);
      throw new Error(error.detail);
    } finally {
      release();
    }
  }

  /** Fails a job started jobs.maxAttempts times without an outcome with Postgres's JOB.ABANDONED, and closes its record. */
  private async abandon(job: BullJob<BullJobData>, stalls: number): Promise<never> {
    const error = abandonedAfter(job.opts.attempts ?? 1);
    this.logger.error(`job ${job.id} (${job.data.kind}) abandoned after ${job.attemptsMade + stalls} interrupted attempts`);
    await job.update({ ...job.data, error, files: [] });
    await job.discard();
    this.outcome(job.data.kind, 'failed');
    await this.worker.abandoned?.({ job: { ...toJob(job, 'failed', stalls + 1), error }, params: job.data.params }, error).catch((e: Error) => this.logger.warn(`job ${job.id}: closing its record failed: ${e.message}`));
    throw new Error(error.detail);
  }
}

/** ioredis's errors for a connection that is gone (closed stream, retries exhausted, offline queue off). */
function isConnectionError(e: unknown): boolean {
  const name = e instanceof Error ? e.name : '';
  const message = e instanceof Error ? e.message : '';
  return name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET/.test(message);
}

/** A job this process gives up because it is stopping: left active, never settled, so its lock lapses and it runs again. */
function interrupted(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/**
 * The job with its state. The state is read after the job's hash: a job that ended in between would pair its
 * old hash (attempts, error not yet written) with its final state, so an ended job's hash is read again (Bull
 * writes the outcome and the state change in one MULTI). An active job whose lock is gone lost its process
 * (SIGKILL, OOM, a stop): it reads `waiting`, as it is for the stalled-job check of any live worker, which puts
 * it back in the wait list (with no worker alive Bull would leave it active for good).
 */
async function withState(j: BullJob<BullJobData>, reread = true): Promise<Job> {
  const status = await j.getState();
  const fresh = status === 'completed' || status === 'failed' ? (((await j.queue.getJob(j.id)) as BullJob<BullJobData> | null) ?? j) : j;
  const { stalls, locked } = await runsOf(fresh);
  // no lock: its process died, or it ended just now (then its hash is read again)
  if (status === 'active' && !locked && reread && (await j.getState()) !== 'active') return withState(((await j.queue.getJob(j.id)) as BullJob<BullJobData> | null) ?? j, false);
  return toJob(fresh, status, stalls, status === 'active' && !locked);
}

/**
 * Bull's count of the runs of a job whose process died (`stalledCounter`, kept in the job's hash but not read
 * into its Job object), and whether a process holds it now (its lock).
 */
async function runsOf(j: BullJob<BullJobData>): Promise<{ stalls: number; locked: boolean }> {
  const [[, stalls], [, locked]] = (await j.queue.client.multi().hget(j.queue.toKey(String(j.id)), 'stalledCounter').exists(j.lockKey()).exec()) as [[unknown, string | null], [unknown, number]];
  return { stalls: Number(stalls) || 0, locked: locked === 1 };
}

/**
 * The job as callers see it. `attempts` counts its starts, as the Postgres backend does: the failed attempts
 * (`attemptsMade`), the runs whose process died (`stalls`), and the run under way or completed.
 */
function toJob(j: BullJob<BullJobData>, status: JobStatus | 'stuck' | string, stalls = 0, lockLost = false): Job {
  const state: JobState = lockLost ? 'waiting' : status === 'completed' || status === 'failed' || status === 'active' ? status : 'waiting';
  const progress = j.progress() as JobProgress | number;
  const maxAttempts = j.opts.attempts ?? 1;
  const attempts = j.attemptsMade + stalls + (status === 'active' || status === 'completed' ? 1 : 0);
  const error: JobError | undefined =
    j.data.error ?? (state === 'failed' ? abandonedError(j.failedReason) : undefined);
  return {
    id: String(j.id),
    kind: j.data.kind,
    state,
    progress: typeof progress === 'object' && progress ? progress : { done: 0 },
    attempts,
    maxAttempts,
    ...(state === 'completed' && j.returnvalue !== null && j.returnvalue !== undefined ? { result: j.returnvalue } : {}),
    ...(state !== 'completed' && error ? { error } : {}),
    createdAt: new Date(j.timestamp),
    ...(j.processedOn ? { startedAt: new Date(j.processedOn) } : {}),
    ...(j.finishedOn && (state === 'completed' || state === 'failed') ? { finishedAt: new Date(j.finishedOn) } : {}),
    runAfter: new Date(j.timestamp + (Number(j.opts.delay) || 0)),
  };
}

/** A job Bull failed without our processor's verdict (the stalled-job limit): its error as GET /v1/jobs/{id} shows it. */
function abandonedError(reason: string | undefined): JobError {
  return { code: 'JOB.ABANDONED', status: 500, detail: `The job could not be run: ${reason ?? 'unknown reason'}.` };
}
