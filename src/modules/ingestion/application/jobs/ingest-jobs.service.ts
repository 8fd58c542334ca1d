import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { currentUserId } from '../../../../shared/logging';
import { Job, JobKind, JobNotFoundError } from '../../domain/job';
import { FilesResult, IngestFilesCommand, IngestFilesHandler } from '../ingest/ingest-files.handler';
import { IngestTextCommand } from '../ingest/ingest.command';
import { assertTextWithinLimit } from '../ingest/ingest-text.handler';
import { IngestUrlCommand } from '../ingest/ingest-url.handler';
import { JOB_QUEUE, JobFile, JobListFilter, JobQueue } from '../ports/job-queue.port';
import { FilesJobParams, JOB_USER, ReindexJobParams, TextJobParams } from './ingest-job.worker';

/** `async`: always a job; `sync`: in the request, up to the hard limits; `auto`: a job past ingestion.async's thresholds. */
export type IngestMode = 'async' | 'sync' | 'auto';

export type UploadOutcome = { job: Job } | FilesResult;

/**
 * The background path of ingestion (issue 12): big uploads and large record arrays become jobs answered 202,
 * run later in the long-operation lane by IngestJobWorker, instead of holding a request for minutes.
 */
@Injectable()
export class IngestJobsService {
  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly files: IngestFilesHandler,
  ) {}

  /**
   * An upload, by `mode`. `auto` queues files past `thresholdBytes` unread; smaller ones are parsed here (their errors
   * answered at once) and queued when they hold more than `thresholdRecords` records (documents, or the records of a JSON
   * array kept as one document), else ingested in the request. `signal` is the request's: a client that goes away
   * stops the parse of its files (a PDF or .docx no longer holds a parser for nobody).
   */
  async upload(cmd: IngestFilesCommand, mode: IngestMode, signal?: AbortSignal): Promise<UploadOutcome> {
    const { thresholdBytes, thresholdRecords } = this.config.ingestion.async;
    const bytes = cmd.files.reduce((n, f) => n + f.buffer.length, 0);
    if (mode === 'async' || (mode === 'auto' && bytes > thresholdBytes)) return { job: await this.submitFiles(cmd) };
    const parsed = await this.files.parseAll(cmd.files, cmd.parseOptions, signal);
    const records = parsed.reduce((n, f) => f.docs.reduce((m, d) => m + (d.records ?? 1), n), 0);
    if (mode === 'auto' && records > thresholdRecords) return { job: await this.submitFiles(cmd) };
    return this.files.ingestParsed(cmd, parsed);
  }

  submitFiles(cmd: IngestFilesCommand): Promise<Job> {
    const { files, ...rest } = cmd;
    const params: FilesJobParams = rest;
    return this.submit('ingest-files', params, files.map((f) => ({ filename: f.filename, mimeType: f.mimeType, content: f.buffer })));
  }

  submitUrl(cmd: IngestUrlCommand): Promise<Job> {
    return this.submit('ingest-url', { ...cmd }, []);
  }

  async submitText(cmd: IngestTextCommand): Promise<Job> {
    assertTextWithinLimit(cmd.title, cmd.text, this.config.ingestion.maxTextChars);
    const { text, ...rest } = cmd;
    const params: TextJobParams = rest;
    return this.submit('ingest-text', params, [{ filename: 'text', mimeType: 'text/plain', content: Buffer.from(text, 'utf8') }]);
  }

  /** A re-index job of retrieval's (its id is the key: queued once while unfinished). */
  submitReindex(reindexId: string): Promise<Job> {
    const params: ReindexJobParams = { reindexId };
    // an admin's swap re-indexes every user's collections: its embedding calls are nobody's (docs/api.md, usage)
    return this.submit('reindex', params, [], false);
  }

  async get(id: string): Promise<Job> {
    const job = await this.queue.get(id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  }

  list(filter: JobListFilter): Promise<{ items: Job[]; total: number }> {
    return this.queue.list(filter);
  }

  private submit(kind: JobKind, jobParams: object, files: JobFile[], forUser = true): Promise<Job> {
    // the user whose request queued it: the job's embedding calls are recorded for them (one job per user for the same bytes)
    const user = forUser ? currentUserId() : undefined;
    const params = user ? { ...jobParams, [JOB_USER]: user } : jobParams;
    // the same request again (its parameters and the same bytes) finds the unfinished job instead of a second one
    const key = createHash('sha256').update(kind).update('\0').update(JSON.stringify(params));
    for (const f of files) key.update('\0').update(f.filename).update('\0').update(f.mimeType ?? '').update('\0').update(createHash('sha256').update(f.content).digest());
    return this.queue.enqueue({ kind, params: params as Record<string, unknown>, files, idempotencyKey: key.digest('hex') });
  }
}
