import { CollectionInfo } from '../../domain/chunk';
import { ReindexJob } from '../reindex/reindex-job';
import { EmbedderSpec } from './embedder.port';

export interface ChunkText {
  id: string;
  text: string;
}

/**
 * What a re-index needs from storage: read a collection's chunks page by page, write the new vectors into the
 * collection's other vector slot beside the live ones (searches read only the collection's slot), then flip the
 * collection to that slot and the new embedder atomically.
 */
export interface ReindexStore {
  countChunks(collection: string): Promise<number>;
  /** Chunks of the collection the job has not written a vector for yet (keyset by id). */
  unstagedPage(jobId: string, collection: string, afterId: string | undefined, limit: number): Promise<ChunkText[]>;
  /**
   * Writes the job's vectors into `slot` of these chunks and marks them as the job's. Writes nothing once the job has
   * ended or the collection reads `slot` (a flip waits for this write or this write for it). Returns rows written.
   */
  stage(jobId: string, collection: string, slot: 0 | 1, dimension: number, rows: Array<{ id: string; embedding: Float32Array }>): Promise<number>;
  /** The HNSW index for this dimension in this slot (partial, IF NOT EXISTS). */
  ensureDimensionIndex(dimension: number, slot: 0 | 1): Promise<void>;
  /** Locks the collection row FOR UPDATE in the caller's transaction (blocks writes into the collection until commit). */
  lockCollection(name: string): Promise<CollectionInfo | null>;
  /**
   * In the caller's transaction, with the collection locked and every chunk written by the job: re-binds the
   * collection to the new embedder and `slot` (one row written, whatever the collection's size). Returns its chunks.
   */
  cutover(jobId: string, collection: string, embedderId: string, dimension: number, slot: 0 | 1): Promise<number>;
  /** Chunks of the collection the job has written a vector for. */
  countStaged(jobId: string, collection: string): Promise<number>;

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
