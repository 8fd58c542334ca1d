import { type ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectProblem, SERVER_MODE, startTestApp, TestApp } from './support/app';
import { freePort, RedisServer, startRedis } from './support/redis';
import { buildIfStale } from './support/server-process';
import { suiteLogDestination } from './support/suite-logs';
import { until } from './support/poll';

/**
 * Issue 10's queue: Bull on a real Redis behind the same /v1/jobs API, the worker process (`node dist/worker.js`),
 * and the folder inbox. The worker needs a database shared with the API, so its suite runs in the server pass.
 */

const ROOT = join(__dirname, '..');

interface JobBody {
  id: string;
  state: string;
  progress: { done: number; total?: number };
  attempts: number;
  result?: { documents: Array<{ deduplicated: boolean }> };
  error?: { code: string; status: number; detail: string };
}

function procedures(rows: number, topic: string): Buffer {
  const lines = ['id,titulo,descricao'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},Procedimento ${i} de ${topic},"Passo ${i} do ${topic}: abrir chamado no portal, anexar o comprovante ${i} e aguardar aprovação."`);
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** The value of one Prometheus sample (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** jobs.redisTimeoutMs of the first suite's app. */
const REDIS_TIMEOUT_MS = 2500;

const getJob = async (t: TestApp, id: string): Promise<JobBody> => (await t.http.get(`/v1/jobs/${id}`).expect(200)).body as JobBody;
const finished = (t: TestApp, id: string, timeoutMs = 30_000) =>
  until(() => getJob(t, id), (j) => j.state === 'completed' || j.state === 'failed', `job ${id}`, timeoutMs);
const documentCount = async (t: TestApp, collection: string): Promise<number> =>
  (await t.http.get(`/v1/documents?collection=${collection}&limit=1`).expect(200)).body.total as number;

describe('Bull backend, jobs run by the API process (WORKER_EMBEDDED default)', () => {
  let redis: RedisServer;
  let t: TestApp;
  let inbox: string;

  beforeAll(async () => {
    redis = await startRedis();
    inbox = mkdtempSync(join(tmpdir(), 'acervo-inbox-'));
    // dropped while the service was down: picked up at start
    writeFileSync(join(inbox, 'antes.md'), '# Férias\n\nAs férias são marcadas no portal com trinta dias de antecedência.\n');
    t = await startTestApp({
      jobs: { backend: 'bull', redisUrl: redis.url, backoffMs: 50, leaseMs: 10_000, redisTimeoutMs: REDIS_TIMEOUT_MS },
      inbox: { dir: inbox, collection: 'caixa', stableMs: 200, pollMs: 50 },
    });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
    rmSync(inbox, { recursive: true, force: true });
  });

  it('?async=true answers 202; the job completes on Redis with the sync result; the same upload once finished dedupes by content hash', async () => {
    const csv = procedures(12, 'reembolso');
    const res = await t.http.post('/v1/documents?async=true').field('collection', 'bull-async').attach('files', csv, 'proc.csv');
    expect(res.status).toBe(202);
    const done = await finished(t, res.body.job_id);
    expect(done).toMatchObject({ state: 'completed', attempts: 1, progress: { done: 12, total: 12 } });
    expect(done.result!.documents).toHaveLength(12);
    expect(await documentCount(t, 'bull-async')).toBe(12);
    // finished: the same upload again is a new job, and the content hash keeps it from duplicating anything
    const again = await t.http.post('/v1/documents?async=true').field('collection', 'bull-async').attach('files', csv, 'proc.csv');
    expect(again.body.job_id).not.toBe(res.body.job_id);
    const second = await finished(t, again.body.job_id);
    expect(second.result!.documents.every((d) => d.deduplicated)).toBe(true);
    expect(await documentCount(t, 'bull-async')).toBe(12);
    const listed = await t.http.get('/v1/jobs?state=completed').expect(200);
    expect(listed.body.items.map((j: JobBody) => j.id)).toEqual(expect.arrayContaining([res.body.job_id, again.body.job_id]));
  });

  it('bad input fails at once (one attempt), the job kept with the problem the sync route answers', async () => {
    const res = await t.http.post('/v1/documents?async=true').field('collection', 'bull-bad').attach('files', Buffer.from('{"a": [1, 2'), 'quebrado.json');
    expect(res.status).toBe(202);
    const failed = await finished(t, res.body.job_id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'INGESTION.UNREADABLE_DOCUMENT', status: 422 } });
    expect(await documentCount(t, 'bull-bad')).toBe(0);
  });

  it('GET /metrics: queue depth per state read from Redis at scrape time; job outcomes by kind', async () => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const listed = async (state: string) => (await t.http.get(`/v1/jobs?state=${state}`).expect(200)).body.total as number;
    for (const state of ['waiting', 'active', 'completed', 'failed']) expect([state, sample(text, `acervo_queue_jobs{state="${state}"}`)]).toEqual([state, await listed(state)]);
    expect(sample(text, 'acervo_queue_jobs{state="completed"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-files",outcome="completed"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'acervo_jobs_total{kind="ingest-files",outcome="failed"}')).toBeGreaterThanOrEqual(1);
  });

  it('inbox: a file present at start and a new one are ingested and moved to done/; a bad one goes to failed/ with its .error.json', async () => {
    writeFileSync(join(inbox, 'novo.txt'), 'O reembolso de despesas de viagem é pedido em até dez dias pelo sistema financeiro.\n');
    writeFileSync(join(inbox, 'ruim.json'), '{"quebrado": ');
    await until(
      async () => readdirSync(join(inbox, 'done')).length + readdirSync(join(inbox, 'failed')).length,
      (n) => n >= 4,
      'inbox outcomes',
    );
    expect(readdirSync(join(inbox, 'done')).sort()).toEqual(['antes.md', 'novo.txt']);
    expect(readdirSync(join(inbox, 'failed')).sort()).toEqual(['ruim.json', 'ruim.json.error.json']);
    const error = JSON.parse(readFileSync(join(inbox, 'failed', 'ruim.json.error.json'), 'utf8'));
    expect(error).toMatchObject({ file: 'ruim.json', job_id: expect.any(String), error: { code: 'INGESTION.UNREADABLE_DOCUMENT', status: 422 } });
    expect(readdirSync(inbox).sort()).toEqual(['done', 'failed']);
    const hits = await t.http.post('/v1/search').send({ query: 'reembolso de despesas de viagem', collection: 'caixa' }).expect(200);
    expect(hits.body.hits[0]).toMatchObject({ text: expect.stringContaining('despesas de viagem'), metadata: { inbox: 'novo.txt' } });
    expect(await documentCount(t, 'caixa')).toBe(2);
  });

  it('Redis hung (connected, answering nothing): an async upload answers 503 within the bound, and nothing is queued behind it', async () => {
    const before = (await t.http.get('/v1/jobs').expect(200)).body.total as number;
    await redis.pause(REDIS_TIMEOUT_MS + 2500);
    const started = Date.now();
    const res = await t.http.post('/v1/documents?async=true').field('collection', 'pausa').attach('files', Buffer.from('Texto durante a pausa.'), 'p.txt');
    expectProblem(res, 503, 'INGESTION.QUEUE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(REDIS_TIMEOUT_MS + 2000);
    // the pause over, the late replies start nothing: no job, no document
    const after = await until(() => t.http.get('/v1/jobs'), (r) => r.status === 200, 'Redis answering again', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(after.body.total).toBe(before);
    expect((await t.http.get('/v1/jobs').expect(200)).body.total).toBe(before);
    expect(await documentCount(t, 'pausa')).toBe(0);
  });

  it('Redis gone: an async upload and a job lookup answer 503 INGESTION.QUEUE_UNAVAILABLE at once, synchronous ingestion still works', async () => {
    await redis.kill();
    // every request answers, within the adapter's bound: the first ones may race the client seeing the socket close
    const timed = async <T>(req: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      const res = await req();
      expect(Date.now() - started).toBeLessThan(REDIS_TIMEOUT_MS + 3000);
      return res;
    };
    const upload = () => timed(() => t.http.post('/v1/documents?async=true').field('collection', 'sem-redis').attach('files', Buffer.from('Texto curto.'), 'a.txt'));
    await until(async () => (await upload()).status, (s) => s === 503, 'the queue seen down', 15_000);
    for (let i = 0; i < 3; i++) expectProblem(await upload(), 503, 'INGESTION.QUEUE_UNAVAILABLE');
    expectProblem(await timed(() => t.http.get('/v1/jobs/6f1c2a50-0000-4000-8000-000000000000')), 503, 'INGESTION.QUEUE_UNAVAILABLE');
    expectProblem(await timed(() => t.http.get('/v1/jobs?state=waiting')), 503, 'INGESTION.QUEUE_UNAVAILABLE');
    const sync = await t.http.post('/v1/documents').send({ collection: 'sem-redis', title: 'Sem fila', text: 'Documento ingerido sem a fila.' });
    expect(sync.status).toBe(201);
    expect(await documentCount(t, 'sem-redis')).toBe(1);
    // a scrape still answers, without queue depth samples (the queue cannot be read)
    const metrics = await timed(() => t.http.get('/metrics'));
    expect(metrics.status).toBe(200);
    expect(metrics.text).not.toMatch(/^acervo_queue_jobs\{/m);
    expect(metrics.text).toMatch(/^acervo_jobs_total\{kind="ingest-files",outcome="completed"\} \d+$/m);
  });
});

/** `node dist/worker.js` with the test profile and the given environment; resolves once it runs. */
async function startWorker(env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const sink = suiteLogDestination();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'worker.js')], {
    cwd: ROOT,
    env: { ...process.env, APP_PROFILES: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${seen.slice(-3000)}`)), 60_000);
    const onData = (d: Buffer) => {
      const text = d.toString();
      seen += text;
      sink?.write(text.replace(/^/gm, `[worker ${child.pid}] `));
      if (seen.includes('acervo worker running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => (clearTimeout(timer), reject(new Error(`worker exited:\n${seen.slice(-3000)}`))));
  });
  return { child, exited };
}

(SERVER_MODE ? describe : describe.skip)('a separate worker process (npm run start:worker), the API at WORKER_EMBEDDED=false', () => {
  let redis: RedisServer;
  let t: TestApp;
  let env: Record<string, string>;
  let metricsPort: number;
  const workers: ChildProcess[] = [];
  /** The worker's own GET /metrics (WORKER_METRICS_PORT). */
  const workerMetrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

  beforeAll(async () => {
    buildIfStale();
    redis = await startRedis();
    t = await startTestApp({ jobs: { backend: 'bull', redisUrl: redis.url, embeddedWorker: false, leaseMs: 5000 } });
    // batches of 5 documents, so the worker is killed with the job under way
    metricsPort = await freePort();
    env = {
      JOBS_BACKEND: 'bull',
      REDIS_URL: redis.url,
      JOBS_LEASE_MS: '5000',
      INGESTION_BATCH_DOCUMENTS: '5',
      DATABASE_URL: process.env.DATABASE_URL!,
      DATA_DIR: t.dataDir,
      WORKER_METRICS_PORT: String(metricsPort),
    };
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await t?.close();
    await redis?.stop();
  });

  it('the API only enqueues (the same POST again while waiting is the same job); the worker runs it', async () => {
    const post = () => t.http.post('/v1/documents?async=true').field('collection', 'worker-a').attach('files', procedures(5, 'férias'), 'ferias.csv');
    const res = await post();
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect((await getJob(t, res.body.job_id)).state).toBe('waiting');
    expect((await post()).body.job_id).toBe(res.body.job_id);
    const w = await startWorker(env);
    workers.push(w.child);
    expect(await finished(t, res.body.job_id)).toMatchObject({ state: 'completed', attempts: 1, progress: { done: 5, total: 5 } });
    expect(await documentCount(t, 'worker-a')).toBe(5);
    // the outcome is counted where the job ran: the worker's own /metrics, not the API's
    expect(sample(await workerMetrics(), 'acervo_jobs_total{kind="ingest-files",outcome="completed"}')).toBe(1);
    expect((await t.http.get('/metrics').expect(200)).text).not.toMatch(/^acervo_jobs_total\{/m);
    const live = await fetch(`http://127.0.0.1:${metricsPort}/health/live`);
    expect([live.status, (await live.json()).status]).toEqual([200, 'ok']);
    const other = await fetch(`http://127.0.0.1:${metricsPort}/v1/jobs`);
    expect([other.status, other.headers.get('content-type'), (await other.json()).code]).toEqual([404, 'application/problem+json', 'REQUEST.NOT_FOUND']);
    w.child.kill('SIGTERM');
    await w.exited;
  });

  it('a worker killed (SIGKILL) mid-job: the job reads waiting once its lock expires, and completes after a restart (attempt 2, as on Postgres), with no duplicate document', async () => {
    const rows = 250;
    const res = await t.http.post('/v1/documents?async=true').field('collection', 'worker-kill').attach('files', procedures(rows, 'auditoria'), 'auditoria.csv');
    const first = await startWorker(env);
    workers.push(first.child);
    await until(() => getJob(t, res.body.job_id), (j) => j.state === 'active' && j.progress.done > 0, 'the job under way', 30_000);
    expect((await getJob(t, res.body.job_id)).attempts).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = await documentCount(t, 'worker-kill');
    expect(before).toBeLessThan(rows);
    // no worker alive: nothing runs Bull's stalled-job check, yet the job no longer reads active once its lock (5 s) lapsed
    const orphan = await until(() => getJob(t, res.body.job_id), (j) => j.state !== 'active', 'the lock to lapse', 15_000);
    expect(orphan).toMatchObject({ state: 'waiting', attempts: 1 });
    expect(((await t.http.get('/v1/jobs?state=waiting').expect(200)).body.items as JobBody[]).map((j) => j.id)).toContain(res.body.job_id);
    expect(((await t.http.get('/v1/jobs?state=active').expect(200)).body.items as JobBody[]).map((j) => j.id)).not.toContain(res.body.job_id);
    expect(sample((await t.http.get('/metrics').expect(200)).text, 'acervo_queue_jobs{state="active"}')).toBe(0);
    const second = await startWorker(env);
    workers.push(second.child);
    const done = await finished(t, res.body.job_id, 45_000);
    expect(done).toMatchObject({ state: 'completed', attempts: 2, progress: { done: rows, total: rows } });
    expect(done.result!.documents.filter((d) => d.deduplicated).length).toBeGreaterThanOrEqual(before);
    expect(await documentCount(t, 'worker-kill')).toBe(rows);
    second.child.kill('SIGTERM');
    await second.exited;
  });
  it('a job whose worker died jobs.maxAttempts times is not run again: it fails with JOB.ABANDONED after as many attempts as on Postgres', async () => {
    const res = await t.http.post('/v1/documents?async=true').field('collection', 'worker-abandon').attach('files', procedures(5, 'cofre'), 'cofre.csv');
    expect(res.status).toBe(202);
    // as Bull's stalled-job check leaves a job whose worker died three times (jobs.maxAttempts): back in line, counted
    const redisClient = new Redis(redis.url);
    try {
      await redisClient.hset(`acervo:ingest:${res.body.job_id}`, 'stalledCounter', 3);
    } finally {
      redisClient.disconnect();
    }
    expect(await getJob(t, res.body.job_id)).toMatchObject({ state: 'waiting', attempts: 3 });
    const w = await startWorker(env);
    workers.push(w.child);
    const failed = await finished(t, res.body.job_id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 4, error: { code: 'JOB.ABANDONED', status: 500, detail: expect.stringContaining('started 3 times') } });
    expect(await documentCount(t, 'worker-abandon')).toBe(0);
    expect(sample(await workerMetrics(), 'acervo_jobs_total{kind="ingest-files",outcome="failed"}')).toBe(1);
    w.child.kill('SIGTERM');
    await w.exited;
  });
});
