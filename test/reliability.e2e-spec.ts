import JSZip from 'jszip';
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import type supertest from 'supertest';
import { resolveDataPath } from '../src/shared/config';
import { PASSWORD_FILE } from '../src/shared/database/credentials';
import { OPENAI_COMPAT_ROUTE } from '../src/shared/errors/openai-error';
import { expectOpenAiError, expectProblem, SERVER_MODE, startTestApp, TestApp } from './support/app';

/**
 * Issue 12's reproducers, each with its body generated here: every one must answer a 4xx problem+json that
 * shows no stack and no SQL, and leave the service answering a normal search.
 */

/** A problem+json answer that reveals nothing internal. */
function expectCleanProblem(res: supertest.Response, status: number, code: string): Record<string, unknown> {
  const body = expectProblem(res, status, code);
  const text = JSON.stringify(body);
  expect(body).not.toHaveProperty('stack');
  expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|SELECT|INSERT|jsonb|\$\d+|invalid input syntax|out of range/);
  return body;
}

const keys = (n: number, value: (i: number) => unknown = (i) => i) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)]));
const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

describe('reliability: bad input is a 4xx, and the service keeps answering', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    // URL ingestion as in production (the test profile allows private networks for its local pages)
    t = await startTestApp({ ingestion: { url: { allowPrivateNetworks: false } } });
    await t.app.listen(0, '0.0.0.0');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await t.http
      .post('/v1/documents')
      .send({ title: 'Política de férias', text: 'Cada colaborador tem direito a trinta dias de férias por ano.', metadata: { team: 'rh', year: 2026 } })
      .expect(201);
  });
  afterAll(async () => t.close());

  /** After every reproducer: a normal search still finds the document, promptly. */
  afterEach(async () => {
    const started = Date.now();
    const res = await t.http.post('/v1/search').send({ query: 'férias', filters: { team: 'rh' } });
    expect(res.status).toBe(200);
    expect(res.body.hits[0]?.title).toBe('Política de férias');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  describe('metadata filters are bounded (retrieval.filters)', () => {
    it('a search with 5,000 filter keys (73 KB) is refused at once, before any SQL', async () => {
      const started = Date.now();
      const p = expectCleanProblem(await t.http.post('/v1/search').send({ query: 'férias', filters: keys(5000) }), 413, 'REQUEST.JSON_TOO_MANY_KEYS');
      expect(p.detail).toMatch(/more than 1000 object keys/);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('a filter past retrieval.filters.maxKeys is a 400 naming the limit, in search and in ask', async () => {
      const p = expectCleanProblem(await t.http.post('/v1/search').send({ query: 'férias', filters: keys(100) }), 400, 'REQUEST.VALIDATION');
      expect(p.errors).toEqual([{ field: 'filters', message: expect.stringMatching(/at most 32 metadata keys, not 100 \(retrieval\.filters\.maxKeys\)/) }]);
      const a = expectCleanProblem(await t.http.post('/v1/ask').send({ question: 'Quantos dias de férias?', filters: keys(100) }), 400, 'REQUEST.VALIDATION');
      expect(a.errors).toEqual([{ field: 'filters', message: expect.stringMatching(/retrieval\.filters\.maxKeys/) }]);
      expectCleanProblem(await t.http.post('/v1/ask').send({ question: 'Quantos dias de férias?', filters: keys(5000) }), 413, 'REQUEST.JSON_TOO_MANY_KEYS');
    });

    it('GET /v1/documents?metadata= applies the same validator', async () => {
      const p = expectCleanProblem(await t.http.get('/v1/documents').query({ metadata: JSON.stringify(keys(100)) }), 400, 'INGESTION.INVALID_REQUEST');
      expect(p.detail).toMatch(/at most 32 metadata keys, not 100/);
      const inLists = JSON.stringify(keys(11, (i) => ({ in: Array.from({ length: 100 }, (_, j) => i * 100 + j) })));
      expect(expectCleanProblem(await t.http.get('/v1/documents').query({ metadata: inLists }), 400, 'INGESTION.INVALID_REQUEST').detail).toMatch(
        /at most 1000 values together, not 1100/,
      );
    });

    it('"in" lists past 65,535 bind parameters are a 400, not a protocol error', async () => {
      // 400 keys x 100 values x 2 parameters = 80,000
      const filters = keys(400, (i) => ({ in: Array.from({ length: 100 }, (_, j) => `${i}-${j}`) }));
      expectCleanProblem(await t.http.post('/v1/search').send({ query: 'férias', filters }), 400, 'REQUEST.VALIDATION');
      const within = keys(10, (i) => ({ in: Array.from({ length: 100 }, (_, j) => i * 100 + j) }));
      expect((await t.http.post('/v1/search').send({ query: 'férias', filters: within })).status).toBe(200);
    });
  });

  describe('JSON bodies are bounded at the body parser (http.json)', () => {
    it('JSON nested 5,000 levels is a 400 on every JSON route', async () => {
      const doc = (await t.http.get('/docs-json')).body as { paths: Record<string, Record<string, { requestBody?: { content?: object } }>> };
      const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.requestBody?.content && 'application/json' in op.requestBody.content)
          .map(([method, op]) => ({ method, path: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'), op })),
      );
      expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining(['post /v1/search', 'post /v1/ask', 'post /v1/documents', 'post /v1/documents/url']),
      );
      for (const { method, path } of routes) {
        const req = (t.http as unknown as Record<string, (p: string) => supertest.Test>)[method](path).set('content-type', 'application/json');
        const res = await req.send(nested(5000));
        // the OpenAI-compatible routes answer in OpenAI's error shape (ARCHITECTURE deviation 45)
        const detail = OPENAI_COMPAT_ROUTE.test(path) ? expectOpenAiError(res, 400, 'REQUEST.JSON_TOO_DEEP').message : expectCleanProblem(res, 400, 'REQUEST.JSON_TOO_DEEP').detail;
        expect(detail).toMatch(/deeper than 32 levels/);
      }
    });

    it('a body with more object keys than http.json.maxKeys is a 413', async () => {
      const res = await t.http.post('/v1/documents').send({ title: 'Muitas chaves', text: 'Um texto qualquer.', metadata: keys(1500) });
      expectCleanProblem(res, 413, 'REQUEST.JSON_TOO_MANY_KEYS');
    });

    it('the multipart metadata field follows the same rules', async () => {
      const upload = (metadata: string) =>
        t.http.post('/v1/documents').field('metadata', metadata).attach('files', Buffer.from('Um texto sobre férias.'), 'ferias.txt');
      expectCleanProblem(await upload(nested(5000)), 400, 'REQUEST.JSON_TOO_DEEP');
      const p = expectCleanProblem(await upload('{"team":"\\ud800"}'), 400, 'REQUEST.INVALID_TEXT');
      expect(p.errors).toEqual([{ field: 'metadata.team', message: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    });
  });

  it('a multipart body with an empty boundary (which the form parser skips) is a 400, not a 500 (found by test/fuzz.e2e-spec.ts, seed 1)', async () => {
    const res = await t.http.post('/v1/documents').set('content-type', 'multipart/form-data; boundary=').send('[[false],{},false]');
    expect(expectCleanProblem(res, 400, 'INGESTION.INVALID_REQUEST').detail).toMatch(/multipart\/form-data body could not be read/);
  });

  describe("what Node's HTTP parser refuses is answered as problem+json, not a bare status or a reset", () => {
    /** A request on its own connection: the status, content type and parsed body (a reset rejects). */
    const raw = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; type: string; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request(`${base}${path}`, { headers, agent: false }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(Buffer.concat(parts).toString() || '{}') }));
        });
        req.on('error', reject);
        req.end();
      });

    it.each([20_000, 100_000])('a URL of %i characters is a 414 problem+json (Node counts the request line in its 16 KB head limit)', async (n) => {
      const res = await raw(`/v1/documents?collection=${'a'.repeat(n)}`);
      expect(res).toMatchObject({ status: 414, type: expect.stringMatching(/^application\/problem\+json/), body: { status: 414, code: 'REQUEST.URI_TOO_LONG' } });
      expect(res.body.detail).toMatch(/16 KB/);
    });

    it('headers over 16 KB are a 431 problem+json', async () => {
      const res = await raw('/v1/documents', { 'x-grande': 'h'.repeat(20_000) });
      expect(res).toMatchObject({
        status: 431,
        type: expect.stringMatching(/^application\/problem\+json/),
        body: { status: 431, code: 'REQUEST.HEADERS_TOO_LARGE', requestId: expect.any(String) },
      });
    });

    it('bytes that are not HTTP are a 400 problem+json', async () => {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(base).port), '127.0.0.1', () => socket.write('GARBAGE \u0001\r\n\r\n'));
        let text = '';
        socket.on('data', (c) => (text += c.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*content-type: application\/problem\+json/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
    });

    it('an Expect other than 100-continue is ignored (RFC 9110 allows it), not a bare 417', async () => {
      const res = await raw('/v1/documents', { expect: 'algo-desconhecido' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ items: expect.any(Array) });
    });
  });

  describe('lone surrogates are refused wherever they would reach Postgres, naming the field', () => {
    it.each([
      ['document metadata', '/v1/documents', { title: 'Surrogate', text: 'Texto.', metadata: { team: 'rh\ud800' } }, 'metadata.team'],
      ['a metadata key', '/v1/documents', { title: 'Surrogate', text: 'Texto.', metadata: { ['\udc00']: 1 } }, 'metadata'],
      ['the title', '/v1/documents', { title: 'T\udfff', text: 'Texto.' }, 'title'],
      ['search filters', '/v1/search', { query: 'férias', filters: { team: '\ud800' } }, 'filters.team'],
      ['a search query', '/v1/search', { query: 'férias \ud800' }, 'query'],
      ['ask filters', '/v1/ask', { question: 'Férias?', filters: { team: { in: ['rh', '\ud800'] } } }, 'filters.team.in[1]'],
    ])('in %s', async (_what, path, body, field) => {
      const p = expectCleanProblem(await t.http.post(path).send(body), 400, 'REQUEST.INVALID_TEXT');
      expect(p.errors).toEqual([{ field, message: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    });

    it('in ?metadata=', async () => {
      const p = expectCleanProblem(await t.http.get('/v1/documents').query({ metadata: '{"team":"\\ud800"}' }), 400, 'REQUEST.INVALID_TEXT');
      expect(p.errors).toEqual([{ field: 'metadata.team', message: expect.any(String) }]);
    });
  });

  it('numeric query parameters are bounded by the schema: offset=1e20 is a 400', async () => {
    const p = expectCleanProblem(await t.http.get('/v1/documents').query({ offset: '1e20' }), 400, 'REQUEST.VALIDATION');
    expect(p.errors).toEqual([{ field: 'offset', message: expect.stringMatching(/offset must not be greater than 2147483647/) }]);
    expect((await t.http.get('/v1/documents').query({ offset: '2147483647' })).body).toMatchObject({ items: [], offset: 2147483647 });
    // a value that is no number at all is told that, not every bound it has no place in
    const abc = expectCleanProblem(await t.http.get('/v1/documents').query({ limit: 'abc' }), 400, 'REQUEST.VALIDATION');
    expect(abc.errors).toEqual([{ field: 'limit', message: 'limit must be an integer number' }]);
  });

  describe('URL ingestion refuses special-purpose and own addresses (SSRF)', () => {
    it.each(['http://198.51.100.7/', 'http://203.0.113.9/x', 'http://192.88.99.1/', 'http://192.0.2.1/', 'http://[2001:db8::1]/', 'http://[64:ff9b::7f00:1]/'])(
      'refuses %s (a reserved or translation range) without connecting',
      async (url) => {
        const p = expectCleanProblem(await t.http.post('/v1/documents/url').send({ url }), 400, 'INGESTION.URL_REFUSED');
        expect(p.detail).toMatch(/special-purpose range/);
      },
    );

    it("refuses this host's own addresses: the server's own /v1/model-info is not ingested", async () => {
      const port = new URL(base).port;
      const own = Object.values(networkInterfaces())
        .flat()
        .filter((nic) => nic && !nic.address.startsWith('fe80'))
        .map((nic) => (nic!.family === 'IPv6' ? `[${nic!.address}]` : nic!.address));
      expect(own).toContain('127.0.0.1');
      for (const host of [...own, '[::ffff:127.0.0.1]', 'localhost']) {
        const url = `http://${host}:${port}/v1/model-info`;
        const p = expectCleanProblem(await t.http.post('/v1/documents/url').send({ url }), 400, 'INGESTION.URL_REFUSED');
        expect(p.detail).toMatch(/not private or loopback ones/);
      }
      expect((await t.http.get('/v1/documents')).body.items.map((d: { source_type: string }) => d.source_type)).not.toContain('url');
    });
  });
});

/**
 * The database connection is never poisoned: an SQL error, a statement that breaks PGlite, a client that drops
 * mid-statement or sends garbage, or a statement past statement_timeout leave the next query answered, and
 * only clients with the password get in. Against the embedded server, or the server of DATABASE_URL (CI's
 * pg-server pass runs the same server code in another process).
 */
describe('reliability: the database connection is never poisoned', () => {
  let t: TestApp;
  let url: URL;
  const clients: Client[] = [];
  const connect = async (config: ClientConfig = {}) => {
    const c = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000, ...config });
    c.on('error', () => undefined); // a connection the server closes on purpose
    clients.push(c);
    await c.connect();
    return c;
  };
  /** A normal query on a new connection: its answer and how long it took. */
  const probe = async () => {
    const started = Date.now();
    const c = await connect();
    const { rows } = await c.query('SELECT 1 + 1 AS two');
    return { rows, ms: Date.now() - started };
  };

  beforeAll(async () => {
    t = await startTestApp();
    url = new URL((t.dataSource.options as { url: string }).url);
    await t.http.post('/v1/documents').send({ title: 'Política de férias', text: 'Cada colaborador tem direito a trinta dias de férias por ano.' }).expect(201);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    // and the app itself still searches (its pooled connection may have been closed by a restart: it reconnects)
    const res = await t.http.post('/v1/search').send({ query: 'férias' });
    expect(res.status).toBe(200);
    expect(res.body.hits[0]?.title).toBe('Política de férias');
  });
  afterAll(async () => t.close());

  it('refuses a client without the password, or with a wrong one; the password file is the owner\'s alone', async () => {
    if (SERVER_MODE && !url.password) return; // a server of DATABASE_URL that trusts local clients is not ours to judge
    const anonymous = new URL(url);
    anonymous.password = '';
    await expect(connect({ connectionString: anonymous.toString() })).rejects.toThrow(/password/);
    const wrong = new URL(url);
    wrong.password = 'postgres';
    await expect(connect({ connectionString: wrong.toString() })).rejects.toMatchObject({ code: '28P01' });
    if (!SERVER_MODE) {
      const dir = resolveDataPath(t.config, t.config.database.embedded.dir);
      expect(statSync(join(dir, PASSWORD_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
    expect((await probe()).rows).toEqual([{ two: 2 }]);
  });

  it('applies the configured session settings in this mode too: statement_timeout and hnsw.ef_search', async () => {
    const [{ statement_timeout }] = await t.dataSource.query('SHOW statement_timeout');
    const [{ 'hnsw.ef_search': efSearch }] = await t.dataSource.query('SHOW hnsw.ef_search');
    expect({ statement_timeout, efSearch }).toEqual({ statement_timeout: `${t.config.database.statementTimeoutMs / 1000}s`, efSearch: String(t.config.retrieval.search.efSearch) });
  });

  it('an SQL error leaves the connection usable: the next query is answered within a second', async () => {
    const c = await connect();
    await expect(c.query('SELECT 1 / 0')).rejects.toMatchObject({ code: '22012' });
    const started = Date.now();
    expect((await c.query('SELECT 2 AS x')).rows).toEqual([{ x: 2 }]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a client that drops mid-statement inside a transaction is rolled back, and the next client is answered at once', async () => {
    const setup = await connect();
    await setup.query('CREATE TABLE IF NOT EXISTS reliability_probe (id int)');
    try {
      const a = await connect();
      await a.query('BEGIN');
      await a.query('INSERT INTO reliability_probe VALUES (1)');
      const sleeping = a.query('SELECT pg_sleep(0.5)').catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 100));
      (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      await sleeping;
      const started = Date.now();
      const b = await connect();
      expect((await b.query('SELECT count(*)::int AS n FROM reliability_probe')).rows).toEqual([{ n: 0 }]);
      expect(Date.now() - started).toBeLessThan(1500); // the rest of the sleep, then the rollback
    } finally {
      await setup.query('DROP TABLE IF EXISTS reliability_probe');
    }
  });

  it('a client that sends a message that is not protocol is cut off; the others are answered within a second', async () => {
    const c = await connect();
    const closed = new Promise((resolve) => c.once('end', resolve));
    (c as unknown as { connection: { stream: { write(b: Buffer): void } } }).connection.stream.write(Buffer.from([0x59, 0, 0, 0, 4]));
    await closed;
    const { rows, ms } = await probe();
    expect(rows).toEqual([{ two: 2 }]);
    expect(ms).toBeLessThan(1000);
  });

  it('a statement that breaks the database engine gets an error, not a hang, and the next query is answered right', async () => {
    const c = await connect();
    // deep enough to overflow PGlite's WASM stack, which it swallows and answers half (the session then answers wrongly)
    await c.query(`CREATE OR REPLACE FUNCTION reliability_deep(n int) RETURNS int LANGUAGE sql AS $$ SELECT CASE WHEN n = 0 THEN 0 ELSE reliability_deep(n - 1) END $$`);
    try {
      const started = Date.now();
      await expect(c.query('SELECT reliability_deep(100000)')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(10_000);
      const { rows, ms } = await probe();
      expect(rows).toEqual([{ two: 2 }]);
      expect(ms).toBeLessThan(10_000); // the engine restarts on the same data
    } finally {
      await (await connect()).query('DROP FUNCTION IF EXISTS reliability_deep(int)');
    }
  });

  it('statement_timeout really cancels: the statement fails with 57014 and the next query is answered', async () => {
    const c = await connect({ options: '-c statement_timeout=500' });
    const started = Date.now();
    await expect(c.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    expect(Date.now() - started).toBeLessThan(3000);
    const { rows, ms } = await probe();
    expect(rows).toEqual([{ two: 2 }]);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('reliability: parser bombs are refused while parsing (ingestion.limits)', () => {
  let t: TestApp;
  const MiB = 2 ** 20;
  beforeAll(async () => {
    // files as large as issue 12's reproducers (3.3 MB); the budgets are the defaults
    t = await startTestApp({ ingestion: { maxFileBytes: 8 * MiB } });
    await t.http.post('/v1/documents').send({ title: 'Política de férias', text: 'Cada colaborador tem direito a trinta dias de férias por ano.', metadata: { team: 'rh' } }).expect(201);
  });
  afterAll(async () => t.close());
  afterEach(async () => {
    const res = await t.http.post('/v1/search').send({ query: 'férias', filters: { team: 'rh' } });
    expect(res.status).toBe(200);
    expect(res.body.hits[0]?.title).toBe('Política de férias');
  });

  /** A .docx whose word/document.xml is `body` repeated up to `bytes`: a few hundred KB on disk. */
  async function docxBomb(bytes: number, body: string, declaredSize?: number): Promise<Buffer> {
    const head = '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>';
    const xml = Buffer.concat([Buffer.from(head), Buffer.alloc(bytes, body), Buffer.from('</w:body></w:document>')]);
    const zip = new JSZip();
    zip.file(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    );
    zip.file('word/document.xml', xml);
    const out = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
    if (declaredSize !== undefined) {
      // the central directory and the local header declare a small size for word/document.xml
      const end = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      let p = out.readUInt32LE(end + 16);
      for (let n = out.readUInt16LE(end + 10); n > 0; n--) {
        if (out.toString('utf8', p + 46, p + 46 + out.readUInt16LE(p + 28)) === 'word/document.xml') {
          out.writeUInt32LE(declaredSize, p + 24);
          out.writeUInt32LE(declaredSize, out.readUInt32LE(p + 42) + 22);
        }
        p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
      }
    }
    return out;
  }

  /** Uploads `file` and returns the problem and how much the process's RSS grew meanwhile. */
  async function upload(file: Buffer, name: string, status: number, code: string) {
    const rss = process.memoryUsage().rss;
    const p = expectCleanProblem(await t.http.post('/v1/documents').attach('files', file, name), status, code);
    return { p, grewMb: (process.memoryUsage().rss - rss) / MiB };
  }

  it('a .docx of 230 MB of small paragraphs is a 413 before mammoth reads it, and memory stays flat', async () => {
    const bomb = await docxBomb(230 * MiB, '<w:p><w:r><w:t>a</w:t></w:r></w:p>');
    expect(bomb.length).toBeLessThan(1 * MiB);
    const { p, grewMb } = await upload(bomb, 'bomba.docx', 413, 'INGESTION.DECOMPRESSED_TOO_LARGE');
    expect(p).toMatchObject({ limit: 'ingestion.limits.maxDecompressedBytes', max: 50 * MiB });
    expect(p.detail).toMatch(/more than the limit of 52428800 bytes once decompressed/);
    expect(grewMb).toBeLessThan(300);
  }, 60_000);

  it('a .docx whose one 250 MB text run is declared 1 KB is stopped while inflating, and memory stays flat', async () => {
    const bomb = await docxBomb(250 * MiB, 'a', 1000);
    const { p, grewMb } = await upload(bomb, 'mentirosa.docx', 413, 'INGESTION.DECOMPRESSED_TOO_LARGE');
    expect(p).toMatchObject({ limit: 'ingestion.limits.maxDecompressedBytes', max: 50 * MiB });
    expect(grewMb).toBeLessThan(300);
  }, 60_000);

  it('a 3.3 MB CSV with 100,000 columns is a 422 naming maxColumns, without parsing a row', async () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `coluna${i}`).join(',');
    const csv = Buffer.from(`${header}\n${'x,'.repeat(99_999)}x\n`);
    expect(csv.length).toBeGreaterThan(1 * MiB);
    const started = Date.now();
    const { p } = await upload(csv, 'larga.csv', 422, 'INGESTION.TOO_MANY_COLUMNS');
    expect(p).toMatchObject({ limit: 'ingestion.limits.maxColumns', max: 500, found: 100_000 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a CSV of 20,000 rows is a 413 naming maxRecords', async () => {
    const csv = Buffer.from(`nome,texto\n${Array.from({ length: 20_000 }, (_, i) => `n${i},linha ${i}`).join('\n')}\n`);
    const { p } = await upload(csv, 'comprida.csv', 413, 'INGESTION.TOO_MANY_RECORDS');
    expect(p).toMatchObject({ limit: 'ingestion.limits.maxRecords', max: 10_000 });
  });

  it('a 2.9 MB JSON array of 50,000 records is a 413 naming maxRecords, before any document is built', async () => {
    const records = Array.from({ length: 50_000 }, (_, i) => ({ title: `Registro ${i}`, text: `Texto do registro número ${i}.` }));
    const json = Buffer.from(JSON.stringify(records));
    expect(json.length).toBeGreaterThan(2 * MiB);
    const started = Date.now();
    const { p } = await upload(json, 'registros.json', 413, 'INGESTION.TOO_MANY_RECORDS');
    expect(p).toMatchObject({ limit: 'ingestion.limits.maxRecords', max: 10_000, found: 50_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    const listed = await t.http.get('/v1/documents');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toMatch(/Registro \d/);
  });
});
