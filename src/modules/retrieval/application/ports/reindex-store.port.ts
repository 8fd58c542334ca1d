import { CollectionInfo } from '../../domain/chunk';
import { ReindexJob } from '../reindex/reindex-job';
import { EmbedderSpec } from './embedder.port';

export interface ChunkText {
  id: string;
  text: string;
}

/**
 * What a re-index needs from storage: read a collection's chunks page by page, stage new vectors beside
 * the live ones (searches never see them), then swap them in and re-bind the collection atomically.
 */
export interface ReindexStore {
  countChunks(collection: string): Promise<number>;
  /** Keyset pagination by chunk id. */
  chunkPage(collection: string, afterId: string | undefined, limit: number): Promise<ChunkText[]>;
  /** Chunks of the collection with no staged vector for this job yet (written after the job read past them). */
  unstagedPage(jobId: string, collection: string, afterId: string | undefined, limit: number): Promise<ChunkText[]>;
  stage(jobId: string, dimension: number, rows: Array<{ id: string; embedding: Float32Array }>): Promise<void>;
  /** The HNSW index for this dimension (partial, IF NOT EXISTS). */
  ensureDimensionIndex(dimension: number): Promise<void>;
  /** Locks the collection row FOR UPDATE in the caller's transaction (blocks writes into the collection until commit). */
  lockCollection(name: string): Promise<CollectionInfo | null>;
  /**
   * In the caller's transaction, with the collection locked and every chunk staged: moves the staged vectors into
   * the chunks, re-binds the collection to the new embedder and deletes the job's staging rows. Returns chunks updated.
   */
  cutover(jobId: string, collection: string, embedderId: string, dimension: number): Promise<number>;
  clearStaging(jobId: string): Promise<void>;
  /** Deletes staging rows of every job that is not unfinished (left by a process that stopped, or by a failed job). */
  clearOrphanStaging(): Promise<void>;
  countStaged(jobId: string): Promise<number>;

  /** Re-index jobs (joining the caller's transaction when one is open). One unfinished job per collection (23505). */
  createJob(job: ReindexJob, target: EmbedderSpec): Promise<void>;
  /**
   * Writes the job's status, counts, end and error while it is still queued or running; false (nothing written)
   * once it has ended, here or in another process (cancelled by an operator, abandoned by the queue).
   */
  updateJob(job: ReindexJob): Promise<boolean>;
  /** Records a queued or running job as failed with `error`; undefined (nothing changed) when it had ended already. */
  failUnfinished(id: string, error: string, finishedAt: Date): Promise<ReindexJob | undefined>;
  /** Locks the job's row FOR UPDATE in the caller's transaction and answers whether it is still queued or running. */
  lockUnfinished(id: string): Promise<boolean>;
  findJob(id: string): Promise<{ job: ReindexJob; target: EmbedderSpec } | undefined>;
  /** Newest first. */
  listJobs(limit: number): Promise<ReindexJob[]>;
  /** Queued or running. */
  unfinishedJobs(): Promise<ReindexJob[]>;
}
