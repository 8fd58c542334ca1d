import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database/transaction';
import { LaneWaitAbortedError, LongOperationLane } from '../../../../shared/jobs';
import { CollectionInfo } from '../../domain/chunk';
import { CollectionNotFoundError, ReindexInProgressError, ReindexSupersededError } from '../../domain/retrieval.errors';
import { EmbedderRegistry } from '../embedders/embedder-registry.service';
import { Embedder } from '../ports/embedder.port';
import { ChunkText, ReindexStore } from '../ports/reindex-store.port';
import { REINDEX_STORE, VECTOR_STORE } from '../ports/retrieval.tokens';
import { VectorStore } from '../ports/vector-store.port';
import { ReindexJob } from './reindex-job';

/** Finished jobs kept for GET /v1/admin/reindex (the oldest are dropped beyond this). */
const KEEP_FINISHED = 100;
/** Catch-up passes outside the lock before the cutover takes it (the rest is embedded under the lock). */
const CATCH_UP_PASSES = 3;

class ShuttingDownError extends Error {
  constructor() {
    super('the application is shutting down; the collection keeps its previous embedder');
  }
}

/**
 * Re-embeds a collection with another embedder while it stays searchable on the old one:
 *  1. pages through the chunks (keyset by id), embeds them with the target and stores the vectors in a
 *     staging table that no search reads;
 *  2. embeds the chunks written meanwhile (outside any lock, a few passes);
 *  3. CUTOVER, one transaction: locks the collection row (ingestion into it waits), embeds what is still
 *     missing, moves the staged vectors into the chunks and re-binds the collection to the new embedder.
 * Searches read the collection row to pick their embedder, so before the commit they query the old vectors
 * with the old model and after it the new ones with the new model. A failure or a restart at any point
 * leaves the collection on its old embedder, consistent; staging rows are then discarded.
 */
@Injectable()
export class ReindexService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Reindex');
  private readonly jobs = new Map<string, ReindexJob>();
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private stopping = false;

  constructor(
    @Inject(REINDEX_STORE) private readonly store: ReindexStore,
    @Inject(VECTOR_STORE) private readonly collections: VectorStore,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: EmbedderRegistry,
    private readonly lane: LongOperationLane,
  ) {}

  /** Jobs live in memory: staging rows left by a process that stopped mid-job belong to nobody. */
  async onApplicationBootstrap(): Promise<void> {
    await this.store.clearStaging();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.stop.abort(); // a job still waiting for the lane gives up
    await Promise.allSettled([...this.running]);
  }

  /** Starts moving `collection` to `target` in the background. 409 when a job for it is still unfinished. */
  start(collection: CollectionInfo, target: Embedder): ReindexJob {
    const busy = this.unfinishedFor(collection.name);
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
    this.jobs.set(job.id, job);
    this.prune();
    const run = this.run(job, target).finally(() => this.running.delete(run));
    this.running.add(run);
    return { ...job };
  }

  get(id: string): ReindexJob | undefined {
    const job = this.jobs.get(id);
    return job ? { ...job } : undefined;
  }

  /** Newest first. */
  list(): ReindexJob[] {
    return [...this.jobs.values()].reverse().map((j) => ({ ...j }));
  }

  unfinishedFor(collection: string): ReindexJob | undefined {
    return [...this.jobs.values()].find((j) => j.collection === collection && (j.status === 'queued' || j.status === 'running'));
  }

  /** Releases loaded embedders that no collection and no unfinished job needs any more. */
  async releaseUnused(): Promise<string[]> {
    const inUse = new Set((await this.collections.listCollections()).map((c) => c.embedderId));
    for (const j of this.jobs.values()) {
      if (j.status === 'queued' || j.status === 'running') inUse.add(j.from).add(j.to);
    }
    return this.registry.release(inUse);
  }

  /**
   * A re-index is a long operation: it runs in the long-operation lane (jobs.concurrency), beside ingest jobs and
   * never in the request lane; it stays `queued` while the lane is full.
   */
  private async run(job: ReindexJob, target: Embedder): Promise<void> {
    await Promise.resolve(); // let start() return before any work
    try {
      await this.lane.run(() => this.reindex(job, target), this.stop.signal);
    } catch (e) {
      if (!(e instanceof LaneWaitAbortedError)) throw e;
      this.fail(job, new ShuttingDownError());
    }
    if (!this.stopping) {
      await this.releaseUnused().catch((e: Error) => this.logger.warn(`releasing unused embedders failed: ${e.message}`));
    }
  }

  private async reindex(job: ReindexJob, target: Embedder): Promise<void> {
    const batch = this.config.retrieval.embedder.batchSize;
    try {
      job.status = 'running';
      this.logger.log(`job ${job.id}: ${job.collection} ${job.from} -> ${job.to}`);
      await target.warmUp();
      await this.store.ensureDimensionIndex(target.info.dimension);
      job.total = await this.store.countChunks(job.collection);

      for (let after: string | undefined; ; ) {
        this.checkStopping();
        const page = await this.store.chunkPage(job.collection, after, batch);
        if (page.length === 0) break;
        await this.embedAndStage(job, target, page);
        after = page[page.length - 1].id;
      }
      for (let pass = 0; pass < CATCH_UP_PASSES && (await this.catchUp(job, target)) > 0; pass++) this.checkStopping();
      this.checkStopping();

      const updated = await this.tx.run(async () => {
        const current = await this.store.lockCollection(job.collection);
        if (!current) throw new CollectionNotFoundError(job.collection);
        if (current.embedderId !== job.from) throw new ReindexSupersededError(job.collection, job.from, current.embedderId);
        await this.catchUp(job, target);
        return this.store.cutover(job.id, job.collection, target.info.modelId, target.info.dimension);
      });
      job.finishedAt = new Date();
      job.total = job.done;
      job.status = 'completed';
      this.logger.log(`job ${job.id}: ${job.collection} now on ${job.to} (${updated} chunks, ${job.finishedAt.getTime() - job.startedAt.getTime()} ms)`);
    } catch (e) {
      this.fail(job, e);
      await this.store.clearStaging(job.id).catch(() => undefined);
    }
  }

  private fail(job: ReindexJob, e: unknown): void {
    job.finishedAt = new Date();
    job.status = 'failed';
    job.error = e instanceof Error ? e.message : String(e);
    this.logger.error(`job ${job.id}: ${job.collection} stays on ${job.from}: ${job.error}`);
  }

  /** Embeds and stages the collection's chunks not staged yet (one pass, keyset). Returns how many. */
  private async catchUp(job: ReindexJob, target: Embedder): Promise<number> {
    const batch = this.config.retrieval.embedder.batchSize;
    let n = 0;
    for (let after: string | undefined; ; ) {
      const page = await this.store.unstagedPage(job.id, job.collection, after, batch);
      if (page.length === 0) return n;
      job.total += page.length;
      await this.embedAndStage(job, target, page, false);
      n += page.length;
      after = page[page.length - 1].id;
    }
  }

  private async embedAndStage(job: ReindexJob, target: Embedder, page: ChunkText[], counted = true): Promise<void> {
    const vectors = await target.embed(
      page.map((c) => c.text),
      'document',
    );
    await this.store.stage(
      job.id,
      target.info.dimension,
      page.map((c, i) => ({ id: c.id, embedding: vectors[i] })),
    );
    job.done += page.length;
    // chunks written during the first pass may lie past the initial count
    if (counted && job.done > job.total) job.total = job.done;
  }

  private checkStopping(): void {
    if (this.stopping) throw new ShuttingDownError();
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status === 'completed' || j.status === 'failed');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }
}
