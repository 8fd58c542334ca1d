import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database/transaction';
import { LaneWaitAbortedError, LongOperationLane } from '../../../../shared/jobs';
import { CollectionInfo } from '../../domain/chunk';
import {
  CollectionNotFoundError, REINDEX_CANCELLED, ReindexInProgressError, ReindexJobNotFoundError, ReindexNotCancellableError, ReindexSupersededError,
} from '../../domain/retrieval.errors';
import { EmbedderRegistry } from '../embedders/embedder-registry.service';
import { Embedder, EmbedderSpec } from '../ports/embedder.port';
import { ReindexStore } from '../ports/reindex-store.port';
import { REINDEX_STORE, VECTOR_STORE } from '../ports/retrieval.tokens';
import { VectorStore } from '../ports/vector-store.port';
import { ReindexJob } from './reindex-job';

/** Jobs listed by GET /v1/admin/reindex (the newest). */
const LIST_LIMIT = 100;
/** Catch-up passes outside the lock before the cutover takes it (the rest is embedded under the lock). */
const CATCH_UP_PASSES = 3;
/** Option names never written to the jobs table (a resumed job takes them from its process's environment). */
const SECRET_OPTION = /key|secret|token|password/i;

/** The process is stopping: the job is left unfinished (its staged vectors kept) and resumes on the next start. */
export class ReindexInterruptedError extends Error {
  constructor() {
    super('the application is shutting down; the re-index resumes at the next start');
    this.name = 'ReindexInterruptedError';
  }
}

/** The job ended while this run was under way (an operator cancelled it, or the queue gave it up): the run stops, changing nothing. */
class ReindexEndedError extends Error {
  constructor() {
    super('the re-index job ended while it was running');
    this.name = 'ReindexEndedError';
  }
}

/** Puts a re-index job on the process's job queue (ingestion's JobQueue: Postgres, or Bull on Redis). */
export type ReindexDispatcher = (jobId: string) => Promise<void>;

/** What a queue runner passes to `execute`. */
export interface ReindexRunContext {
  signal: AbortSignal;
  progress?(p: { done: number; total: number }): void;
}

/**
 * Re-embeds a collection with another embedder while it stays searchable on the old one. Each chunk has two vector
 * slots and the collection row names the one its searches read (CollectionInfo.slot); the job writes the other:
 *  1. embeds the chunks it has not written yet (keyset by id) with the target and writes each batch's vectors into
 *     the other slot, marking the chunks as the job's, in one short statement (the embedded database's one session
 *     is held for that statement only);
 *  2. embeds the chunks written meanwhile (outside any lock, a few passes);
 *  3. CUTOVER, one transaction: locks the job row and the collection row (ingestion into it waits), embeds what is
 *     still missing (written since the last pass), checks every chunk is the job's, re-binds the collection to the
 *     new embedder and slot and marks the job completed. It writes two rows, whatever the collection's size.
 * Searches read the collection row to pick their embedder and slot, so before the commit they query the old vectors
 * with the old model and after it the new ones with the new model, each through its slot's HNSW index.
 *
 * Every step converges when run again: a batch rewrites the same chunks, and the cutover refuses (the job row) once
 * the job has ended. There is no state between "on the old slot, job unfinished" and "on the new slot, job completed".
 *
 * Jobs are rows of `reindex_jobs` run through the job queue (issue 10): a process that stops mid-job leaves it
 * unfinished with the vectors it wrote, and the queue runs it again after a restart (or on another worker), which
 * embeds only the chunks it has not written. A failure leaves the collection on its old embedder and slot; the
 * vectors a failed job wrote stay in the slot no search reads, until the next re-index of the collection writes it
 * over. Without a dispatcher (no queue wired) jobs run in this process's long-operation lane.
 *
 * An operator may cancel a queued or running job (`cancel`): only its row changes (failed), so it works without the
 * queue. Every write of a run is guarded by the job being still unfinished: the run (in any process) writes nothing
 * once the cancel committed and stops at its next batch, and the cutover locks the job row first, so a cancel and a
 * cutover never both win.
 */
@Injectable()
export class ReindexService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Reindex');
  private readonly running = new Set<Promise<unknown>>();
  private readonly stop = new AbortController();
  private stopping = false;
  private dispatch?: ReindexDispatcher;

  constructor(
    @Inject(REINDEX_STORE) private readonly store: ReindexStore,
    @Inject(VECTOR_STORE) private readonly collections: VectorStore,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: EmbedderRegistry,
    private readonly lane: LongOperationLane,
  ) {}

  /** The job queue takes the jobs from now on (ingestion wires it at init: it depends on this module, not the reverse). */
  useDispatcher(dispatch: ReindexDispatcher): void {
    this.dispatch = dispatch;
  }

  /** Without a queue, unfinished jobs resume in this process. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.dispatch) return;
    for (const job of await this.store.unfinishedJobs()) this.runInProcess(job.id);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.stop.abort(); // a job still waiting for the lane gives up
    await Promise.allSettled([...this.running]);
  }

  /** Queues moving `collection` to `target` (built from `spec`). 409 when a job for it is still unfinished. */
  async start(collection: CollectionInfo, target: Embedder, spec: EmbedderSpec): Promise<ReindexJob> {
    const busy = await this.unfinishedFor(collection.name);
    if (busy) throw new ReindexInProgressError(collection.name, busy.id);
    const job: ReindexJob = {
      id: randomUUID(),
      collection: collection.name,
      from: collection.embedderId,
      fromDimension: collection.dimension,
      to: target.info.modelId,
      toDimension: target.info.dimension,
      status: 'queued',
      total: 0,
      done: 0,
      startedAt: new Date(),
    };
    try {
      await this.store.createJob(job, withoutSecrets(spec));
    } catch (e) {
      // the same collection queued concurrently (unique index on unfinished jobs)
      const raced = (e as { code?: string }).code === '23505' ? await this.unfinishedFor(collection.name) : undefined;
      if (raced) throw new ReindexInProgressError(collection.name, raced.id);
      throw e;
    }
    if (!this.dispatch) {
      this.runInProcess(job.id);
      return { ...job };
    }
    try {
      await this.dispatch(job.id);
    } catch (e) {
      await this.fail(job, e);
      throw e;
    }
    return { ...job };
  }

  async get(id: string): Promise<ReindexJob | undefined> {
    return (await this.store.findJob(id))?.job;
  }

  /** Newest first. */
  list(): Promise<ReindexJob[]> {
    return this.store.listJobs(LIST_LIMIT);
  }

  async unfinishedFor(collection: string): Promise<ReindexJob | undefined> {
    return (await this.store.unfinishedJobs()).find((j) => j.collection === collection);
  }

  /**
   * The queue gave up the job's runs (its process stopped each time, jobs.maxAttempts times): it is recorded as
   * failed, so the collection (still on its old embedder: a job that cut over is completed) can be re-indexed again.
   * A job that ended meanwhile is left as it is.
   */
  async abandon(id: string, reason: string): Promise<void> {
    await this.end(id, reason);
  }

  /**
   * An operator stops a queued or running job (POST /v1/admin/reindex/{id}/cancel): it is recorded as failed with
   * REINDEX_CANCELLED; the collection stays on its old embedder. A run under way
   * stops at its next batch without cutting over. Needs only the jobs table (a job the queue lost is cancelled too).
   * 404 for an unknown id, 409 for a job that completed or failed already (left as it is).
   */
  async cancel(id: string): Promise<ReindexJob> {
    const found = await this.store.findJob(id);
    if (!found) throw new ReindexJobNotFoundError(id);
    const ended = await this.end(id, `${REINDEX_CANCELLED}: cancelled by an operator; the collection stays on ${found.job.from}`);
    if (ended) return ended;
    const now = (await this.store.findJob(id))?.job ?? found.job;
    throw new ReindexNotCancellableError(id, now.status);
  }

  /** Records an unfinished job failed; undefined when it had ended already (nothing changed). */
  private async end(id: string, reason: string): Promise<ReindexJob | undefined> {
    const ended = await this.store.failUnfinished(id, reason, new Date());
    if (!ended) return undefined;
    this.logger.warn(`job ${id}: ${ended.collection} stays on ${ended.from}: ${reason}`);
    return ended;
  }

  /** Releases loaded embedders that no collection and no unfinished job needs any more. */
  async releaseUnused(): Promise<string[]> {
    const inUse = new Set((await this.collections.listCollections()).map((c) => c.embedderId));
    for (const j of await this.store.unfinishedJobs()) inUse.add(j.from).add(j.to);
    return this.registry.release(inUse);
  }

  /**
   * Runs (or resumes) one job to its end: the queue's runner calls it. Returns the job as it ended (completed or
   * failed); throws ReindexInterruptedError when the process is stopping (the job stays unfinished, to resume).
   * A job already ended returns as it is (a queue that runs it twice changes nothing).
   */
  async execute(id: string, ctx: ReindexRunContext): Promise<ReindexJob> {
    const found = await this.store.findJob(id);
    if (!found) throw new ReindexJobNotFoundError(id);
    const { job, target: spec } = found;
    if (job.status === 'completed' || job.status === 'failed') return job;
    const stopped = () => this.stopping || ctx.signal.aborted;
    const batch = this.config.retrieval.embedder.batchSize;
    try {
      if (stopped()) throw new ReindexInterruptedError();
      const target = await this.targetFor(job, spec);
      const collection = await this.collections.getCollection(job.collection);
      if (!collection) throw new CollectionNotFoundError(job.collection);
      if (collection.embedderId !== job.from) throw new ReindexSupersededError(job.collection, job.from, collection.embedderId);
      // the slot no search of the collection reads (a job cuts over and completes in one transaction: never flipped here)
      const slot = collection.slot === 1 ? 0 : 1;
      const resumed = job.status === 'running';
      job.status = 'running';
      this.logger.log(`job ${job.id}: ${job.collection} ${job.from} -> ${job.to} in vector slot ${slot}${resumed ? ' (resumed)' : ''}`);
      await this.store.ensureDimensionIndex(target.info.dimension, slot);
      job.total = await this.store.countChunks(job.collection);
      job.done = Math.min(await this.store.countStaged(job.id, job.collection), job.total);
      await this.progressed(job);
      ctx.progress?.({ done: job.done, total: job.total });

      // the first pass (everything not staged yet: all of it, or what an interrupted run left), then catch-ups
      await this.stageUnstaged(job, slot, target, batch, ctx, stopped);
      for (let pass = 0; pass < CATCH_UP_PASSES && (await this.stageUnstaged(job, slot, target, batch, ctx, stopped)) > 0; pass++);
      if (stopped()) throw new ReindexInterruptedError();

      const updated = await this.tx.run(async () => {
        // the job's row first: a cancel committed before this point stops the cutover; one arriving later waits and finds it completed
        if (!(await this.store.lockUnfinished(job.id))) throw new ReindexEndedError();
        const current = await this.store.lockCollection(job.collection);
        if (!current) throw new CollectionNotFoundError(job.collection);
        if (current.embedderId !== job.from) throw new ReindexSupersededError(job.collection, job.from, current.embedderId);
        await this.stageUnstaged(job, slot, target, batch, ctx, () => false);
        const n = await this.store.cutover(job.id, job.collection, target.info.modelId, target.info.dimension, slot);
        job.finishedAt = new Date();
        // every chunk is the job's (cutover checked): the counts of this run alone fall short when another ran beside it
        job.done = n;
        job.total = n;
        job.status = 'completed';
        // in the cutover's transaction: a crash never leaves a moved collection with an unfinished job
        await this.progressed(job);
        return n;
      });
      ctx.progress?.({ done: job.done, total: job.total });
      this.logger.log(`job ${job.id}: ${job.collection} now on ${job.to} (${updated} chunks, ${job.finishedAt!.getTime() - job.startedAt.getTime()} ms)`);
    } catch (e) {
      if (e instanceof ReindexEndedError) {
        const ended = (await this.store.findJob(job.id))?.job;
        this.logger.log(`job ${job.id}: stopped at ${job.done}/${job.total} chunks, ended meanwhile: ${ended?.error ?? 'unknown'}`);
        if (ended) Object.assign(job, ended);
      } else if (e instanceof ReindexInterruptedError || stopped()) {
        job.status = 'running';
        job.finishedAt = undefined;
        await this.store.updateJob(job).catch(() => undefined);
        this.logger.log(`job ${job.id}: interrupted at ${job.done}/${job.total} chunks; it resumes at the next start`);
        throw new ReindexInterruptedError();
      } else {
        await this.fail(job, e);
      }
    }
    if (!this.stopping) await this.releaseUnused().catch((e: Error) => this.logger.warn(`releasing unused embedders failed: ${e.message}`));
    return { ...job };
  }

  /** The target embedder: loaded already (the swap that queued the job), or built from its spec (a restart, a worker). */
  private async targetFor(job: ReindexJob, spec: EmbedderSpec): Promise<Embedder> {
    const loaded = this.registry.find({ embedderId: job.to, dimension: job.toDimension });
    if (loaded) {
      await loaded.warmUp();
      return loaded;
    }
    const built = await this.registry.load(spec);
    if (built.info.modelId !== job.to || built.info.dimension !== job.toDimension) {
      throw new Error(`the embedder built from the job's settings is ${built.info.modelId} (${built.info.dimension}-d), not ${job.to} (${job.toDimension}-d)`);
    }
    return built;
  }

  /** Without a queue: the job runs in this process's long-operation lane, beside ingest jobs, never in the request lane. */
  private runInProcess(id: string): void {
    const run = (async () => {
      await Promise.resolve(); // let start() return before any work
      try {
        await this.lane.run(() => this.execute(id, { signal: this.stop.signal }), this.stop.signal);
      } catch (e) {
        if (!(e instanceof LaneWaitAbortedError || e instanceof ReindexInterruptedError)) this.logger.error(`job ${id}: ${(e as Error).message}`);
      }
    })().finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Records the run's progress; throws ReindexEndedError when the job ended meanwhile (cancelled, abandoned), so the run stops. */
  private async progressed(job: ReindexJob): Promise<void> {
    if (!(await this.store.updateJob(job))) throw new ReindexEndedError();
  }

  private async fail(job: ReindexJob, e: unknown): Promise<void> {
    job.finishedAt = new Date();
    job.status = 'failed';
    job.error = e instanceof Error ? e.message : String(e);
    this.logger.error(`job ${job.id}: ${job.collection} stays on ${job.from}: ${job.error}`);
    const recorded = await this.store.updateJob(job).catch((err: Error) => this.logger.warn(`job ${job.id}: recording its failure failed: ${err.message}`));
    // ended meanwhile (cancelled): the job is what its row says
    if (recorded === false) Object.assign(job, (await this.store.findJob(job.id).catch(() => undefined))?.job);
  }

  /** Embeds the collection's chunks the job has not written yet and writes them into `slot` (one pass, keyset). Returns how many. */
  private async stageUnstaged(
    job: ReindexJob,
    slot: 0 | 1,
    target: Embedder,
    batch: number,
    ctx: ReindexRunContext,
    stopped: () => boolean,
  ): Promise<number> {
    let n = 0;
    for (let after: string | undefined; ; ) {
      if (stopped()) throw new ReindexInterruptedError();
      const page = await this.store.unstagedPage(job.id, job.collection, after, batch);
      if (page.length === 0) return n;
      const vectors = await target.embed(
        page.map((c) => c.text),
        'document',
      );
      await this.store.stage(
        job.id,
        job.collection,
        slot,
        target.info.dimension,
        page.map((c, i) => ({ id: c.id, embedding: vectors[i] })),
      );
      job.done += page.length;
      // chunks written during the job lie past the initial count
      if (job.done > job.total) job.total = job.done;
      await this.progressed(job);
      ctx.progress?.({ done: job.done, total: job.total });
      n += page.length;
      after = page[page.length - 1].id;
    }
  }
}

/** The spec as stored with the job: option values that look like credentials are left out. */
function withoutSecrets(spec: EmbedderSpec): EmbedderSpec {
  if (!spec.options) return spec;
  return { ...spec, options: Object.fromEntries(Object.entries(spec.options).filter(([k]) => !SECRET_OPTION.test(k))) };
}
