import { DomainError } from '../../../shared/errors/domain-error';

/** The states of issue 10's convention (Bull's names), so a Bull adapter answers the same API. */
export const JOB_STATES = ['waiting', 'active', 'completed', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** `reindex`: moving a collection to another embedder (retrieval's re-index, run through this queue so it survives a restart). */
export const JOB_KINDS = ['ingest-files', 'ingest-url', 'ingest-text', 'reindex'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Documents written so far; `total` once the files are parsed (a URL or a text: 1). */
export interface JobProgress {
  done: number;
  total?: number;
}

/** Why a job failed: the problem+json a synchronous request would have answered (code, status, detail, extras). */
export interface JobError {
  code: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

/** A background job as callers see it. */
export interface Job {
  id: string;
  kind: JobKind;
  state: JobState;
  progress: JobProgress;
  /** Tries started so far (a retry after a transient failure, or a run resumed after a restart, adds one). */
  attempts: number;
  maxAttempts: number;
  /** A completed job: the body the synchronous route answers. */
  result?: unknown;
  /** A failed job: its error; a waiting job that failed transiently: the last error, before its retry. */
  error?: JobError;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  /** A waiting job does not start before this (the backoff of a retry). */
  runAfter: Date;
}

export class JobNotFoundError extends DomainError {
  constructor(id: string) {
    super('INGESTION.JOB_NOT_FOUND', 'not_found', `Job ${id} does not exist.`, { id });
  }
}

/** Thrown by a job interrupted at a safe point because the process is stopping: it is handed back, not failed. */
export class JobInterruptedError extends Error {
  constructor() {
    super('the process is stopping: the job is handed back to the queue');
    this.name = 'JobInterruptedError';
  }
}

/** The job backend's store (Redis, for Bull) is not reachable: nothing was enqueued (or read); the client may retry. */
export class JobQueueUnavailableError extends DomainError {
  constructor() {
    // one message for a submission and a read (a job's status said "nothing was queued")
    super('INGESTION.QUEUE_UNAVAILABLE', 'unavailable', 'The job queue is unavailable (its Redis is not connected or does not answer): nothing was queued or read. Try again shortly.');
  }
}

/** A job started `maxAttempts` times whose process stopped each time before it ended (a file that crashes it?): failed for good. */
export function abandonedAfter(maxAttempts: number): JobError {
  return {
    code: 'JOB.ABANDONED',
    status: 500,
    detail: `The job was started ${maxAttempts} times and its process stopped each time before it ended (jobs.maxAttempts).`,
  };
}
