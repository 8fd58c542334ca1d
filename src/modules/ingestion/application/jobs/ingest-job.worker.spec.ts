import { EmptyDocumentError, FetchFailedError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { currentUserId, runAsUser } from '../../../../shared/logging';
import { Job } from '../../domain/job';
import { IngestTextHandler } from '../ingest/ingest-text.handler';
import { IngestJobWorker, JOB_USER } from './ingest-job.worker';

describe('IngestJobWorker.describeFailure', () => {
  const worker = new IngestJobWorker(undefined as never, undefined as never, undefined as never, undefined as never);

  it('bad input fails at once with the problem the request would have answered', () => {
    expect(worker.describeFailure(new UnreadableDocumentError('a.json', 'invalid JSON'))).toEqual({
      error: { code: 'INGESTION.UNREADABLE_DOCUMENT', status: 422, detail: 'Document "a.json" could not be read: invalid JSON', document: 'a.json' },
      retryable: false,
    });
    expect(worker.describeFailure(new EmptyDocumentError('vazio')).retryable).toBe(false);
  });

  it('a database that is down or a server that did not answer is retried', () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    expect(worker.describeFailure(lost)).toMatchObject({ error: { code: 'DATABASE.UNAVAILABLE', status: 503 }, retryable: true });
    expect(worker.describeFailure(Object.assign(new Error('terminating connection'), { code: '57P01' })).retryable).toBe(true);
    expect(worker.describeFailure(new FetchFailedError('https://exemplo.com.br', 'timed out', 'timeout'))).toMatchObject({
      error: { code: 'INGESTION.FETCH_TIMEOUT', status: 504 },
      retryable: true,
    });
  });

  it('an unexpected error is a 500 that says nothing internal, and is not retried', () => {
    expect(worker.describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toEqual({
      error: { code: 'INTERNAL', status: 500, detail: 'An unexpected error occurred. It has been logged with the job id.' },
      retryable: false,
    });
  });
});

describe('IngestJobWorker.run', () => {
  it("runs a job for the user whose request queued it, whatever context woke the worker; the handler never sees the key", async () => {
    const seen: Array<{ user?: string; params: object }> = [];
    const text = { execute: async (cmd: object) => (seen.push({ user: currentUserId(), params: cmd }), { id: 'd1' }) } as unknown as IngestTextHandler;
    const worker = new IngestJobWorker(undefined as never, undefined as never, text, undefined as never);
    const ctx = { signal: new AbortController().signal, progress: () => undefined };
    const job = (params: Record<string, unknown>) => ({ job: { id: 'j', kind: 'ingest-text' } as Job, params, files: [{ filename: 'text', content: Buffer.from('Trinta dias.') }] });
    // the worker loop woken up inside another user's request
    await runAsUser('bruno', () => worker.run(job({ collection: 'rh', title: 'Férias', [JOB_USER]: 'ana' }), ctx));
    await runAsUser('bruno', () => worker.run(job({ collection: 'rh', title: 'Férias' }), ctx));
    expect(seen).toEqual([
      { user: 'ana', params: { collection: 'rh', title: 'Férias', text: 'Trinta dias.' } },
      { user: undefined, params: { collection: 'rh', title: 'Férias', text: 'Trinta dias.' } },
    ]);
  });
});
