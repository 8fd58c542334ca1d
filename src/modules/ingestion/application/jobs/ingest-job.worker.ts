import { Injectable } from '@nestjs/common';
import { problemOf } from '../../../../shared/errors';
import { runAsUser } from '../../../../shared/logging';
import { REINDEX_CANCELLED, ReindexInterruptedError, ReindexService } from '../../../retrieval';
import { JobError, JobInterruptedError } from '../../domain/job';
import { IngestFilesCommand, IngestFilesHandler } from '../ingest/ingest-files.handler';
import { IngestTextCommand } from '../ingest/ingest.command';
import { IngestTextHandler } from '../ingest/ingest-text.handler';
import { IngestUrlCommand, IngestUrlHandler } from '../ingest/ingest-url.handler';
import { ClaimedJob, JobContext, JobWorker } from '../ports/job-queue.port';

/** What the queue keeps of each kind's command (the bytes travel as job files). */
export type FilesJobParams = Omit<IngestFilesCommand, 'files'>;
export type UrlJobParams = IngestUrlCommand;
export type TextJobParams = Omit<IngestTextCommand, 'text'>;
export interface ReindexJobParams {
  reindexId: string;
}
/** The params key holding the user whose request queued the job (IngestJobsService): the job runs for them (runAsUser). */
export const JOB_USER = 'queuedBy';

/** A re-index that ended failed: final (the admin asks again to retry), its error the re-index job's. */
class ReindexFailed extends Error {
  /** An operator cancelled it (POST /v1/admin/reindex/{id}/cancel): not a fault. */
  readonly cancelled: boolean;
  constructor(detail: string) {
    super(`The re-index failed: ${detail}`);
    this.name = 'ReindexFailed';
    this.cancelled = detail.startsWith(REINDEX_CANCELLED);
  }
}

/** A dependency that is down or slow (database, embedding provider, web server): another attempt may succeed. */
const TRANSIENT_STATUS = new Set([502, 503, 504]);

/**
 * Runs ingest jobs through the handlers of the synchronous routes, so a job's result and errors are what the
 * request would have answered: an upload's `{documents}`, a URL's or a text's IngestResult.
 */
@Injectable()
export class IngestJobWorker implements JobWorker {
  constructor(
    private readonly files: IngestFilesHandler,
    private readonly url: IngestUrlHandler,
    private readonly text: IngestTextHandler,
    private readonly reindex: ReindexService,
  ) {}

  run(claimed: ClaimedJob, ctx: JobContext): Promise<unknown> {
    const { [JOB_USER]: user, ...params } = claimed.params;
    return runAsUser(typeof user === 'string' ? user : undefined, () => this.runFor({ ...claimed, params }, ctx), undefined, claimed.job.id);
  }

  private async runFor({ job, params, files }: ClaimedJob, ctx: JobContext): Promise<unknown> {
    if (ctx.signal.aborted) throw new JobInterruptedError();
    switch (job.kind) {
      case 'ingest-files': {
        const cmd: IngestFilesCommand = {
          ...(params as FilesJobParams),
          files: files.map((f) => ({ buffer: f.content, filename: f.filename, mimeType: f.mimeType })),
        };
        // every file parsed before anything is written, as in the request: a bad file fails the job with nothing stored
        const parsed = await this.files.parseAll(cmd.files, cmd.parseOptions);
        const total = parsed.reduce((n, f) => n + f.docs.length, 0);
        let done = 0;
        ctx.progress({ done, total });
        // the request's answer: {documents} and, when an earlier version of a file lost records, `removed`
        return this.files.ingestParsed(cmd, parsed, () => {
          ctx.progress({ done: ++done, total });
          // between documents: what is written stays (a resumed job deduplicates it by content hash)
          if (ctx.signal.aborted) throw new JobInterruptedError();
        });
      }
      case 'ingest-url': {
        ctx.progress({ done: 0, total: 1 });
        const result = await this.url.execute(params as unknown as UrlJobParams);
        ctx.progress({ done: 1, total: 1 });
        return result;
      }
      case 'ingest-text': {
        ctx.progress({ done: 0, total: 1 });
        const text = files[0]?.content.toString('utf8') ?? '';
        const result = await this.text.execute({ ...(params as unknown as TextJobParams), text });
        ctx.progress({ done: 1, total: 1 });
        return result;
      }
      case 'reindex': {
        // the re-index keeps its own record (GET /v1/admin/reindex/{id}); this job runs it and resumes it after a restart
        try {
          const ended = await this.reindex.execute((params as unknown as ReindexJobParams).reindexId, ctx);
          if (ended.status === 'failed') throw new ReindexFailed(ended.error ?? 'unknown error');
          return { reindex_id: ended.id, collection: ended.collection, to: ended.to, chunks: ended.done };
        } catch (e) {
          if (e instanceof ReindexInterruptedError || ctx.signal.aborted) throw new JobInterruptedError();
          throw e;
        }
      }
      default: {
        const never: never = job.kind;
        throw new Error(`unknown job kind ${String(never)}`);
      }
    }
  }

  /** A re-index whose queue job was given up stays unfinished otherwise, and every later change of its collection answers 409. */
  async abandoned({ job, params }: Omit<ClaimedJob, 'files'>, error: JobError): Promise<void> {
    if (job.kind === 'reindex') await this.reindex.abandon((params as unknown as ReindexJobParams).reindexId, error.detail);
  }

  describeFailure(e: unknown): { error: JobError; retryable: boolean } {
    if (e instanceof ReindexFailed) {
      const error = e.cancelled ? { code: REINDEX_CANCELLED, status: 409 } : { code: 'INGESTION.REINDEX_FAILED', status: 500 };
      return { error: { ...error, detail: e.message }, retryable: false };
    }
    const { type: _type, title: _title, ...error } = problemOf(e);
    // a job has no request id: its own id is what the log line names
    if (error.code === 'INTERNAL') error.detail = 'An unexpected error occurred. It has been logged with the job id.';
    return { error, retryable: TRANSIENT_STATUS.has(error.status) };
  }
}
