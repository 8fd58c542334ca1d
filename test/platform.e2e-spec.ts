import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../src/shared/database';
import { expectProblem, SERVER_MODE, startTestApp, TestApp } from './support/app';
import { FakeOllamaServer } from './support/fake-ollama.server';

describe('platform: health, Swagger, request ids, errors', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t.close());

  it('liveness and readiness report database (migrations) and embedder', async () => {
    expect((await t.http.get('/health/live')).body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({
      database: { status: 'up', migrations: 'applied', mode: SERVER_MODE ? 'server' : 'embedded' },
      embedder: { status: 'up', provider: 'hashing', kind: 'lexical', loaded: true },
    });
  });

  it('an empty knowledge base searches to no hits and asks to an abstention, not a 404', async () => {
    const found = await t.http.post('/v1/search').send({ query: 'política de férias' });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ hits: [], collection: 'default' });
    const asked = await t.http.post('/v1/ask').send({ question: 'Qual é a política de férias?' });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ grounded: false, citations: [] });
  });

  it('serves the Swagger document with every endpoint and its problem+json errors', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/documents', 'GET /v1/documents', 'GET /v1/documents/{id}', 'DELETE /v1/documents/{id}', 'POST /v1/documents/url',
        'POST /v1/search', 'GET /health/live', 'GET /health/ready',
      ]),
    );
    const search = doc.paths['/v1/search'].post;
    expect(search.responses['400'].content['application/problem+json']).toBeDefined();
    expect(doc.components.schemas.ProblemDetailsDto.properties.code).toBeDefined();
    expect(doc.components.schemas.SearchRequestDto.properties.query.example).toBeTruthy();
    expect((await t.http.get('/docs')).status).toBe(200);
  });

  // embedded only: a server's pool has other connections
  (SERVER_MODE ? it.skip : it)('a read waits out a transaction that holds the one embedded connection past 15 s (a large upload), and succeeds', async () => {
    // what a large document's write does: one transaction on the only connection, longer than the 15 s a read waited
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const read = t.http.get('/v1/documents?limit=1').then((r) => r);
    await new Promise((r) => setTimeout(r, 16_000));
    await runner.commitTransaction();
    await runner.release();
    const res = await read;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ limit: 1 });
  }, 60_000);

  it('a known path asked with another method is 405 problem+json with Allow (HEAD with GET); unknown paths stay 404', async () => {
    const wrong = await t.http.delete('/v1/ask');
    expect(expectProblem(wrong, 405, 'REQUEST.METHOD_NOT_ALLOWED')).toMatchObject({ allow: ['POST', 'OPTIONS'], instance: '/v1/ask', detail: 'DELETE is not allowed on /v1/ask: it takes POST, OPTIONS.' });
    expect(wrong.headers.allow).toBe('POST, OPTIONS');
    // a path with parameters, every method of its routes; and the same path written with a trailing slash
    for (const path of ['/v1/documents/0b9e8a2c-4f1d-4c3e-9a7b-2d5e6f708192', '/v1/documents/0b9e8a2c-4f1d-4c3e-9a7b-2d5e6f708192/']) {
      const res = await t.http.put(path).send({ title: 'x' });
      expectProblem(res, 405, 'REQUEST.METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('GET, HEAD, DELETE, OPTIONS');
    }
    expect((await t.http.patch('/v1/documents')).headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    // HEAD of a POST-only route is 405 too (no body), and the methods a route takes are served as before
    const head = await t.http.head('/v1/search');
    expect([head.status, head.headers.allow]).toEqual([405, 'POST, OPTIONS']);
    expect((await t.http.get('/v1/documents')).status).toBe(200);
    // the OpenAI-compatible routes answer in OpenAI's error shape, with the same status and Allow
    const completions = await t.http.get('/v1/chat/completions');
    expect([completions.status, completions.headers.allow, completions.body.error?.code]).toEqual([405, 'POST, OPTIONS', 'REQUEST.METHOD_NOT_ALLOWED']);
    // OPTIONS on a known path (cross-origin off: no preflight handler) is 204 with the same Allow, no body
    const options = await t.http.options('/v1/search');
    expect([options.status, options.headers.allow, options.text]).toEqual([204, 'POST, OPTIONS', '']);
    // an unknown path, or a known one in another case (routes are case-sensitive), is the 404 whatever the method
    expectProblem(await t.http.delete('/v1/nope'), 404, 'REQUEST.NOT_FOUND');
    expectProblem(await t.http.delete('/v1/Ask'), 404, 'REQUEST.NOT_FOUND');
    expectProblem(await t.http.get('/v1/ask/more'), 404, 'REQUEST.NOT_FOUND');
  });

  it('echoes a caller request id (and makes one otherwise); unknown routes are problem+json 404', async () => {
    const res = await t.http.get('/v1/nope').set('x-request-id', 'trace-abc.123');
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    for (const kept of ['0b9e8a2c-4f1d-4c3e-9a7b-2d5e6f708192', '4bf92f3577b34da6a3ce929d0e0e4736', 'job-2026-12-02']) {
      expect((await t.http.get('/health/live').set('x-request-id', kept)).headers['x-request-id']).toBe(kept);
    }
    expectProblem(res, 404, 'REQUEST.NOT_FOUND');
    const own = await t.http.get('/health/live');
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await t.http.get('/health/live').set('x-request-id', 'bad id with spaces; drop table');
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // digits and punctuation alone may be a CPF or a phone number: not logged as given
    for (const personal of ['529.982.247-25', '11987654321', 'cpf-123.456.789-09', 'tel:5511987654321', 'cnpj_11.222.333/0001-81'.replace('/', '.')]) {
      expect((await t.http.get('/health/live').set('x-request-id', personal)).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('web page ingestion (SSRF-guarded)', () => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/artigo') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<html lang="pt-BR"><head><title>Guia de Férias</title></head><body><header><nav>Início | Blog | Contato</nav></header>
          <main><article><h1>Guia de Férias</h1><p>Cada colaborador tem direito a trinta dias de férias por ano, que podem ser divididos em até três períodos.</p>
          <p>O pedido deve ser feito no portal de RH com pelo menos trinta dias de antecedência e aprovado pelo gestor direto.</p></article></main>
          <footer>© Empresa — Política de privacidade</footer></body></html>`);
      } else if (req.url === '/antigo') {
        res.writeHead(301, { location: '/artigo' });
        res.end();
      } else if (req.url === '/lento') {
        setTimeout(() => res.end('tarde demais'), 5000).unref();
      } else if (req.url === '/enorme') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(2 * 1024 * 1024, 'a'));
      } else if (req.url === '/binario') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from([0, 1, 2, 3]));
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({ ingestion: { url: { maxBytes: 1024 * 1024, timeoutMs: 1500 } } });
  });
  afterAll(async () => {
    await t.close();
    server.close();
  });

  it('keeps the main text of a page, with the URL as source, following redirects', async () => {
    const res = await t.http.post('/v1/documents/url').send({ url: `${base}/antigo`, metadata: { fonte: 'intranet' } });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe('Guia de Férias');
    const doc = (await t.http.get(`/v1/documents/${res.body.id}`)).body;
    expect(doc).toMatchObject({ source_type: 'url', source_id: `${base}/antigo`, metadata: { fonte: 'intranet', url: `${base}/artigo`, lang: 'pt-BR' } });
    const hit = (await t.http.post('/v1/search').send({ query: 'quantos dias de férias', top_k: 1 })).body.hits[0];
    expect(hit.text).toContain('trinta dias de férias');
    expect(hit.text).not.toMatch(/Início \| Blog|Política de privacidade/);
    expect((await t.http.post('/v1/documents/url').send({ url: `${base}/antigo` })).status).toBe(200); // same content: dedup
  });

  it('maps fetch failures to 4xx/5xx problem+json', async () => {
    expectProblem(await t.http.post('/v1/documents/url').send({ url: `${base}/sumiu` }), 502, 'INGESTION.FETCH_FAILED');
    expectProblem(await t.http.post('/v1/documents/url').send({ url: `${base}/lento` }), 504, 'INGESTION.FETCH_TIMEOUT');
    expectProblem(await t.http.post('/v1/documents/url').send({ url: `${base}/enorme` }), 413, 'INGESTION.TOO_LARGE');
    expectProblem(await t.http.post('/v1/documents/url').send({ url: `${base}/binario` }), 415, 'INGESTION.UNSUPPORTED_TYPE');
    expectProblem(await t.http.post('/v1/documents/url').send({ url: 'ftp://example.com/x' }), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.post('/v1/documents/url').send({ url: 'file:///etc/passwd' }), 400, 'REQUEST.VALIDATION');
  });

  it('refuses loopback and private addresses unless allowed in config', async () => {
    const strict = await startTestApp({ ingestion: { url: { allowPrivateNetworks: false } } });
    try {
      const p = expectProblem(await strict.http.post('/v1/documents/url').send({ url: `${base}/artigo` }), 400, 'INGESTION.URL_REFUSED');
      expect(p.detail).toMatch(/private or loopback/);
      expectProblem(await strict.http.post('/v1/documents/url').send({ url: 'http://localhost:9/x' }), 400, 'INGESTION.URL_REFUSED');
      expectProblem(await strict.http.post('/v1/documents/url').send({ url: 'http://169.254.169.254/latest/meta-data' }), 400, 'INGESTION.URL_REFUSED');
    } finally {
      await strict.close();
    }
  });
});

describe('readiness follows the embedder', () => {
  const ollama = new FakeOllamaServer({ models: { 'nomic-embed-text': 8 } });
  beforeAll(() => ollama.start());
  afterAll(() => ollama.close());

  it('answers 503 naming the embedder while its provider is down, and 200 once a background retry loads it', async () => {
    // 4 failures: the boot attempt and the first background retry (1 s later) each spend two (the Ollama client retries once)
    ollama.serverError({ times: 4 });
    const t = await startTestApp({ retrieval: { embedder: { provider: 'ollama', ollama: { baseUrl: ollama.baseUrl, model: 'nomic-embed-text', dimension: 8 } } } });
    try {
      const down = await t.http.get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: { embedder: { status: 'down', provider: 'ollama', loaded: false } },
        info: { database: { status: 'up' } },
      });
      const deadline = Date.now() + 15_000;
      let ready = down;
      while (ready.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await t.http.get('/health/ready');
      }
      expect(ready.status).toBe(200);
      expect(ready.body.info.embedder).toMatchObject({ status: 'up', provider: 'ollama', loaded: true });
      expect(ready.body.info.embedder.error).toBeUndefined();
      expect(ollama.embedRequests().length).toBeGreaterThanOrEqual(5);
    } finally {
      await t.close();
    }
  });
});

(SERVER_MODE ? describe.skip : describe)(SERVER_MODE ? 'embedded database (skipped: DATABASE_URL is set, there is no embedded data dir to restart or lock)' : 'embedded database', () => {
  it('persists across restarts and refuses a second process on the same data dir', async () => {
    const first = await startTestApp();
    const created = await first.http.post('/v1/documents').send({ title: 'Persistente', text: 'Este texto sobrevive a um reinício do serviço.' });
    expect(created.status).toBe(201);
    const rival = new EmbeddedPostgres({ dir: `${first.dataDir}/pg`, maxConnections: 2 });
    await expect(rival.start()).rejects.toThrow(/in use by another acervo process/);
    await first.close({ keepData: true });

    // an unclean stop leaves the lock behind, naming a pid that is ours again after a restart (PID 1 in a container)
    writeFileSync(`${first.dataDir}/pg/acervo.lock`, String(process.pid));
    const second = await startTestApp({ database: { embedded: { sharedBuffers: '64MB' } } }, { dataDir: first.dataDir });
    try {
      const [{ shared_buffers }] = await second.dataSource.query(`SHOW shared_buffers`);
      expect(shared_buffers).toBe('64MB');
      expect((await second.http.get(`/v1/documents/${created.body.id}`)).body.title).toBe('Persistente');
      const hits = (await second.http.post('/v1/search').send({ query: 'reinício do serviço' })).body.hits;
      expect(hits[0].document_id).toBe(created.body.id);
      const [{ ef_search }] = await second.dataSource.query(`SELECT current_setting('hnsw.ef_search') AS ef_search`);
      expect(Number(ef_search)).toBe(second.config.retrieval.search.efSearch);
    } finally {
      await second.close();
    }
  });
});

(SERVER_MODE ? describe.skip : describe)(SERVER_MODE ? 'embedded database lock (skipped: DATABASE_URL is set)' : 'embedded database lock', () => {
  const dirs: string[] = [];
  const lockedDir = (pid: number): string => {
    const dir = mkdtempSync(join(tmpdir(), 'acervo-lock-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'acervo.lock'), String(pid));
    return dir;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('refuses a data dir locked by another live process, naming it, and leaves its lock alone', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const dir = lockedDir(other.pid!);
      await expect(new EmbeddedPostgres({ dir, maxConnections: 1 }).start()).rejects.toThrow(
        new RegExp(`in use by another acervo process \\(pid ${other.pid}\\)`),
      );
      expect(readFileSync(join(dir, 'acervo.lock'), 'utf8')).toBe(String(other.pid));
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a process that died', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dir = lockedDir(Number(dead.stdout));
    const db = new EmbeddedPostgres({ dir, maxConnections: 1, sharedBuffers: '32MB' });
    await db.start();
    try {
      expect(readFileSync(join(dir, 'acervo.lock'), 'utf8')).toBe(String(process.pid));
    } finally {
      await db.stop();
    }
    expect(existsSync(join(dir, 'acervo.lock'))).toBe(false);
  });
});
