import { Logger } from '@nestjs/common';
import { CollectionInfo } from '../../domain/chunk';
import { EmbedderMismatchError } from '../../domain/retrieval.errors';
import { Embedder, EmbedderFactory, EmbedderInfo, EmbedderSpec } from '../ports/embedder.port';

export interface LoadedEmbedder {
  info: EmbedderInfo;
  ready: boolean;
  /** When this instance was registered (boot, or the swap that brought it in). */
  loadedAt: Date;
  active: boolean;
}

interface Entry {
  embedder: Embedder;
  loadedAt: Date;
}

/**
 * Every embedder the process holds: the ACTIVE one (new collections are built with it) and each one some
 * collection still uses (its vectors can only be queried or extended with the model that made them).
 * Keyed by modelId: two instances with the same modelId make interchangeable vectors.
 *
 * `swap` builds through the same factory as boot, warms the candidate up and only then makes it active, in
 * one synchronous assignment: a failing build or warm-up changes nothing. The previous active embedder stays
 * loaded until `release` is told no collection (or running job) needs it.
 */
export class EmbedderRegistry {
  private readonly logger = new Logger('EmbedderRegistry');
  private readonly loaded = new Map<string, Entry>();
  private activeId: string;
  /** modelIds pinned by callers between reading active() and committing a collection that names it. */
  private readonly pins = new Map<string, number>();

  constructor(
    initial: Embedder,
    private readonly build: EmbedderFactory,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.activeId = initial.info.modelId;
    this.loaded.set(this.activeId, { embedder: initial, loadedAt: this.now() });
  }

  active(): Embedder {
    return this.loaded.get(this.activeId)!.embedder;
  }

  /** The embedder that built this collection, if loaded. The dimension is checked once the model is loaded (transformers learns it then). */
  find(collection: Pick<CollectionInfo, 'embedderId' | 'dimension'>): Embedder | undefined {
    const embedder = this.loaded.get(collection.embedderId)?.embedder;
    if (!embedder) return undefined;
    if (embedder.ready && embedder.info.dimension !== collection.dimension) return undefined;
    return embedder;
  }

  forCollection(collection: CollectionInfo): Embedder {
    const embedder = this.find(collection);
    if (embedder) return embedder;
    const active = this.active().info;
    throw new EmbedderMismatchError(collection.name, collection, { embedderId: active.modelId, dimension: active.dimension });
  }

  /**
   * Runs `work` with the active embedder, which cannot be released meanwhile: for creating a collection,
   * where the row naming the embedder is committed only inside `work`.
   */
  async withActive<T>(work: (embedder: Embedder) => Promise<T>): Promise<T> {
    const id = this.activeId;
    const embedder = this.active();
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    try {
      return await work(embedder);
    } finally {
      const left = (this.pins.get(id) ?? 1) - 1;
      if (left > 0) this.pins.set(id, left);
      else this.pins.delete(id);
    }
  }

  /**
   * Builds the embedder `spec` names, warms it up and makes it active. Errors (bad spec, unreachable provider)
   * propagate and leave the registry as it was. A spec resolving to a loaded modelId replaces that instance.
   */
  async swap(spec: EmbedderSpec): Promise<EmbedderInfo> {
    const candidate = await this.build(spec);
    try {
      await candidate.warmUp();
    } catch (e) {
      await this.closeQuietly(candidate);
      throw e;
    }
    const id = candidate.info.modelId;
    const previous = this.loaded.get(id);
    this.loaded.set(id, { embedder: candidate, loadedAt: this.now() });
    const from = this.activeId;
    this.activeId = id;
    if (previous && previous.embedder !== candidate) await this.closeQuietly(previous.embedder);
    this.logger.log(`active embedder: ${from} -> ${id} (${candidate.info.dimension}-d)`);
    return candidate.info;
  }

  /**
   * Makes a loaded embedder active again: a change undone after its swap (its re-index jobs could not be queued).
   * False (nothing changed) when no embedder of that modelId is loaded any more.
   */
  restore(modelId: string): boolean {
    if (!this.loaded.has(modelId)) return false;
    if (this.activeId !== modelId) this.logger.log(`active embedder: ${this.activeId} -> ${modelId} (change undone)`);
    this.activeId = modelId;
    return true;
  }

  /**
   * The embedder `spec` names, loaded beside the others without becoming active (a re-index resumed after a
   * restart needs its target): a loaded one with the same modelId is returned as it is; a new one is warmed up first.
   */
  async load(spec: EmbedderSpec): Promise<Embedder> {
    const candidate = await this.build(spec);
    const existing = this.loaded.get(candidate.info.modelId);
    if (existing) {
      await this.closeQuietly(candidate);
      return existing.embedder;
    }
    try {
      await candidate.warmUp();
    } catch (e) {
      await this.closeQuietly(candidate);
      throw e;
    }
    this.loaded.set(candidate.info.modelId, { embedder: candidate, loadedAt: this.now() });
    this.logger.log(`loaded embedder ${candidate.info.modelId} (${candidate.info.dimension}-d) for a re-index`);
    return candidate;
  }

  /** Drops (and closes) every embedder that is not active, not pinned and not in `inUse`. Returns their modelIds. */
  async release(inUse: ReadonlySet<string>): Promise<string[]> {
    const released: string[] = [];
    for (const [id, entry] of [...this.loaded]) {
      if (id === this.activeId || inUse.has(id) || this.pins.has(id)) continue;
      this.loaded.delete(id);
      released.push(id);
      await this.closeQuietly(entry.embedder);
    }
    if (released.length) this.logger.log(`released embedder(s) no collection uses: ${released.join(', ')}`);
    return released;
  }

  list(): LoadedEmbedder[] {
    return [...this.loaded].map(([id, e]) => ({ info: e.embedder.info, ready: e.embedder.ready, loadedAt: e.loadedAt, active: id === this.activeId }));
  }

  activeStatus(): LoadedEmbedder {
    return this.list().find((e) => e.active)!;
  }

  async closeAll(): Promise<void> {
    for (const e of this.loaded.values()) await this.closeQuietly(e.embedder);
  }

  private async closeQuietly(embedder: Embedder): Promise<void> {
    try {
      await embedder.close?.();
    } catch (e) {
      this.logger.warn(`closing embedder ${embedder.info.modelId} failed: ${(e as Error).message}`);
    }
  }
}
