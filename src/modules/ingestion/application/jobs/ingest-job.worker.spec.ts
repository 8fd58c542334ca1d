import { EmptyDocumentError, FetchFailedError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { IngestJobWorker } from './ingest-job.worker';

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
