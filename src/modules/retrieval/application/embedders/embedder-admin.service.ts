import { Inject, Injectable } from '@nestjs/common';
import { SharedState, withoutSecrets } from '../../../../shared/replicas';
import { CollectionNotFoundError, ReindexInProgressError, ReindexJobNotFoundError } from '../../domain/retrieval.errors';
import { EmbedderInfo, EmbedderSpec } from '../ports/embedder.port';
import { VECTOR_STORE } from '../ports/retrieval.tokens';
import { VectorStore } from '../ports/vector-store.port';
import { ReindexJob } from '../reindex/reindex-job';
import { ReindexService } from '../reindex/reindex.service';
import { EmbedderRegistry, LoadedEmbedder } from './embedder-registry.service';

export interface CollectionEmbedder {
  name: string;
  embedderId: string;
  dimension: number;
}

/** What a model-info endpoint shows about retrieval. */
export interface EmbedderStatus {
  /** Builds new collections. */
  active: LoadedEmbedder;
  /** Every embedder held in memory: the active one and those some collection (or running job) still uses. */
  loaded: LoadedEmbedder[];
  collections: CollectionEmbedder[];
}

/** The shared_state value of the `embedder` key: the spec of an admin swap (no secrets), or back to the YAML. */
export type SharedEmbedder = { source: 'swap'; spec: EmbedderSpec; omitted?: string[] } | { source: 'config' };
export const SHARED_EMBEDDER_KEY = 'embedder';

export interface EmbedderChange {
  embedder: LoadedEmbedder;
  /** One per collection that was on another embedder (none when all already use this one). */
  jobs: ReindexJob[];
}

/**
 * The zero-downtime embedder change: swap the active embedder (new collections use it at once), then
 * re-index each existing collection onto it in the background; each keeps being served by its old embedder
 * until its own cutover. Changes are serialized: one at a time.
 */
@Injectable()
export class EmbedderAdminService {
  private queue: Promise<unknown> = Promise.resolve();
  private spec?: EmbedderSpec;

  constructor(
    private readonly registry: EmbedderRegistry,
    private readonly reindex: ReindexService,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    private readonly shared: SharedState,
  ) {}

  /** The spec of the last change or adoption, if any (a config reload compares the YAML with it). */
  activeSpec(): EmbedderSpec | undefined {
    return this.spec;
  }

  /**
   * `collections`: the ones to move (default: all). Refused (nothing changed) when one of them is unknown (404),
   * when one is being re-indexed (409), for a bad spec (400) or when the new embedder cannot warm up (502/503/504).
   * Asking again for the active embedder re-indexes collections still on another one (e.g. after a failed job).
   */
  change(spec: EmbedderSpec, collections?: string[], opts: { share?: boolean } = {}): Promise<EmbedderChange> {
    return this.serialized(async () => {
      const change = await this.doChange(spec, collections);
      // The other processes make it active too (their collections are re-indexed here, by this process's jobs).
      if (opts.share !== false) {
        const { value, omitted } = withoutSecrets(spec);
        await this.shared.publish<SharedEmbedder>(SHARED_EMBEDDER_KEY, { source: 'swap', spec: value, ...(omitted.length ? { omitted } : {}) });
      }
      return change;
    });
  }

  /**
   * Makes `spec` the active embedder without re-indexing anything: another process changed it and re-indexes the
   * collections; this one loads the model its cutovers will need (and releases what no collection uses any more).
   */
  adopt(spec: EmbedderSpec): Promise<EmbedderInfo> {
    return this.serialized(async () => {
      const info = await this.registry.swap(spec);
      this.spec = spec;
      await this.reindex.releaseUnused();
      return info;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doChange(spec: EmbedderSpec, names?: string[]): Promise<EmbedderChange> {
    const selected = (all: CollectionEmbedder[]) => (names ? all.filter((c) => names.includes(c.name)) : all);
    const before = await this.store.listCollections();
    for (const name of names ?? []) if (!before.some((c) => c.name === name)) throw new CollectionNotFoundError(name);
    for (const c of selected(before)) {
      const busy = await this.reindex.unfinishedFor(c.name);
      if (busy) throw new ReindexInProgressError(c.name, busy.id);
    }
    const previous = { id: this.registry.active().info.modelId, spec: this.spec };
    const info: EmbedderInfo = await this.registry.swap(spec);
    this.spec = spec;
    const target = this.registry.active();
    const jobs: ReindexJob[] = [];
    try {
      // listed again after the swap: a collection created meanwhile was built with the previous active embedder
      const moving = (await this.store.listCollections()).filter(
        (c) => (!names || names.includes(c.name)) && (c.embedderId !== info.modelId || c.dimension !== info.dimension),
      );
      for (const c of moving) jobs.push(await this.reindex.start(c, target, spec));
    } catch (e) {
      await this.undo(previous, jobs);
      throw e;
    }
    await this.reindex.releaseUnused();
    return { embedder: this.registry.activeStatus(), jobs };
  }

  /**
   * A change whose re-index could not be queued (probe finding 12: 503 INGESTION.QUEUE_UNAVAILABLE with Redis down)
   * changes nothing: the previous embedder is active again, the jobs queued before the failure are cancelled (their
   * collections stay on their embedder) and the new embedder is released unless something uses it.
   */
  private async undo(previous: { id: string; spec?: EmbedderSpec }, jobs: ReindexJob[]): Promise<void> {
    this.registry.restore(previous.id);
    this.spec = previous.spec;
    for (const job of jobs) await this.reindex.cancel(job.id).catch(() => undefined); // one that ended already stays as it is
    await this.reindex.releaseUnused().catch(() => undefined);
  }

  async status(): Promise<EmbedderStatus> {
    const collections = (await this.store.listCollections()).map((c) => ({ name: c.name, embedderId: c.embedderId, dimension: c.dimension }));
    return { active: this.registry.activeStatus(), loaded: this.registry.list(), collections };
  }

  async job(id: string): Promise<ReindexJob> {
    const job = await this.reindex.get(id);
    if (!job) throw new ReindexJobNotFoundError(id);
    return job;
  }

  jobs(): Promise<ReindexJob[]> {
    return this.reindex.list();
  }

  /** Stops a queued or running re-index; the collection stays on its old embedder (see ReindexService.cancel). */
  cancelJob(id: string): Promise<ReindexJob> {
    return this.reindex.cancel(id);
  }
}
