import { EventEmitter } from 'node:events';
import type { Job as BullJob, Queue } from 'bull';
import type { LongOperationLane } from '../../../../shared/jobs';
import type { JobWorker } from '../../application/ports/job-queue.port';
import { BullJobQueue, BullJobData } from './bull.job-queue';

/** Bull's queue as the adapter's 'failed' listener sees it: events, and a processing loop that never settles. */
class FakeQueue extends EventEmitter {
  process(): Promise<void> {
    return new Promise(() => undefined);
  }
}

const job = (data: Partial<BullJobData>, failedReason: string) =>
  ({ id: '7', data: { kind: 'reindex', params: { reindexId: 'r1' }, files: [], idempotencyKey: 'k', ...data }, opts: { attempts: 3 }, attemptsMade: 0, progress: () => ({ done: 0 }), timestamp: Date.now(), failedReason }) as unknown as BullJob<BullJobData>;

describe('BullJobQueue', () => {
  it('tells the worker of a job Bull failed itself (the stalled-job limit), not of one its processor failed', async () => {
    const queue = new FakeQueue();
    const abandoned = jest.fn(async () => undefined);
    const worker = { run: jest.fn(), describeFailure: jest.fn(), abandoned } as unknown as JobWorker;
    const lane = { concurrency: 1 } as unknown as LongOperationLane;
    const q = new BullJobQueue(queue as unknown as Queue<BullJobData>, lane, worker, { maxAttempts: 3, backoffMs: 10, consume: true, redisPrefix: 'acervo', redisTimeoutMs: 1000 });
    q.onApplicationBootstrap();

    queue.emit('failed', job({}, 'job stalled more than allowable limit'), new Error('job stalled more than allowable limit'));
    await new Promise((r) => setImmediate(r));
    expect(abandoned).toHaveBeenCalledTimes(1);
    expect(abandoned).toHaveBeenCalledWith(
      { job: expect.objectContaining({ id: '7', kind: 'reindex', state: 'failed' }), params: { reindexId: 'r1' } },
      { code: 'JOB.ABANDONED', status: 500, detail: 'The job could not be run: job stalled more than allowable limit.' },
    );

    // the processor's own failure (it writes data.error before throwing) is the use case's to record
    queue.emit('failed', job({ error: { code: 'INGESTION.REINDEX_FAILED', status: 500, detail: 'boom' } }, 'boom'), new Error('boom'));
    await new Promise((r) => setImmediate(r));
    expect(abandoned).toHaveBeenCalledTimes(1);
  });
});
