import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import supertest from 'supertest';
import { ChunkIndexer } from '../src/modules/retrieval';
import { HashingEmbedder } from '../src/modules/retrieval/infrastructure/embedders/hashing.embedder';
import { EmbedderRegistry } from '../src/modules/retrieval/application/embedders/embedder-registry.service';
import { EmbedderFailedError } from '../src/modules/retrieval/domain/retrieval.errors';
import { expectProblem, LIVE_CHUNKS_SQL, startTestApp, TestApp } from './support/app';

const KEY = 'test-admin-key';
const OLD = 'hashing:v1:384';
const NEW = 'hashing:v1:256';
const SWAP = { provider: 'hashing', options: { dimension: 256 } };

// prettier-ignore
const WORDS = [
  'contrato', 'prazo', 'pagamento', 'férias', 'reembolso', 'viagem', 'segurança', 'senha', 'equipe', 'cliente', 'relatório',
  'suporte', 'atendimento', 'fatura', 'nota', 'fiscal', 'servidor', 'backup', 'acesso', 'portal', 'gestor', 'aprovação',
  'orçamento', 'compras', 'fornecedor', 'licença', 'treinamento', 'benefício', 'salário', 'auditoria', 'contrato', 'jurídico',
];
const sentence = (i: number) => Array.from({ length: 18 }, (_, k) => WORDS[(i * 7 + k * 5 + ((i * k) % 11)) % WORDS.length]).join(' ');

/** A loopback port nothing listens on (connection refused). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface Call {
  kind: 'search' | 'ingest';
  sent: number;
  received: number;
  status: number;
  embedder?: string | null;
  body: unknown;
}

describe('admin endpoints without ADMIN_API_KEY', () => {
  it('are refused with 403 (disabled), whatever key is sent', async () => {
    const t = await startTestApp({ admin: { apiKey: '' } });
    try {
      const p = expectProblem(await t.http.put('/v1/admin/models/embedder').set('x-api-key', KEY).send(SWAP), 403, 'ADMIN.DISABLED');
      expect(p.detail).toMatch(/ADMIN_API_KEY/);
      expectProblem(await t.http.get('/v1/admin/reindex'), 403, 'ADMIN.DISABLED');
    } finally {
      await t.close();
    }
  });
});

describe('zero-downtime embedder change', () => {
  let t: TestApp;
  let http: ReturnType<typeof supertest>;
  let seeded = 0;
  const admin = (req: supertest.Test) => req.set('x-api-key', KEY);
  const status = async () => (await admin(http.get('/v1/admin/models/embedder')).expect(200)).body;
  const search = (body: Record<string, unknown>) => http.post('/v1/search').send({ collection: 'default', top_k: 3, ...body });
  const waitFor = async (jobId: string) => {
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      const job = (await admin(http.get(`/v1/admin/reindex/${jobId}`)).expect(200)).body;
      if (job.status === 'completed' || job.status === 'failed') return job;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`job ${jobId} did not finish in 30 s`);
  };

  beforeAll(async () => {
    // small embedding batches: the re-index runs many pages, interleaved with the traffic below
    t = await startTestApp({ admin: { apiKey: KEY }, retrieval: { embedder: { batchSize: 4 } } });
    // a real listening socket: concurrent supertest calls on an unbound server would each bind and close it
    await t.app.listen(0, '127.0.0.1');
    http = supertest(await t.app.getUrl());
    const docs = Array.from({ length: 120 }, (_, i) => ({ title: `Norma ${i}`, text: `${sentence(i)}.`, metadata: { n: i } }));
    const up = await http.post('/v1/documents').attach('files', Buffer.from(JSON.stringify(docs)), 'normas.json');
    expect(up.status).toBe(201);
    seeded = (await t.dataSource.query(`SELECT count(*)::int AS n FROM chunks WHERE collection = 'default'`))[0].n;
    await http.post('/v1/documents').send({ title: 'Outra', text: 'Política de senhas da equipe de segurança.', collection: 'outra' }).expect(201);
  });
  afterAll(async () => t?.close());

  it('admin endpoints want the key: 401 without or with a wrong one; x-api-key or Bearer', async () => {
    expectProblem(await http.put('/v1/admin/models/embedder').send(SWAP), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await http.put('/v1/admin/models/embedder').set('x-api-key', 'wrong').send(SWAP), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await http.get('/v1/admin/reindex').set('authorization', 'Bearer wrong'), 401, 'ADMIN.UNAUTHORIZED');
    expect((await http.get('/v1/admin/reindex').set('authorization', `Bearer ${KEY}`)).status).toBe(200);
    const s = await status();
    expect(s.active).toMatchObject({ provider: 'hashing', model_id: OLD, dimension: 384, active: true, ready: true });
    expect(s.collections).toEqual([
      { name: 'default', embedder_id: OLD, dimension: 384 },
      { name: 'outra', embedder_id: OLD, dimension: 384 },
    ]);
  });

  it('refuses a bad spec or an unreachable provider and changes nothing', async () => {
    const unknown = expectProblem(await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'word2vec' }), 400, 'REQUEST.VALIDATION');
    expect(unknown.detail).toMatch(/hashing, transformers, openai, ollama/);
    const option = expectProblem(await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { size: 3 } }), 400, 'RETRIEVAL.INVALID_EMBEDDER');
    expect(option.errors).toEqual([{ field: 'options.size', message: expect.stringContaining('allowed: dimension') }]);
    const value = expectProblem(await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { dimension: 4 } }), 400, 'RETRIEVAL.INVALID_EMBEDDER');
    expect(value.errors).toEqual([{ field: 'options.dimension', message: expect.any(String) }]);
    expectProblem(await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', model: 'x' }), 400, 'RETRIEVAL.INVALID_EMBEDDER');
    expectProblem(await admin(http.put('/v1/admin/models/embedder')).send({ ...SWAP, collections: ['nunca-criada'] }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    // nothing listens there: the warm-up fails, the swap does not happen
    const baseUrl = `http://127.0.0.1:${await closedPort()}`;
    const down = await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'ollama', options: { baseUrl, timeoutMs: 500 } });
    expect(expectProblem(down, 503, 'RETRIEVAL.EMBEDDER_UNAVAILABLE').detail).toContain(baseUrl);
    expectProblem(await admin(http.get('/v1/admin/reindex/00000000-0000-4000-8000-000000000000')), 404, 'RETRIEVAL.REINDEX_JOB_NOT_FOUND');
    const s = await status();
    expect(s.active.model_id).toBe(OLD);
    expect(s.loaded.map((e: { model_id: string }) => e.model_id)).toEqual([OLD]);
    expect((await admin(http.get('/v1/admin/reindex'))).body.items).toEqual([]);
  }, 20_000);

  it('re-indexes under concurrent searches and ingestion: no failed request, old index until the cutover, new one after', async () => {
    const calls: Call[] = [];
    const written: Array<{ marker: string; text: string }> = [];
    let stop = false;
    const record = async (kind: Call['kind'], req: () => supertest.Test) => {
      const sent = performance.now();
      const res = await req();
      calls.push({ kind, sent, received: performance.now(), status: res.status, embedder: res.body?.embedder, body: res.body });
      return res;
    };
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        await record('search', () => search({ query: sentence(w * 31 + i), mode: i % 2 ? 'vector' : 'hybrid' }));
        if (i % 3 === 0) {
          const marker = `registro-${w}-${i}`;
          const text = `Registro ${marker} sobre ${sentence(w * 1000 + i)}.`;
          const res = await record('ingest', () => http.post('/v1/documents').send({ title: `Carga ${w}/${i}`, text }));
          if (res.status === 201) written.push({ marker, text });
        }
      }
    };
    const workers = [0, 1, 2].map(worker);
    await new Promise((r) => setTimeout(r, 300));

    const putSent = performance.now();
    const put = await admin(http.put('/v1/admin/models/embedder')).send({ ...SWAP, collections: ['default'] });
    const putReceived = performance.now();
    expect(put.status).toBe(202);
    expect(put.body.embedder).toMatchObject({ provider: 'hashing', model_id: NEW, dimension: 256, active: true, ready: true });
    expect(put.body.jobs).toEqual([
      expect.objectContaining({ collection: 'default', from: OLD, from_dimension: 384, to: NEW, to_dimension: 256, status: expect.stringMatching(/queued|running/) }),
    ]);
    const job = await waitFor(put.body.jobs[0].id);
    const completedSeen = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);

    // zero failed requests
    const failed = calls.filter((c) => c.status >= 300);
    expect(failed.map((c) => ({ kind: c.kind, status: c.status, body: c.body }))).toEqual([]);

    expect(job).toMatchObject({ status: 'completed', from: OLD, to: NEW, finished_at: expect.any(String) });
    expect(job.done).toBe(job.total);
    expect(job.total).toBeGreaterThanOrEqual(seeded);

    const searches = calls.filter((c) => c.kind === 'search');
    expect(searches.filter((c) => c.received < putSent).every((c) => c.embedder === OLD)).toBe(true);
    expect(searches.filter((c) => c.sent > completedSeen).every((c) => c.embedder === NEW)).toBe(true);
    // during the job, the old index keeps answering
    const duringJob = searches.filter((c) => c.sent > putReceived && c.embedder === OLD);
    expect(duringJob.length).toBeGreaterThan(0);
    // the cutover is atomic: once a search has answered from the new index, no later one answers from the old
    const firstNew = Math.min(...searches.filter((c) => c.embedder === NEW).map((c) => c.received));
    expect(searches.filter((c) => c.sent > firstNew && c.embedder !== NEW)).toEqual([]);
    console.log(
      `embedder swap: ${calls.length} requests (${searches.length} searches, ${duringJob.length} answered by the old index after the PUT), ` +
        `${written.length} documents ingested under load; job ${job.done}/${job.total} chunks in ${Date.parse(job.finished_at) - Date.parse(job.started_at)} ms`,
    );

    // every chunk of the collection is in the new index, including those written during the job
    const [dims] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE dimension = 256)::int AS new, count(*) FILTER (WHERE dimension IS DISTINCT FROM 256)::int AS old FROM ${LIVE_CHUNKS_SQL} WHERE collection = 'default'`,
    );
    expect(dims.old).toBe(0);
    expect(dims.new).toBeGreaterThanOrEqual(seeded + written.length);
    expect(written.length).toBeGreaterThan(0);
    for (const { marker, text } of written) {
      const res = await search({ query: text, mode: 'vector', top_k: 1 }).expect(200);
      expect({ marker, embedder: res.body.embedder, text: res.body.hits[0]?.text }).toEqual({ marker, embedder: NEW, text });
    }

    // 'outra' was not asked for: it stays on (and is still served by) the old embedder, which stays loaded
    const s = await status();
    expect(s.active.model_id).toBe(NEW);
    expect(s.collections).toEqual([
      { name: 'default', embedder_id: NEW, dimension: 256 },
      { name: 'outra', embedder_id: OLD, dimension: 384 },
    ]);
    expect(s.loaded.map((e: { model_id: string }) => e.model_id).sort()).toEqual([OLD, NEW].sort());
  }, 45_000);

  it('serves collections not moved yet with their old embedder and builds new ones with the new', async () => {
    await http.post('/v1/documents').send({ title: 'Senhas', text: 'Troque a senha do portal a cada noventa dias.', collection: 'outra' }).expect(201);
    const outra = await search({ collection: 'outra', query: 'senha do portal', mode: 'vector' }).expect(200);
    expect(outra.body.embedder).toBe(OLD);
    expect(outra.body.hits[0].title).toBe('Senhas');
    await http.post('/v1/documents').send({ title: 'Nova', text: 'Coleção criada depois da troca.', collection: 'nova' }).expect(201);
    expect((await search({ collection: 'nova', query: 'coleção criada', mode: 'vector' }).expect(200)).body.embedder).toBe(NEW);
  });

  it('asking again for the active embedder moves the remaining collections; the old embedder is then released', async () => {
    const put = await admin(http.put('/v1/admin/models/embedder')).send(SWAP);
    expect(put.status).toBe(202);
    expect(put.body.jobs.map((j: { collection: string }) => j.collection)).toEqual(['outra']);
    const job = await waitFor(put.body.jobs[0].id);
    expect(job).toMatchObject({ status: 'completed', done: 2, total: 2 });
    const s = await status();
    expect(s.collections.map((c: { embedder_id: string }) => c.embedder_id)).toEqual([NEW, NEW, NEW]);
    // the job's end is committed first; the embedder no collection uses is released right after it
    let loaded: string[] = [];
    for (let i = 0; i < 50; i++) {
      loaded = (await status()).loaded.map((e: { model_id: string }) => e.model_id);
      if (loaded.length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(loaded).toEqual([NEW]);
    const outra = await search({ collection: 'outra', query: 'senha do portal', mode: 'vector' }).expect(200);
    expect({ embedder: outra.body.embedder, title: outra.body.hits[0].title }).toEqual({ embedder: NEW, title: 'Senhas' });
    const jobs = (await admin(http.get('/v1/admin/reindex')).expect(200)).body.items;
    expect(jobs.map((j: { collection: string; status: string }) => [j.collection, j.status])).toEqual([
      ['outra', 'completed'],
      ['default', 'completed'],
    ]);
    // nothing left to move: the same request starts no job
    expect((await admin(http.put('/v1/admin/models/embedder')).send(SWAP).expect(202)).body.jobs).toEqual([]);
  });

  it('requests caught across a cutover are redone against the new index', async () => {
    const cutover = async (dimension: number) => {
      const put = await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { dimension }, collections: ['corrida'] }).expect(202);
      expect(await waitFor(put.body.jobs[0].id)).toMatchObject({ status: 'completed', to: `hashing:v1:${dimension}` });
    };
    await http.post('/v1/documents').send({ title: 'Primeiro', text: 'Reembolso de viagem exige nota fiscal.', collection: 'corrida' }).expect(201);

    // ingestion: the chunks are embedded with the 256-d embedder, then the collection cuts over to 128-d before the write
    const indexer = t.app.get(ChunkIndexer);
    const embedChunks = indexer.embed.bind(indexer);
    const spy = jest.spyOn(indexer, 'embed').mockImplementationOnce(async (chunks, collection) => {
      const out = await embedChunks(chunks, collection);
      await cutover(128);
      return out;
    });
    const ingested = await http.post('/v1/documents').send({ title: 'Segundo', text: 'Férias devem ser aprovadas pelo gestor.', collection: 'corrida' });
    expect(ingested.status).toBe(201);
    expect(spy).toHaveBeenCalledTimes(2); // written on the second attempt, with the new embedder
    spy.mockRestore();
    const dims = await t.dataSource.query(`SELECT DISTINCT dimension FROM ${LIVE_CHUNKS_SQL} WHERE collection = 'corrida'`);
    expect(dims).toEqual([{ dimension: 128 }]);

    // search: the query is embedded with the 128-d embedder, then the collection cuts over to 64-d before the vector query
    const e128 = t.app.get(EmbedderRegistry).find({ embedderId: 'hashing:v1:128', dimension: 128 })!;
    const embedQuery = e128.embed.bind(e128);
    jest.spyOn(e128, 'embed').mockImplementationOnce(async (texts, purpose) => {
      const out = await embedQuery(texts, purpose);
      await cutover(64);
      return out;
    });
    const found = await search({ collection: 'corrida', query: 'Férias devem ser aprovadas pelo gestor', mode: 'vector' }).expect(200);
    expect({ embedder: found.body.embedder, title: found.body.hits[0]?.title }).toEqual({ embedder: 'hashing:v1:64', title: 'Segundo' });
  });

  it('a job that fails leaves the collection on its old embedder, consistent; asking again retries it', async () => {
    const before = (await status()).collections.find((c: { name: string }) => c.name === 'outra');
    const embed = HashingEmbedder.prototype.embed;
    const spy = jest.spyOn(HashingEmbedder.prototype, 'embed').mockImplementation(function (this: HashingEmbedder, texts, purpose) {
      if (this.info.dimension === 32) return Promise.reject(new EmbedderFailedError('hashing', 'simulated outage'));
      return embed.call(this, texts, purpose);
    });
    try {
      const put = await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { dimension: 32 }, collections: ['outra'] }).expect(202);
      const job = await waitFor(put.body.jobs[0].id);
      expect(job).toMatchObject({ status: 'failed', collection: 'outra', from: before.embedder_id, to: 'hashing:v1:32', error: expect.stringContaining('simulated outage') });
    } finally {
      spy.mockRestore();
    }
    expect((await status()).collections.find((c: { name: string }) => c.name === 'outra')).toEqual(before);
    expect(await t.dataSource.query(`SELECT DISTINCT dimension FROM ${LIVE_CHUNKS_SQL} WHERE collection = 'outra'`)).toEqual([{ dimension: before.dimension }]);
    const still = await search({ collection: 'outra', query: 'senha do portal', mode: 'vector' }).expect(200);
    expect({ embedder: still.body.embedder, title: still.body.hits[0]?.title }).toEqual({ embedder: before.embedder_id, title: 'Senhas' });

    const again = await admin(http.put('/v1/admin/models/embedder')).send({ provider: 'hashing', options: { dimension: 32 }, collections: ['outra'] }).expect(202);
    expect(await waitFor(again.body.jobs[0].id)).toMatchObject({ status: 'completed', to: 'hashing:v1:32' });
    const moved = await search({ collection: 'outra', query: 'senha do portal', mode: 'vector' }).expect(200);
    expect({ embedder: moved.body.embedder, title: moved.body.hits[0]?.title }).toEqual({ embedder: 'hashing:v1:32', title: 'Senhas' });
  });
});
