import { randomUUID } from 'node:crypto';
import type { AppConfig, DeepPartial } from '../src/shared/config';
import { TRANSACTION_RUNNER, type TransactionRunner } from '../src/shared/database';
import { HashingEmbedder } from '../src/modules/retrieval/infrastructure/embedders/hashing.embedder';
import { expectProblem, LIVE_CHUNKS_SQL, startTestApp, TestApp } from './support/app';
import { RedisServer, startRedis } from './support/redis';
import { searchesOf, seedProcedures, until } from './support/reindex';

/**
 * POST /v1/admin/reindex/{id}/cancel: an operator stops a queued or running re-index (or one whose queue job was lost);
 * the collection stays exactly as it was, on its old embedder, and can be re-indexed again.
 */

const KEY = 'chave-admin';
const OLD = 'hashing:v1:384';
const CANCELLED = /^RETRIEVAL\.REINDEX_CANCELLED: cancelled by an operator/;
const BASE: DeepPartial<AppConfig> = { admin: { apiKey: KEY }, retrieval: { embedder: { batchSize: 4 } }, jobs: { pollIntervalMs: 50, backoffMs: 50 } };

/** A target embedder (dimension `dimension`) whose calls past the first `free` wait until `open()`: a re-index paused mid-way. */
function gatedEmbedder(dimension: number, free: number) {
  const embed = HashingEmbedder.prototype.embed;
  let calls = 0;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const spy = jest.spyOn(HashingEmbedder.prototype, 'embed').mockImplementation(async function (this: HashingEmbedder, texts, purpose) {
    if (this.info.dimension === dimension && ++calls > free) await gate;
    return embed.call(this, texts, purpose);
  });
  return { calls: () => calls, open: () => open(), restore: () => (open(), spy.mockRestore()) };
}

function client(t: TestApp) {
  const admin = (req: ReturnType<TestApp['http']['get']>) => req.set('x-api-key', KEY);
  const api = {
    change: (collections: string | string[], dimension: number) =>
      admin(t.http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { dimension }, collections: [collections].flat() }),
    job: async (id: string) => (await admin(t.http.get(`/v1/admin/reindex/${id}`)).expect(200)).body,
    cancel: (id: string) => admin(t.http.post(`/v1/admin/reindex/${id}/cancel`)),
    ended: (id: string) => until(() => api.job(id), (j) => j.status === 'completed' || j.status === 'failed', `re-index ${id}`),
    collection: async (name: string) =>
      (await admin(t.http.get('/v1/admin/models/embedder')).expect(200)).body.collections.find((c: { name: string }) => c.name === name),
    /** Chunks the job wrote a vector for (into the slot its collection's searches do not read). */
    staged: async (id: string) => (await t.dataSource.query('SELECT count(*)::int AS n FROM chunks WHERE reindexed_by = $1', [id]))[0].n as number,
    searches: (collection: string) => searchesOf(t, collection),
  };
  return api;
}

const seed = seedProcedures;

describe('cancelling a re-index on a running lane', () => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await startTestApp(BASE);
    api = client(t);
    await seed(t, 'lenta', 40);
    for (const c of ['ocupada', 'fila', 'perdida']) await seed(t, c, 6);
  });
  afterAll(async () => t?.close());

  it('a running re-index stops at its next batch: failed as cancelled, nothing written after the cancel, the collection unchanged and searchable, a new re-index accepted', async () => {
    const before = await api.searches('lenta');
    expect(before[0]).toMatchObject({ embedder: OLD, hits: [[expect.stringMatching(/^Procedimento 7 /), expect.any(Number)], ...Array(4).fill(expect.anything())] });
    const gate = gatedEmbedder(256, 2);
    let id: string;
    try {
      const put = await api.change('lenta', 256).expect(202);
      id = put.body.jobs[0].id;
      // two batches staged, the third waits in the target embedder
      await until(() => api.job(id), (j) => j.status === 'running' && j.done === 8 && gate.calls() === 3, 'the re-index paused mid-way');
      expect(await api.staged(id)).toBe(8);

      const res = await api.cancel(id).expect(200);
      expect(res.body).toMatchObject({ id, collection: 'lenta', status: 'failed', from: OLD, to: 'hashing:v1:256', done: 8, total: 40, finished_at: expect.any(String) });
      expect(res.body.error).toMatch(CANCELLED);
      gate.open();
      // the run notices at its batch boundary: its queue job ends failed as cancelled; the batch it embedded is not written
      await until(async () => (await t.dataSource.query(`SELECT state, error FROM jobs WHERE kind = 'reindex'`))[0], (j) => j.state === 'failed', 'the queue job to end');
      const [queued] = await t.dataSource.query(`SELECT state, error FROM jobs WHERE kind = 'reindex'`);
      expect(queued.error).toMatchObject({ code: 'RETRIEVAL.REINDEX_CANCELLED', status: 409 });
      expect(gate.calls()).toBe(3); // no batch embedded after the cancel
    } finally {
      gate.restore();
    }
    const after = await api.job(id);
    expect(after).toMatchObject({ status: 'failed', done: 8, error: expect.stringMatching(CANCELLED) });
    expect(await api.staged(id)).toBe(8);
    expect(await api.collection('lenta')).toEqual({ name: 'lenta', embedder_id: OLD, dimension: 384 });
    expect(await t.dataSource.query(`SELECT DISTINCT dimension FROM ${LIVE_CHUNKS_SQL} WHERE collection = 'lenta'`)).toEqual([{ dimension: 384 }]);
    expect(await api.searches('lenta')).toEqual(before);

    // no 409: a new re-index of the collection is accepted and completes
    const again = await api.change('lenta', 256).expect(202);
    expect(await api.ended(again.body.jobs[0].id)).toMatchObject({ status: 'completed', done: 40, total: 40, to: 'hashing:v1:256' });
    expect((await api.searches('lenta'))[0]).toMatchObject({ embedder: 'hashing:v1:256', hits: [[expect.stringMatching(/^Procedimento 7 /), expect.any(Number)], ...Array(4).fill(expect.anything())] });
  }, 40_000);

  it('a completed job answers 409 and is left as it is; unknown id 404; malformed id 400; no admin key 401', async () => {
    const done = (await t.http.get('/v1/admin/reindex').set('x-api-key', KEY).expect(200)).body.items.find((j: { status: string }) => j.status === 'completed');
    const p = expectProblem(await api.cancel(done.id), 409, 'RETRIEVAL.REINDEX_NOT_CANCELLABLE');
    expect(p).toMatchObject({ jobId: done.id, detail: expect.stringContaining('has already completed') });
    expect(await api.job(done.id)).toEqual(done);
    // the cancelled one too: cancelling twice changes nothing
    const cancelled = (await t.http.get('/v1/admin/reindex').set('x-api-key', KEY).expect(200)).body.items.find((j: { status: string }) => j.status === 'failed');
    expect(expectProblem(await api.cancel(cancelled.id), 409, 'RETRIEVAL.REINDEX_NOT_CANCELLABLE').detail).toContain('has already failed');
    expect(await api.job(cancelled.id)).toEqual(cancelled);
    const unknown = randomUUID();
    expect(expectProblem(await api.cancel(unknown), 404, 'RETRIEVAL.REINDEX_JOB_NOT_FOUND').jobId).toBe(unknown);
    expectProblem(await api.cancel('123'), 400, 'REQUEST.INVALID');
    expectProblem(await t.http.post(`/v1/admin/reindex/${done.id}/cancel`), 401, 'ADMIN.UNAUTHORIZED');
    // each call is an audited admin action
    const audit = (await t.http.get('/v1/admin/audit?limit=100').set('x-api-key', KEY).expect(200)).body.items.filter((r: { action: string }) => r.action === 'reindex.cancel');
    expect(audit.map((r: { target: string; outcome: string; error_code: string | null }) => [r.target, r.outcome, r.error_code])).toEqual(
      expect.arrayContaining([
        [done.id, 'failed', 'RETRIEVAL.REINDEX_NOT_CANCELLABLE'],
        [unknown, 'failed', 'RETRIEVAL.REINDEX_JOB_NOT_FOUND'],
        [expect.any(String), 'ok', null],
      ]),
    );
  });

  it('a queued re-index (the lane busy with another) and one whose queue job was lost (its row deleted) are cancelled; new ones are accepted', async () => {
    // the lane (jobs.concurrency 1) is held by a re-index paused in its first batch: the next ones stay queued
    const gate = gatedEmbedder(64, 0);
    let busy = '';
    try {
      busy = (await api.change('ocupada', 64).expect(202)).body.jobs[0].id;
      await until(() => api.job(busy), (j) => j.status === 'running' && gate.calls() === 1, 'the lane busy');
      const queued = (await api.change('fila', 64).expect(202)).body.jobs[0].id;
      expect(await api.job(queued)).toMatchObject({ status: 'queued' });
      expectProblem(await api.change('fila', 64), 409, 'RETRIEVAL.REINDEX_IN_PROGRESS');
      expect((await api.cancel(queued).expect(200)).body).toMatchObject({ id: queued, status: 'failed', done: 0, error: expect.stringMatching(CANCELLED) });
      expect(await api.collection('fila')).toEqual({ name: 'fila', embedder_id: OLD, dimension: 384 });

      const lost = (await api.change('perdida', 64).expect(202)).body.jobs[0].id;
      await t.dataSource.query(`DELETE FROM jobs WHERE kind = 'reindex' AND params->>'reindexId' = $1`, [lost]);
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE params->>'reindexId' = $1`, [lost])).toEqual([{ n: 0 }]);
      expectProblem(await api.change('perdida', 64), 409, 'RETRIEVAL.REINDEX_IN_PROGRESS');
      expect((await api.cancel(lost).expect(200)).body).toMatchObject({ id: lost, status: 'failed', error: expect.stringMatching(CANCELLED) });

      expect((await api.cancel(busy).expect(200)).body).toMatchObject({ id: busy, status: 'failed', done: 0 });
    } finally {
      gate.restore();
    }
    // no 409 any more: each collection is moved by a new job
    const again = (await api.change(['ocupada', 'fila', 'perdida'], 64).expect(202)).body.jobs;
    expect(again.map((j: { collection: string }) => j.collection).sort()).toEqual(['fila', 'ocupada', 'perdida']);
    for (const j of again) expect(await api.ended(j.id)).toMatchObject({ status: 'completed', done: 6, to: 'hashing:v1:64' });
    // the busy job's first batch, embedded after its cancel, was not written
    expect(await api.staged(busy)).toBe(0);
  }, 30_000);

  it('a cancel committed just before the cutover transaction: the cutover refuses, the collection stays on its old embedder', async () => {
    await seed(t, 'corrida', 12);
    const built = await api.collection('corrida'); // on the active embedder (the one the test before moved to)
    const before = await api.searches('corrida');
    const gate = gatedEmbedder(128, 2); // the last of three batches waits
    const runner = t.app.get<TransactionRunner>(TRANSACTION_RUNNER, { strict: false });
    const run = runner.run.bind(runner);
    let id = '';
    let raced!: Promise<{ cancelled: Record<string, unknown>; cutover: PromiseSettledResult<unknown> }>;
    // the next transaction is the cutover's (nothing else writes meanwhile): the cancel commits first, from outside it
    const spy = jest.spyOn(runner, 'run').mockImplementationOnce((work) => {
      raced = (async () => {
        const cancelled = (await api.cancel(id)).body;
        const [cutover] = await Promise.allSettled([run(work)]);
        return { cancelled, cutover };
      })();
      return raced.then(({ cutover }) => (cutover.status === 'fulfilled' ? cutover.value : Promise.reject(cutover.reason))) as ReturnType<typeof work>;
    });
    try {
      id = (await api.change('corrida', 128).expect(202)).body.jobs[0].id;
      await until(() => api.job(id), (j) => j.done === 8 && gate.calls() === 3, 'the last batch under way');
      expect(spy).not.toHaveBeenCalled();
      gate.open();
      await until(async () => spy.mock.calls.length, (n) => n === 1, 'the cutover transaction');
      const { cancelled, cutover } = await raced;
      expect(cancelled).toMatchObject({ id, status: 'failed', done: 12 });
      // the cutover found the job ended, first thing (nothing re-embedded under the lock), and rolled back
      expect(cutover).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ name: 'ReindexEndedError' }) });
      expect(gate.calls()).toBe(3);
      const ended = await api.ended(id);
      expect(ended).toMatchObject({ status: 'failed', done: 12, error: expect.stringMatching(CANCELLED) });
      await until(async () => (await t.dataSource.query(`SELECT state FROM jobs WHERE kind = 'reindex' AND params->>'reindexId' = $1`, [id]))[0]?.state, (s) => s === 'failed', 'the queue job to end');
    } finally {
      spy.mockRestore();
      gate.restore();
    }
    expect(await api.job(id)).toMatchObject({ status: 'failed' });
    expect(await api.staged(id)).toBe(12);
    expect(await api.collection('corrida')).toEqual(built);
    expect(await api.searches('corrida')).toEqual(before);
  }, 30_000);
});

describe('cancelling a re-index on the Bull queue (real Redis)', () => {
  let redis: RedisServer;
  let t: TestApp;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    redis = await startRedis();
    t = await startTestApp({ ...BASE, jobs: { ...BASE.jobs, backend: 'bull', redisUrl: redis.url, leaseMs: 10_000 } });
    api = client(t);
    await seed(t, 'touro', 20);
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('a running re-index stops at its next batch and its Bull job ends failed as cancelled; the collection is unchanged', async () => {
    const before = await api.searches('touro');
    const gate = gatedEmbedder(256, 1);
    let id = '';
    try {
      id = (await api.change('touro', 256).expect(202)).body.jobs[0].id;
      await until(() => api.job(id), (j) => j.status === 'running' && j.done === 4 && gate.calls() === 2, 'the re-index paused mid-way');
      expect((await api.cancel(id).expect(200)).body).toMatchObject({ status: 'failed', done: 4, error: expect.stringMatching(CANCELLED) });
      gate.open();
      const failed = await until(
        async () => ((await t.http.get('/v1/jobs?state=failed').expect(200)).body.items as Array<{ kind: string; error?: { code: string } }>).find((j) => j.kind === 'reindex'),
        (j) => !!j,
        'the Bull job to end',
      );
      expect(failed!.error).toMatchObject({ code: 'RETRIEVAL.REINDEX_CANCELLED', status: 409 });
      expect(gate.calls()).toBe(2);
    } finally {
      gate.restore();
    }
    expect(await api.job(id)).toMatchObject({ status: 'failed', done: 4 });
    expect(await api.staged(id)).toBe(4);
    expect(await api.collection('touro')).toEqual({ name: 'touro', embedder_id: OLD, dimension: 384 });
    expect(await api.searches('touro')).toEqual(before);
    const again = await api.change('touro', 256).expect(202);
    expect(await api.ended(again.body.jobs[0].id)).toMatchObject({ status: 'completed', done: 20 });
  }, 30_000);

  it('a change whose re-index cannot be queued (Redis down) answers 503 and changes nothing: the old embedder stays active', async () => {
    await seed(t, 'boi', 6);
    const status = async () => (await t.http.get('/v1/admin/models/embedder').set('x-api-key', KEY).expect(200)).body;
    const before = await status();
    const active = before.active.model_id;
    await redis.kill();
    try {
      const put = await api.change('boi', 128);
      expectProblem(put, 503, 'INGESTION.QUEUE_UNAVAILABLE');
      const after = await status();
      expect(after.active.model_id).toBe(active);
      expect(after.collections).toEqual(before.collections);
      // the new embedder was not kept, and no re-index is left running for it
      expect(after.loaded.map((e: { model_id: string }) => e.model_id)).not.toContain('hashing:v1:128');
      const jobs = (await t.http.get('/v1/admin/reindex').set('x-api-key', KEY).expect(200)).body;
      expect((jobs.items ?? jobs).filter((j: { to: string; status: string }) => j.to === 'hashing:v1:128' && j.status !== 'failed')).toEqual([]);
      // a document ingested now is built with the embedder still active
      await t.http.post('/v1/documents').send({ collection: 'novilha', title: 'n', text: 'texto da novilha' }).expect(201);
      expect(await api.collection('novilha')).toMatchObject({ embedder_id: active });
    } finally {
      await redis.restart();
    }
  }, 30_000);
});
