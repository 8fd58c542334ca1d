import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { timeOrderedUuid } from '../../../../shared/random';
import { ChunkDraft, CollectionInfo, DocumentRef, EmbeddedChunk } from '../../domain/chunk';
import { CollectionEmbedderChangedError } from '../../domain/retrieval.errors';
import { EmbedderRegistry, LoadedEmbedder } from '../embedders/embedder-registry.service';
import { Embedder, EmbedderInfo } from '../ports/embedder.port';
import { VECTOR_STORE } from '../ports/retrieval.tokens';
import { DocumentChunks, VectorStore, WriteOptions } from '../ports/vector-store.port';

/** A large import whose dimension's vector index was dropped before it (ChunkIndexer.beginBulkImport). */
export interface BulkImport {
  dimension: number;
  /** Vectors of that dimension stored when it began (the index held them). */
  indexedBefore: number;
  /** Builds the index again (once; later calls wait for the same build): how long it took, in ms. */
  finish(): Promise<number>;
}

/** A vector index found missing at boot and built then (onApplicationBootstrap); `error` when the build failed. */
export interface IndexRepair {
  dimension: number;
  slot: 0 | 1;
  rows: number;
  ms: number;
  error?: string;
}

/**
 * Retrieval's public write API, used by ingestion. Embedding (slow, maybe remote) happens in
 * `embed`, outside any transaction; `write` and `remove` join the caller's transaction.
 * An existing collection is extended with the embedder that built it (which may no longer be the active
 * one while a re-index is moving it); a new collection is built with the active embedder.
 */
@Injectable()
export class ChunkIndexer implements OnApplicationBootstrap {
  private readonly logger = new Logger('VectorIndex');
  private readonly repairs: IndexRepair[] = [];

  constructor(
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates the collection for the active embedder, or checks the embedder that built the existing one is loaded. */
  async openCollection(name: string): Promise<CollectionInfo> {
    let existing = await this.store.getCollection(name);
    if (existing && !this.embedders.find(existing)) {
      // read just before a re-index cut it over and its old embedder was released? Read once more.
      existing = await this.store.getCollection(name);
    }
    if (existing) {
      await this.embedders.forCollection(existing).warmUp();
      return existing;
    }
    const created = await this.embedders.withActive(async (active) => {
      await active.warmUp();
      const { modelId, dimension } = active.info;
      return this.store.ensureCollection(name, modelId, dimension, this.config.retrieval.textSearchConfig);
    });
    this.embedders.forCollection(created); // a concurrent creator may have won with another embedder
    return created;
  }

  /**
   * Embeds with the collection's embedder (the active one when no collection is given). Throws the retryable
   * CollectionEmbedderChangedError when the collection moved to another embedder since it was opened.
   */
  async embed(chunks: ChunkDraft[], collection?: CollectionInfo): Promise<EmbeddedChunk[]> {
    const embedder = collection ? await this.embedderFor(collection) : this.embedders.active();
    const embedderId = embedder.info.modelId;
    const batch = this.config.retrieval.embedder.batchSize;
    const out: EmbeddedChunk[] = [];
    for (let i = 0; i < chunks.length; i += batch) {
      const slice = chunks.slice(i, i + batch);
      const vectors = await embedder.embed(
        slice.map((c) => c.text),
        'document',
      );
      // (time-ordered: a batch's rows keyed by chunk id, its postings above all, go to the same end of their btrees)
      slice.forEach((c, j) => out.push({ ...c, id: timeOrderedUuid(), embedding: vectors[j], embedderId }));
    }
    return out;
  }

  /** Throws CollectionEmbedderChangedError (retryable) when a re-index cut the collection over since the chunks were embedded. */
  write(document: DocumentRef, collection: CollectionInfo, chunks: EmbeddedChunk[], options?: WriteOptions): Promise<void> {
    return this.store.replaceDocumentChunks(document, collection, chunks, options);
  }

  /** write() for many documents of one collection in one pass (one lock, one DELETE, multi-row INSERTs). */
  writeMany(entries: DocumentChunks[], collection: CollectionInfo, options?: WriteOptions): Promise<void> {
    return this.store.replaceManyDocumentChunks(entries, collection, options);
  }

  /**
   * A CLI import on the embedded database (which it holds alone: no search runs meanwhile) expected to write
   * `expectedChunks` chunks into `collection`: when that is at least ingestion.bulkIndex.minChunks and more than the
   * vectors of the collection's dimension already stored, drops that dimension's HNSW index, so the import's rows are
   * written without their graph inserts (two thirds of a batch's time), and returns the handle whose finish() builds it
   * once over every row (a build costs a fraction of the inserts it replaces: docs/BENCHMARKS.md). Otherwise null and
   * the index is kept row by row. Not on a Postgres server (DATABASE_URL: its store has no indexControl), where other
   * processes search meanwhile, and not for a collection in a re-index's second vector slot. The caller calls finish() in a `finally`; an import
   * that dies before it leaves the index to onApplicationBootstrap's repair.
   */
  async beginBulkImport(collection: string, expectedChunks: number): Promise<BulkImport | null> {
    const policy = this.config.ingestion.bulkIndex;
    const control = this.store.indexControl;
    if (!policy.enabled || !control || expectedChunks < policy.minChunks) return null;
    const existing = await this.store.getCollection(collection);
    if (existing && existing.slot !== 0) return null;
    const dimension = existing?.dimension ?? this.embedders.active().info.dimension;
    const indexedBefore = await control.indexedRows(dimension, expectedChunks + 1);
    if (indexedBefore > expectedChunks) return null;
    await control.dropIndex(dimension);
    let build: Promise<number> | undefined;
    return {
      dimension,
      indexedBefore,
      finish: () =>
        (build ??= (async () => {
          const started = Date.now();
          await control.buildIndex(dimension);
          return Date.now() - started;
        })()),
    };
  }

  /**
   * Builds the vector indexes the collections need and lack: an import that dropped one (beginBulkImport) and was
   * killed before its end. Until then vector searches of that dimension scan every row, so it is done before the
   * application serves (minutes at 100k rows on the embedded database: said in the log).
   */
  async onApplicationBootstrap(): Promise<void> {
    const control = this.store.indexControl;
    if (!control) return;
    try {
      for (const { dimension, slot, rows } of await control.missingIndexes()) {
        this.logger.warn(
          `the vector index for dimension ${dimension} (slot ${slot}) is missing (an import stopped before it rebuilt it): building it over ${rows} vectors before serving`,
        );
        const started = Date.now();
        const repair: IndexRepair = { dimension, slot, rows, ms: 0 };
        this.repairs.push(repair);
        try {
          await control.buildIndex(dimension, slot);
          repair.ms = Date.now() - started;
          this.logger.log(`vector index for dimension ${dimension} (slot ${slot}) built over ${rows} vectors in ${repair.ms} ms`);
        } catch (e) {
          // served anyway: vector searches of this dimension scan every row until a later start builds it
          repair.error = (e as Error).message;
          this.logger.error(`building the vector index for dimension ${dimension} (slot ${slot}) failed: ${repair.error}; vector searches scan every row until it is built`);
        }
      }
    } catch (e) {
      this.logger.error(`checking the vector indexes failed: ${(e as Error).message}`);
    }
  }

  /** The indexes found missing and built (or not) when this application started (the CLI prints them). */
  get bootRepairs(): readonly IndexRepair[] {
    return this.repairs;
  }

  remove(documentId: string): Promise<number> {
    return this.store.deleteDocumentChunks(documentId);
  }

  listCollections(): Promise<CollectionInfo[]> {
    return this.store.listCollections();
  }

  /** The active embedder (new collections are built with it): info, readiness and when it was loaded, for model-info. */
  embedderStatus(): LoadedEmbedder {
    return this.embedders.activeStatus();
  }

  /** The active embedder (the one new collections are built with). */
  get embedderInfo(): EmbedderInfo {
    return this.embedders.active().info;
  }

  get embedderReady(): boolean {
    return this.embedders.active().ready;
  }

  warmUp(): Promise<void> {
    return this.embedders.active().warmUp();
  }

  private async embedderFor(collection: CollectionInfo): Promise<Embedder> {
    const embedder = this.embedders.find(collection);
    if (embedder) return embedder;
    // released after a cutover that happened since the collection was opened?
    const now = await this.store.getCollection(collection.name);
    if (now && now.embedderId !== collection.embedderId) {
      throw new CollectionEmbedderChangedError(collection.name, collection.embedderId, now.embedderId);
    }
    return this.embedders.forCollection(collection);
  }
}
