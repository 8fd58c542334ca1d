export type ReindexStatus = 'queued' | 'running' | 'completed' | 'failed';

/** Progress of moving one collection to another embedder. Kept in `reindex_jobs`; run through the job queue, so a restart resumes it. */
export interface ReindexJob {
  id: string;
  collection: string;
  /** modelId the collection used when the job started. */
  from: string;
  fromDimension: number;
  /** modelId it is moving to. */
  to: string;
  toDimension: number;
  status: ReindexStatus;
  /** Chunks to embed: counted at the start, grown by chunks written during the job; equals `done` once completed. */
  total: number;
  done: number;
  startedAt: Date;
  /** For a completed job: when the cutover committed (searches use the new index from then on). */
  finishedAt?: Date;
  error?: string;
}
