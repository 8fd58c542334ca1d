import { performance } from 'node:perf_hooks';
import type { AppConfig, DeepPartial } from '../src/shared/config';
import { ReindexService } from '../src/modules/retrieval';
import { PgReindexStore } from '../src/modules/retrieval/infrastructure/vector-stores/pgvector.reindex-store';
import { LIVE_CHUNKS_SQL, startTestApp, TestApp } from './support/app';
import { REINDEX_QUERIES, searchesOf, seedProcedures, until } from './support/reindex';

/**
 * The re-index's switch does not hold the database (probe s14 #6): the job writes the new vectors into the chunks'
 * other vector slot in short statements, and the cutover flips the collection row only. On the embedded database
 * (one session), another collection's searches and /health/ready answer throughout a re-index of thousands of
 * chunks; every step converges when run again; a failure leaves the collection as it was.
 */

const KEY = 'chave-admin';
const OLD = 'hashing:v1:384';
const NEW = 'hashing:v1:256';
const BIG = 3000;
const QUERIES = REINDEX_QUERIES;
const BASE: DeepPartial<AppConfig> = { admin: { apiKey: KEY }, jobs: { pollIntervalMs: 50, backoffMs: 50 } };

interface JobView {
  id: string;
  status: string;
  done: number;
  total: number;
  started_at: string;
  finished_at?: string;
  error?: string;
}

describe('the re-index switch on a live database', () => {
  let t: TestApp;
  const admin = <R extends { set(k: string, v: string): R }>(req: R) => req.set('x-api-key', KEY);
  const job = async (id: string): Promise<JobView> => (await admin(t.http.get(`/v1/admin/reindex/${id}`)).expect(200)).body;
  const ended = (id: string) => until(() => job(id), (j) => j.status === 'completed' || j.status === 'failed', `re-index ${id}`, 120_000);
  const change = (collection: string, dimension = 256) =>
    admin(t.http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { dimension }, collections: [collection] }).expect(202);
  const slotOf = async (collection: string) => (await t.dataSource.query('SELECT embedder_id, dimension, vector_slot FROM collections WHERE name = $1', [collection]))[0];
  const written = async (id: string) => (await t.dataSource.query('SELECT count(*)::int AS n FROM chunks WHERE reindexed_by = $1', [id]))[0].n as number;
  const searches = (collection: string) => searchesOf(t, collection);
  const seed = (collection: string, rows: number) => seedProcedures(t, collection, rows);

  beforeAll(async () => {
    t = await startTestApp(BASE);
    // all on the old embedder (a collection created after the first swap would be built with the new one)
    await seed('grande', BIG);
    await seed('vizinha', 30);
    await seed('dupla', 200);
    await seed('falha', 100);
  }, 300_000);
  afterAll(async () => t?.close());

  let switched = '';

  it(`a re-index of ${BIG} chunks: another collection's searches and readiness answer all along, never 503, while it is mid-way`, async () => {
    expect(await slotOf('grande')).toEqual({ embedder_id: OLD, dimension: 384, vector_slot: 0 });
    const neighbour = await searches('vizinha');
    const grandeBefore = await searches('grande');
    expect(grandeBefore.every((s) => s.embedder === OLD && s.hits.length === 5)).toBe(true);
    // idle: what a search of the other collection takes with nothing else running
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await t.http.post('/v1/search').send({ query: QUERIES[i % QUERIES.length], collection: 'vizinha', mode: 'hybrid', top_k: 5 }).expect(200);
      idle.push(performance.now() - t0);
    }
    const idleMax = Math.max(...idle);

    const id: string = (await change('grande')).body.jobs[0].id;
    switched = id;
    const calls: Array<{ kind: string; status: number; ms: number; before: JobView; after: JobView; embedder?: string }> = [];
    for (let i = 0; ; i++) {
      const before = await job(id);
      if (before.status === 'completed' || before.status === 'failed') break;
      const t0 = performance.now();
      const res =
        i % 3 === 2
          ? await t.http.get('/health/ready')
          : await t.http.post('/v1/search').send({ query: QUERIES[i % QUERIES.length], collection: 'vizinha', mode: i % 3 ? 'vector' : 'hybrid', top_k: 5 });
      const ms = performance.now() - t0;
      calls.push({ kind: i % 3 === 2 ? 'ready' : 'search', status: res.status, ms, before, after: await job(id), embedder: res.body.embedder });
    }
    const done = await job(id);
    expect(done).toMatchObject({ status: 'completed', done: BIG, total: BIG });
    const jobMs = Date.parse(done.finished_at!) - Date.parse(done.started_at);

    // never a 503 (nor anything but 200), searches of the other collection on its own embedder
    expect(calls.filter((c) => c.status !== 200).map((c) => ({ kind: c.kind, status: c.status }))).toEqual([]);
    expect(calls.filter((c) => c.kind === 'search' && c.embedder !== OLD)).toEqual([]);
    // answered while the job was mid-way: sent after it had written some vectors, answered before it had written all
    const midway = calls.filter((c) => c.before.status === 'running' && c.before.done > 0 && c.after.status === 'running' && c.after.done < c.after.total);
    expect(midway.filter((c) => c.kind === 'search').length).toBeGreaterThan(0);
    expect(midway.filter((c) => c.kind === 'ready').length).toBeGreaterThan(0);
    // no call waited for a large share of the job (the switch of probe s14 #6 held the database for most of it)
    const worst = Math.max(...calls.map((c) => c.ms));
    console.log(
      `re-index switch: ${BIG} chunks in ${jobMs} ms; ${calls.length} calls during it (${midway.length} mid-way), slowest ${Math.round(worst)} ms; ` +
        `idle search max ${Math.round(idleMax)} ms`,
    );
    expect(worst).toBeLessThan(Math.max(10 * idleMax, jobMs / 4));

    // the moved collection: on the new embedder, read from the other slot, every chunk written by the job
    expect(await slotOf('grande')).toEqual({ embedder_id: NEW, dimension: 256, vector_slot: 1 });
    expect(await written(id)).toBe(BIG);
    expect(await t.dataSource.query(`SELECT DISTINCT dimension FROM ${LIVE_CHUNKS_SQL} WHERE collection = 'grande'`)).toEqual([{ dimension: 256 }]);
    const grandeAfter = await searches('grande');
    expect(grandeAfter.every((s) => s.embedder === NEW && s.hits.length === 5)).toBe(true);
    expect(grandeAfter).not.toEqual(grandeBefore);
    expect(await searches('vizinha')).toEqual(neighbour);
  }, 300_000);

  it("searches of a moved collection use the new slot's HNSW index", async () => {
    // with statistics of the collection's size (the embedded database's vacuum analyzes chunks as they grow)
    await t.dataSource.query('ANALYZE chunks');
    const v = `[${Array.from({ length: 256 }, (_, i) => (i % 7) / 7).join(',')}]`;
    const plan: Array<{ 'QUERY PLAN': string }> = await t.dataSource.query(
      `EXPLAIN SELECT c.id FROM chunks c WHERE c.dimension_1 = 256 AND c.collection = 'grande' ORDER BY c.embedding_1::vector(256) <=> $1::vector(256) LIMIT 60`,
      [v],
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('chunks_embedding_1_hnsw_256');
  });

  it('a second run of a job that has switched changes nothing; two runs of one job at once switch it once', async () => {
    const reindex = t.app.get(ReindexService, { strict: false });
    const signal = new AbortController().signal;
    const before = await job(switched);
    const grande = await searches('grande');
    expect(await reindex.execute(switched, { signal })).toMatchObject({ id: switched, status: 'completed', done: BIG, total: BIG });
    expect(await job(switched)).toEqual(before);
    expect(await slotOf('grande')).toEqual({ embedder_id: NEW, dimension: 256, vector_slot: 1 });
    expect(await written(switched)).toBe(BIG);
    expect(await searches('grande')).toEqual(grande);

    // a run of its own beside the queue's (two workers given one job): one cuts over, the other finds it done
    const id: string = (await change('dupla')).body.jobs[0].id;
    const [mine, theirs] = await Promise.all([reindex.execute(id, { signal }), ended(id)]);
    expect(mine).toMatchObject({ id, status: 'completed', done: 200, total: 200 });
    expect(theirs).toMatchObject({ status: 'completed', done: 200, total: 200 });
    expect(await slotOf('dupla')).toEqual({ embedder_id: NEW, dimension: 256, vector_slot: 1 });
    expect(await written(id)).toBe(200);
    const queued = async () => (await t.dataSource.query(`SELECT state FROM jobs WHERE kind = 'reindex' AND params->>'reindexId' = $1`, [id]))[0]?.state;
    expect(await until(queued, (s) => s !== 'waiting' && s !== 'active', 'the queue job to end')).toBe('completed');
    expect((await searches('dupla')).every((s) => s.embedder === NEW && s.hits.length === 5)).toBe(true);
  }, 120_000);

  it('a write that fails mid-way fails the job once and leaves the collection as it was; asking again finishes it', async () => {
    const before = await searches('falha');
    const stage = PgReindexStore.prototype.stage;
    let calls = 0;
    const spy = jest.spyOn(PgReindexStore.prototype, 'stage').mockImplementation(function (this: PgReindexStore, ...args) {
      if (++calls === 2) return Promise.reject(new Error('simulated write failure'));
      return stage.apply(this, args);
    });
    let id = '';
    try {
      id = (await change('falha')).body.jobs[0].id;
      expect(await ended(id)).toMatchObject({ status: 'failed', error: expect.stringContaining('simulated write failure') });
    } finally {
      spy.mockRestore();
    }
    // its queue job ended at once: failed, one attempt (no retry loop)
    const queued = async () => (await t.dataSource.query(`SELECT state, attempts FROM jobs WHERE kind = 'reindex' AND params->>'reindexId' = $1`, [id]))[0];
    expect(await until(queued, (j) => j.state !== 'waiting' && j.state !== 'active', 'the queue job to end')).toEqual({ state: 'failed', attempts: 1 });
    expect(calls).toBe(2);
    // the collection as it was: old embedder, old slot, same results; the batch written before the failure sits unread
    expect(await slotOf('falha')).toEqual({ embedder_id: OLD, dimension: 384, vector_slot: 0 });
    expect(await written(id)).toBeGreaterThan(0);
    expect(await t.dataSource.query(`SELECT DISTINCT dimension FROM ${LIVE_CHUNKS_SQL} WHERE collection = 'falha'`)).toEqual([{ dimension: 384 }]);
    expect(await searches('falha')).toEqual(before);

    const again: string = (await change('falha')).body.jobs[0].id;
    expect(await ended(again)).toMatchObject({ status: 'completed', done: 100, total: 100 });
    expect(await slotOf('falha')).toEqual({ embedder_id: NEW, dimension: 256, vector_slot: 1 });
    expect(await written(again)).toBe(100);
    const after = await searches('falha');
    expect(after.every((s) => s.embedder === NEW && s.hits.length === 5)).toBe(true);
  }, 120_000);
});
