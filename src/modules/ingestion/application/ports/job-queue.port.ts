import { Job, JobError, JobKind, JobProgress, JobState } from '../../domain/job';

/** Bytes a job needs after its request has ended (an uploaded file, a long text). */
export interface JobFile {
  filename: string;
  mimeType?: string;
  content: Buffer;
}

export interface NewJob {
  kind: JobKind;
  /** JSON-serializable parameters of the use case (collection, metadata, parse options, URL...). */
  params: Record<string, unknown>;
  files: JobFile[];
  /** The same key while an earlier job with it is unfinished returns that job (a client retrying its POST). */
  idempotencyKey: string;
}

export interface JobListFilter {
  state?: JobState;
  limit: number;
  offset: number;
}

/**
 * The ingestion queue (STYLE.md: ingestion owns it). Adapters keep jobs durably, run each through the JobWorker
 * in the process's long-operation lane, retry transient failures with backoff and resume unfinished jobs after
 * a restart. Today: Postgres (embedded or server); issue 10 adds Bull on Redis behind the same port.
 */
export interface JobQueue {
  enqueue(job: NewJob): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** Newest first. */
  list(filter: JobListFilter): Promise<{ items: Job[]; total: number }>;
  /** Jobs per state now (Prometheus' queue depth). */
  counts(): Promise<Record<JobState, number>>;
}

/** How a job attempt ended: done, failed for good, or failed and waiting for another attempt. */
export type JobOutcome = 'completed' | 'failed' | 'retried';

/** Told of every attempt's outcome (Prometheus counters); never throws into the queue. */
export type JobOutcomeListener = (kind: JobKind, outcome: JobOutcome) => void;

export interface JobContext {
  /** Aborted when the process stops: the worker stops at its next safe point with JobInterruptedError. */
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export interface ClaimedJob {
  job: Job;
  params: Record<string, unknown>;
  files: JobFile[];
}

/** What runs a job: the same application handlers as the synchronous routes. */
export interface JobWorker {
  /** Returns the job's result (what the synchronous route answers). */
  run(claimed: ClaimedJob, ctx: JobContext): Promise<unknown>;
  /**
   * The queue gave the job up without running it to an end (started jobs.maxAttempts times, its process stopping
   * each time): a use case that keeps its own record of the job (a re-index) closes it. Errors are logged, not thrown.
   */
  abandoned?(job: Omit<ClaimedJob, 'files'>, error: JobError): Promise<void>;
  /** The error a failed run leaves, and whether another attempt may succeed (a dependency down, not bad input). */
  describeFailure(e: unknown): { error: JobError; retryable: boolean };
}

export const JOB_QUEUE = Symbol('JOB_QUEUE');
export const JOB_WORKER = Symbol('JOB_WORKER');
