import { randomUUID } from 'node:crypto';
import type supertest from 'supertest';
import { DeepPartial } from '../src/shared/config';
import type { AppConfig } from '../src/shared/config';
import { expectProblem, startTestApp, TestApp } from './support/app';
import { FakeHttpServer } from './support/fake-http.server';
import { until } from './support/poll';

/**
 * The background job path (issue 12, ground for issue 10): big uploads answer 202 and run in the long-operation
 * lane; GET /v1/jobs/{id} follows them; jobs outlive the process that accepted them.
 */

const THRESHOLDS: DeepPartial<AppConfig> = {
  // batches of 5 documents: these tests watch a job mid-way (progress between 0 and total, searches while it writes)
  ingestion: { async: { thresholdBytes: 64 * 1024, thresholdRecords: 20 }, batch: { documents: 5 } },
  jobs: { pollIntervalMs: 50, backoffMs: 50 },
};

/** A CSV of `rows` procedures, one document each (a long text column, a title column). */
function procedures(rows: number, topic = 'reembolso'): Buffer {
  const lines = ['id,titulo,descricao'];
  for (let i = 1; i <= rows; i++) {
    lines.push(`${i},Procedimento ${i} de ${topic},"Passo ${i} do ${topic}: abrir chamado no portal interno, anexar o comprovante ${i} e aguardar a aprovação do gestor."`);
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

interface JobBody {
  id: string;
  state: string;
  progress: { done: number; total?: number };
  attempts: number;
  result?: { documents: Array<Record<string, unknown>> };
  error?: { code: string; status: number; detail: string };
}

const job = async (t: TestApp, id: string): Promise<JobBody> => {
  const res = await t.http.get(`/v1/jobs/${id}`);
  expect(res.status).toBe(200);
  return res.body as JobBody;
};
const finished = (t: TestApp, id: string) => until(() => job(t, id), (j) => j.state === 'completed' || j.state === 'failed', `job ${id}`);

/** Asserts a 202 with the job's id, state and Location; returns the id. */
function accepted(res: supertest.Response): string {
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ job_id: expect.stringMatching(/^[0-9a-f-]{36}$/), state: expect.stringMatching(/^(waiting|active)$/), status_url: `/v1/jobs/${res.body.job_id}` });
  expect(res.headers.location).toBe(res.body.status_url);
  return res.body.job_id as string;
}

/** The value of one Prometheus sample (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const comparable = (docs: Array<Record<string, unknown>>) => docs.map(({ title, deduplicated, replaced, chunks }) => ({ title, deduplicated, replaced, chunks }));

describe('background jobs: 202 and GET /v1/jobs/{id}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(THRESHOLDS);
  });
  afterAll(async () => t?.close());

  it('an upload past thresholdRecords answers 202; the job ends with the per-document result of the sync path, searchable', async () => {
    const csv = procedures(30);
    const id = accepted(await t.http.post('/v1/documents').field('collection', 'async-csv').attach('files', csv, 'procedimentos.csv'));
    const done = await finished(t, id);
    expect(done).toMatchObject({ state: 'completed', attempts: 1, progress: { done: 30, total: 30 } });

    const sync = await t.http.post('/v1/documents?async=false').field('collection', 'sync-csv').attach('files', csv, 'procedimentos.csv');
    expect(sync.status).toBe(201);
    expect(comparable(done.result!.documents)).toEqual(comparable(sync.body.documents));
    expect(done.result!.documents).toHaveLength(30);

    const search = await t.http.post('/v1/search').send({ query: 'comprovante 17 do reembolso', collection: 'async-csv', top_k: 3 });
    expect(search.status).toBe(200);
    expect(search.body.hits[0].title).toBe('Procedimento 17 de reembolso');
    // the job's bytes are gone once it ended
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM job_files WHERE job_id = $1', [id])).toEqual([{ n: 0 }]);
  });

  it('a file past thresholdBytes goes to the job path unread; a JSON text with ?async=true too', async () => {
    const big = Buffer.from(`Manual de viagens corporativas.\n\n${'A prestação de contas da viagem é feita em até cinco dias úteis. '.repeat(1200)}`, 'utf8');
    expect(big.length).toBeGreaterThan(64 * 1024);
    const fileJob = accepted(await t.http.post('/v1/documents').field('collection', 'async-big').attach('files', big, 'viagens.txt'));
    const textJob = accepted(
      await t.http.post('/v1/documents?async=true').send({ title: 'Férias', text: 'Trinta dias de férias por ano, em até três períodos.', collection: 'async-big' }),
    );
    const [file, text] = [await finished(t, fileJob), await finished(t, textJob)];
    expect(file).toMatchObject({ state: 'completed', result: { documents: [{ title: 'viagens', deduplicated: false }] } });
    expect(text).toMatchObject({ state: 'completed', result: { title: 'Férias', deduplicated: false, replaced: false, chunks: 1 } });
    const listed = await t.http.get('/v1/jobs?state=completed&limit=2');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ limit: 2, offset: 0, items: [{ id: textJob }, { id: fileJob }] });
    expect(listed.body.total).toBeGreaterThanOrEqual(3);
  });

  it('a bad file in async mode ends failed with the code the sync path answers, and nothing is written', async () => {
    const broken = Buffer.from('{"a":');
    const sync = expectProblem(await t.http.post('/v1/documents').attach('files', broken, 'quebrado.json'), 422, 'INGESTION.UNREADABLE_DOCUMENT');
    const id = accepted(
      await t.http
        .post('/v1/documents?async=true')
        .field('collection', 'async-bad')
        .attach('files', Buffer.from('Texto válido que não deve ficar.'), 'ok.txt')
        .attach('files', broken, 'quebrado.json'),
    );
    const failed = await finished(t, id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, progress: { done: 0 }, error: { code: 'INGESTION.UNREADABLE_DOCUMENT', status: 422, detail: sync.detail } });
    expect(failed.result).toBeUndefined();
    expect((await t.http.get('/v1/documents?collection=async-bad')).body.total).toBe(0);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM job_files WHERE job_id = $1', [id])).toEqual([{ n: 0 }]);
  });

  it('a URL job retries a web server answering 503 (backoff) and completes; a refused URL fails at once', async () => {
    const site = new FakeHttpServer('site').route('GET /ferias.html', ({ res }) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html lang="pt"><head><title>Férias</title></head><body><article><h1>Férias</h1><p>Cada colaborador tem trinta dias de férias por ano, em até três períodos.</p></article></body></html>');
    });
    const origin = await site.start();
    try {
      site.fail({ type: 'status', status: 503, body: 'indisponível' }, { path: '/ferias.html' });
      const id = accepted(await t.http.post('/v1/documents/url?async=true').send({ url: `${origin}/ferias.html`, collection: 'async-url' }));
      const done = await finished(t, id);
      expect(done).toMatchObject({ state: 'completed', attempts: 2, result: { title: 'Férias', deduplicated: false } });
      expect(done.error).toBeUndefined();
      expect(site.requestsTo('/ferias.html')).toHaveLength(2);

      const refused = accepted(await t.http.post('/v1/documents/url?async=true').send({ url: 'http://usuario:senha@exemplo.com.br/ferias' }));
      expect(await finished(t, refused)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'INGESTION.URL_REFUSED', status: 400 } });
    } finally {
      await site.close();
    }
  });

  it('unknown job 404, malformed id 400, bad ?async= and ?state= 400 (problem+json)', async () => {
    const unknown = randomUUID();
    expect(expectProblem(await t.http.get(`/v1/jobs/${unknown}`), 404, 'INGESTION.JOB_NOT_FOUND').detail).toBe(`Job ${unknown} does not exist.`);
    expectProblem(await t.http.get('/v1/jobs/123'), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.get('/v1/jobs?state=done'), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.post('/v1/documents?async=maybe').attach('files', Buffer.from('abc'), 'a.txt'), 400, 'INGESTION.INVALID_REQUEST');
  });

  it('GET /metrics: queue depth per state read from the jobs table at scrape time; job outcomes by kind (completed, failed, retried)', async () => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const rows: Array<{ state: string; n: number }> = await t.dataSource.query('SELECT state, count(*)::int AS n FROM jobs GROUP BY state');
    const inTable = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    for (const state of ['waiting', 'active', 'completed', 'failed']) expect([state, sample(text, `acervo_queue_jobs{state="${state}"}`)]).toEqual([state, inTable[state] ?? 0]);
    expect(inTable.completed).toBeGreaterThanOrEqual(4);
    // the tests above: uploads and a text completed, a bad upload failed, a URL retried once then completed, a refused URL failed
    expect(sample(text, 'acervo_jobs_total{kind="ingest-files",outcome="completed"}')).toBe(2);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-files",outcome="failed"}')).toBe(1);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-text",outcome="completed"}')).toBe(1);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-url",outcome="retried"}')).toBe(1);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-url",outcome="completed"}')).toBe(1);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-url",outcome="failed"}')).toBe(1);
  });

  it('while a long job runs, search answers and no request slot is taken (separate lanes)', async () => {
    const id = accepted(await t.http.post('/v1/documents').field('collection', 'async-long').attach('files', procedures(400, 'onboarding'), 'longo.csv'));
    await until(() => job(t, id), (j) => j.state === 'active' && j.progress.done > 0, 'the job to start writing', 30_000);
    const searches = [];
    for (let i = 0; i < 3; i++) searches.push(await t.http.post('/v1/search').send({ query: 'comprovante do reembolso', collection: 'async-csv' }));
    const ready = (await t.http.get('/health/ready')).body;
    const during = await job(t, id);
    expect(searches.map((s) => s.status)).toEqual([200, 200, 200]);
    expect(searches.every((s) => s.body.hits.length > 0)).toBe(true);
    // the searches answered while the job was still writing its documents
    expect(during).toMatchObject({ state: 'active', progress: { total: 400 } });
    expect(during.progress.done).toBeLessThan(400);
    expect(ready.details.http.in_flight).toBe(0);
    expect(ready.details.jobs).toMatchObject({ status: 'up', active: 1, concurrency: 1 });
    expect(await finished(t, id)).toMatchObject({ state: 'completed', progress: { done: 400, total: 400 } });
  });
});

describe('background jobs survive a restart', () => {
  it('a job running when its process stops is handed back and completes after a restart, without duplicates', async () => {
    const first = await startTestApp(THRESHOLDS);
    let second: TestApp | undefined;
    try {
      const id = accepted(await first.http.post('/v1/documents?async=true').field('collection', 'handback').attach('files', procedures(200, 'mudança'), 'mudanca.csv'));
      await until(() => job(first, id), (j) => j.state === 'active' && j.progress.done > 0, 'the job to start writing');
      await first.close({ keepData: true });

      second = await startTestApp(THRESHOLDS, { dataDir: first.dataDir, reset: false });
      const handedBack = (await second.dataSource.query('SELECT state, attempts FROM jobs WHERE id = $1', [id]))[0];
      expect(['waiting', 'active']).toContain(handedBack.state);
      const done = await finished(second, id);
      expect(done).toMatchObject({ state: 'completed', progress: { done: 200, total: 200 } });
      // the documents written before the stop deduplicate on the second run: each row stored once
      const deduplicated = done.result!.documents.filter((d) => d.deduplicated).length;
      expect(deduplicated).toBeGreaterThan(0);
      expect(deduplicated).toBeLessThan(200);
      expect((await second.http.get('/v1/documents?collection=handback')).body.total).toBe(200);
    } finally {
      await (second ?? first).close();
    }
  });

  it('a re-index interrupted by an app close resumes on the next start (same database) from the vectors it wrote and completes', async () => {
    const ADMIN = { 'x-api-key': 'chave-admin' };
    const slow: DeepPartial<AppConfig> = { ...THRESHOLDS, admin: { apiKey: 'chave-admin' }, retrieval: { embedder: { batchSize: 2 } } };
    const first = await startTestApp(slow);
    // the app to close if the test stops early
    let open: TestApp | undefined = first;
    try {
      expect((await first.http.post('/v1/documents?async=false').field('collection', 'mover').attach('files', procedures(120, 'mudança'), 'mover.csv')).status).toBe(201);
      const change = await first.http.put('/v1/admin/models/embedder').set(ADMIN).send({ provider: 'hashing', options: { dimension: 256 }, collections: ['mover'] });
      expect(change.status).toBe(202);
      const id = change.body.jobs[0].id as string;
      await until(async () => (await first.http.get(`/v1/admin/reindex/${id}`).set(ADMIN).expect(200)).body, (j) => j.status === 'running' && j.done > 0, 'the re-index under way');
      open = undefined;
      await first.close({ keepData: true });

      // a start with the lane paused shows what the close left: the job unfinished, its written vectors kept
      const paused = await startTestApp({ ...slow, jobs: { ...THRESHOLDS.jobs, concurrency: 0 } }, { dataDir: first.dataDir, reset: false });
      open = paused;
      const left = (await paused.http.get(`/v1/admin/reindex/${id}`).set(ADMIN).expect(200)).body;
      expect(left).toMatchObject({ status: 'running', total: 120 });
      expect(left.done).toBeGreaterThan(0);
      expect(left.done).toBeLessThan(120);
      const [{ n: staged }] = await paused.dataSource.query('SELECT count(*)::int AS n FROM chunks WHERE reindexed_by = $1', [id]);
      expect(staged).toBe(left.done);
      open = undefined;
      await paused.close({ keepData: true });

      const s = await startTestApp(slow, { dataDir: first.dataDir, reset: false });
      open = s;
      const done = await until(async () => (await s.http.get(`/v1/admin/reindex/${id}`).set(ADMIN).expect(200)).body, (j) => j.status !== 'running' && j.status !== 'queued', 'the resumed re-index');
      expect(done).toMatchObject({ id, collection: 'mover', status: 'completed', from: 'hashing:v1:384', to: 'hashing:v1:256', total: 120, done: 120 });
      const status = (await s.http.get('/v1/admin/models/embedder').set(ADMIN).expect(200)).body;
      expect(status.collections.find((c: { name: string }) => c.name === 'mover')).toEqual({ name: 'mover', embedder_id: 'hashing:v1:256', dimension: 256 });
      const hits = await s.http.post('/v1/search').send({ query: 'comprovante 42 do mudança', collection: 'mover', top_k: 1 }).expect(200);
      expect(hits.body.hits[0].title).toBe('Procedimento 42 de mudança');
      // every chunk's new vector was written by the job, in the slot the collection now reads
      expect(await s.dataSource.query(`SELECT k.vector_slot, count(*) FILTER (WHERE c.reindexed_by = $1)::int AS n FROM chunks c JOIN collections k ON k.name = c.collection WHERE c.collection = 'mover' GROUP BY 1`, [id])).toEqual([{ vector_slot: 1, n: 120 }]);
      // the queue ran it: a reindex job, completed, its result naming the re-index
      const queued = (await s.http.get('/v1/jobs?state=completed&limit=50').expect(200)).body.items.find((j: { kind: string }) => j.kind === 'reindex');
      expect(queued).toMatchObject({ kind: 'reindex', state: 'completed', result: { reindex_id: id, collection: 'mover', to: 'hashing:v1:256', chunks: 120 } });
      expect((await s.http.get('/v1/admin/reindex').set(ADMIN).expect(200)).body.items.map((j: { id: string }) => j.id)).toEqual([id]);
    } finally {
      await open?.close();
    }
  });

  it('a re-index whose queue job is abandoned (its process stopped jobs.maxAttempts times) is recorded failed, and the collection can be re-indexed again', async () => {
    const ADMIN = { 'x-api-key': 'chave-admin' };
    const admin: DeepPartial<AppConfig> = { ...THRESHOLDS, admin: { apiKey: 'chave-admin' } };
    const first = await startTestApp({ ...admin, jobs: { ...THRESHOLDS.jobs, concurrency: 0 } });
    let second: TestApp | undefined;
    try {
      expect((await first.http.post('/v1/documents?async=false').field('collection', 'teimosa').attach('files', procedures(10, 'mudança'), 'teimosa.csv')).status).toBe(201);
      const change = (t: TestApp) => t.http.put('/v1/admin/models/embedder').set(ADMIN).send({ provider: 'hashing', options: { dimension: 256 }, collections: ['teimosa'] });
      const started = await change(first);
      expect(started.status).toBe(202);
      const id = started.body.jobs[0].id as string;
      // as the queue finds it after its process died at every attempt: active, its lease lapsed, no attempt left
      await first.dataSource.query(`UPDATE jobs SET state = 'active', attempts = max_attempts, lease_until = now() - interval '1 second' WHERE kind = 'reindex'`);
      await first.close({ keepData: true });

      second = await startTestApp(admin, { dataDir: first.dataDir, reset: false });
      const s = second;
      const ended = await until(async () => (await s.http.get(`/v1/admin/reindex/${id}`).set(ADMIN).expect(200)).body, (j) => j.status !== 'queued' && j.status !== 'running', 'the abandoned re-index to be closed');
      expect(ended).toMatchObject({ id, collection: 'teimosa', status: 'failed', from: 'hashing:v1:384' });
      expect(ended.error).toMatch(/jobs\.maxAttempts/);
      const queued = (await s.http.get('/v1/jobs?state=failed&limit=50').expect(200)).body.items.find((j: { kind: string }) => j.kind === 'reindex');
      expect(queued).toMatchObject({ state: 'failed', error: { code: 'JOB.ABANDONED' } });
      // no 409 for ever: a new change of the collection is accepted and runs
      const again = await change(s);
      expect(again.status).toBe(202);
      const next = again.body.jobs[0].id as string;
      const done = await until(async () => (await s.http.get(`/v1/admin/reindex/${next}`).set(ADMIN).expect(200)).body, (j) => j.status === 'completed' || j.status === 'failed', 'the new re-index');
      expect(done).toMatchObject({ collection: 'teimosa', status: 'completed', to: 'hashing:v1:256', done: 10 });
    } finally {
      await (second ?? first).close();
    }
  });

  it('a job whose process died (its lease lapsed) reads waiting, in its lookup, the list and the counts, with the dead run among its attempts', async () => {
    // a paused lane claims nothing: the job is left as a process that died mid-run leaves it
    const t = await startTestApp({ ...THRESHOLDS, jobs: { ...THRESHOLDS.jobs, concurrency: 0 } });
    try {
      const id = accepted(await t.http.post('/v1/documents?async=true').field('collection', 'orfao').attach('files', procedures(5, 'frota'), 'frota.csv'));
      await t.dataSource.query(`UPDATE jobs SET state = 'active', attempts = 1, lease_until = now() + interval '1 hour' WHERE id = $1`, [id]);
      expect(await job(t, id)).toMatchObject({ state: 'active', attempts: 1 });
      await t.dataSource.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [id]);
      expect(await job(t, id)).toMatchObject({ state: 'waiting', attempts: 1 });
      const ids = async (state: string) => ((await t.http.get(`/v1/jobs?state=${state}`).expect(200)).body.items as Array<{ id: string }>).map((j) => j.id);
      expect(await ids('waiting')).toContain(id);
      expect(await ids('active')).not.toContain(id);
      expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^acervo_queue_jobs\{state="active"\} 0$/m);
    } finally {
      await t.close();
    }
  });

  it('a job accepted by a paused lane (concurrency 0) completes after a restart on the same data; the same request again is the same job', async () => {
    // jobs.concurrency 0: the lane is paused, the job stays waiting (and a re-index stays queued) until the process stops
    const first = await startTestApp({ ...THRESHOLDS, jobs: { ...THRESHOLDS.jobs, concurrency: 0 }, admin: { apiKey: 'chave-admin' } });
    let second: TestApp | undefined;
    try {
      expect((await first.http.post('/v1/documents').send({ title: 'Base', text: 'Documento que cria a coleção padrão.' })).status).toBe(201);
      const send = () => first.http.post('/v1/documents?async=true').field('collection', 'restart').attach('files', procedures(5, 'viagem'), 'viagem.csv');
      const id = accepted(await send());
      expect(accepted(await send())).toBe(id);
      const reindex = await first.http.put('/v1/admin/models/embedder').set('x-api-key', 'chave-admin').send({ provider: 'hashing', options: { dimension: 256 } });
      expect(reindex.status).toBe(202);
      await new Promise((r) => setTimeout(r, 300));
      expect(await job(first, id)).toMatchObject({ state: 'waiting', attempts: 0 });
      // the re-index is a long operation too: it waits for the lane
      expect((await first.http.get(`/v1/admin/reindex/${reindex.body.jobs[0].id}`).set('x-api-key', 'chave-admin')).body.status).toBe('queued');
      await first.close({ keepData: true });

      second = await startTestApp(THRESHOLDS, { dataDir: first.dataDir, reset: false });
      const done = await finished(second, id);
      expect(done).toMatchObject({ state: 'completed', attempts: 1, progress: { done: 5, total: 5 } });
      expect(done.result!.documents).toHaveLength(5);
      expect((await second.http.get('/v1/documents?collection=restart')).body.total).toBe(5);
    } finally {
      await (second ?? first).close();
    }
  });
});
