import { expectProblem, startTestApp, TestApp } from './support/app';
import { FakeOpenAiServer } from './support/fake-openai.server';

/**
 * Session 11 probe findings on input and access: keys named like Object.prototype members in free-form JSON
 * (document metadata, filters, OpenAI tool schemas) work instead of answering 500; a request's metadata is
 * bounded (ingestion.maxMetadataBytes); an embedder swap to another server gets no configured key; and in
 * auth.mode required a key made with `collections: []` reads nothing, only an admin sets up `default`, and
 * /v1/model-info names only the caller's collections.
 */
const ADMIN = 'input-access-admin-key';
const SECRET = 'sk-configured-embedder-secret-123';

describe('free-form JSON keys, metadata size and the embedder swap key (auth.mode open)', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();

  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      admin: { apiKey: ADMIN },
      ingestion: { maxMetadataBytes: 4096 },
      retrieval: { embedder: { openai: { baseUrl: fake.baseUrl, apiKey: SECRET } } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake.close();
  });

  it('sends the configured embedder key only to the configured server on a swap (run first: no collection to re-index)', async () => {
    const bearer = () => fake.embeddingRequests().map((r) => r.headers.authorization);
    const swap = (baseUrl: string, dimension: number) =>
      t.http.put('/v1/admin/models/embedder').set('x-api-key', ADMIN).send({ provider: 'openai', model: 'text-embedding-3-small', options: { baseUrl, dimension } });
    // the same fake server under another origin (localhost, not 127.0.0.1): the key must not follow
    const other = fake.baseUrl.replace('127.0.0.1', 'localhost');
    expect(other).not.toBe(fake.baseUrl);
    fake.reset();
    expect((await swap(other, 8)).body).toMatchObject({ embedder: { model_id: 'openai:text-embedding-3-small:8' }, jobs: [] });
    expect(bearer().length).toBeGreaterThan(0);
    expect(bearer()).not.toContain(`Bearer ${SECRET}`);
    // the configured server gets it
    fake.reset();
    expect((await swap(fake.baseUrl, 16)).body).toMatchObject({ embedder: { model_id: 'openai:text-embedding-3-small:16' }, jobs: [] });
    expect(bearer()).toContain(`Bearer ${SECRET}`);
    // back to the offline embedder for the tests below (no collection yet: nothing to re-index)
    await t.http.put('/v1/admin/models/embedder').set('x-api-key', ADMIN).send({ provider: 'hashing' }).expect(202);
  }, 30_000);

  it('stores metadata keys named constructor, prototype or toString as sent, and filters on them (201, not 500)', async () => {
    const metadata = { constructor: 'x', prototype: 1, toString: 'z', nested: { constructor: { a: 1 }, valueOf: [1] } };
    const created = await t.http.post('/v1/documents').send({ title: 'Com chaves', text: 'Texto sobre construtores de objetos.', metadata }).expect(201);
    await t.http.post('/v1/documents').send({ title: 'Sem chaves', text: 'Outro texto sobre construtores de objetos.' }).expect(201);
    expect((await t.http.get(`/v1/documents/${created.body.id}`).expect(200)).body.metadata).toEqual(metadata);
    await t.http.post('/v1/documents?async=true').send({ title: 'Fila', text: 'Texto na fila.', metadata: { constructor: 'fila' } }).expect(202);
    // the multipart metadata field: the same keys, kept the same way
    const form = await t.http.post('/v1/documents').field('metadata', JSON.stringify({ constructor: { prototype: { y: 1 } } })).attach('files', Buffer.from('Texto enviado com chaves de objeto.'), 'chaves.txt').expect(201);
    expect((await t.http.get(`/v1/documents/${form.body.documents[0].id}`).expect(200)).body.metadata).toMatchObject({ constructor: { prototype: { y: 1 } } });

    for (const filters of [{ constructor: 'x' }, { toString: 'z' }, { prototype: { gte: 1 } }]) {
      const hits = (await t.http.post('/v1/search').send({ query: 'construtores de objetos', filters }).expect(200)).body.hits;
      expect({ filters, titles: hits.map((h: { title: string }) => h.title) }).toEqual({ filters, titles: ['Com chaves'] });
    }
  });

  it('refuses __proto__ anywhere and unknown top-level names of Object.prototype, naming the field (400)', async () => {
    const raw = (path: string, json: string) => t.http.post(path).set('content-type', 'application/json').send(json);
    const proto = expectProblem(await raw('/v1/documents', '{"title":"t","text":"x","metadata":{"a":{"__proto__":{"b":1}}}}'), 400, 'REQUEST.VALIDATION') as { errors: Array<{ field: string; message: string }> };
    expect(proto.errors).toEqual([{ field: 'metadata.a.__proto__', message: expect.stringContaining('__proto__') }]);
    // the multipart metadata field and the document list's metadata filter: the same 400 (a form upload stored it)
    const upload = (metadata: string) => t.http.post('/v1/documents').field('metadata', metadata).attach('files', Buffer.from('Texto com protótipo.'), 'proto.txt');
    for (const [metadata, field] of [
      ['{"a":{"__proto__":{"b":1}}}', 'metadata.a.__proto__'],
      ['{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"y":1}}}', 'metadata.__proto__'],
      ['{"l":[1,{"__proto__":{}}]}', 'metadata.l[1].__proto__'],
    ]) {
      expect(expectProblem(await upload(metadata), 400, 'REQUEST.VALIDATION').errors).toEqual(proto.errors.map(() => ({ field, message: proto.errors[0].message })));
    }
    expect(expectProblem(await upload('{"a":{"__proto__":{"b":1}}}').query({ async: 'true' }), 400, 'REQUEST.VALIDATION').errors).toEqual(proto.errors);
    const filter = expectProblem(await t.http.get('/v1/documents').query({ metadata: '{"__proto__":{"a":1}}' }), 400, 'REQUEST.VALIDATION');
    expect(filter.errors).toEqual([{ field: 'metadata.__proto__', message: proto.errors[0].message }]);
    expect((await t.http.get('/v1/documents').query({ limit: 200 }).expect(200)).body.items.map((d: { title: string }) => d.title)).not.toContain('proto');
    const title = expectProblem(await t.http.post('/v1/documents').send({ title: { constructor: 1 }, text: 'x' }), 400, 'REQUEST.VALIDATION');
    expect(title.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'title' })]));
    const top = expectProblem(await t.http.post('/v1/search').send({ query: 'x', constructor: 1 }), 400, 'REQUEST.VALIDATION');
    expect(top.errors).toEqual([{ field: 'constructor', message: 'property constructor should not exist' }]);
  });

  it('answers /v1/chat/completions whose tools, response_format or content parts hold a constructor key', async () => {
    const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { constructor: { type: 'string' } } } } };
    const res = await t.http
      .post('/v1/chat/completions')
      .send({
        model: 'acervo',
        tools: [tool],
        response_format: { type: 'text', constructor: 1 },
        messages: [{ role: 'user', content: [{ type: 'text', text: 'O que diz o texto sobre construtores?', constructor: 'x' }] }],
      });
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toEqual(expect.any(String));
  });

  it('bounds a request\'s metadata: 413 INGESTION.METADATA_TOO_LARGE naming ingestion.maxMetadataBytes, nothing stored', async () => {
    const metadata = { a: 'x'.repeat(5000) };
    const json = expectProblem(await t.http.post('/v1/documents').send({ title: 'Grande', text: 'Metadados grandes demais.', metadata }), 413, 'INGESTION.METADATA_TOO_LARGE');
    expect(json).toMatchObject({ limit: 'ingestion.maxMetadataBytes', max: 4096, found: JSON.stringify(metadata).length });
    expect(json.detail).toContain('ingestion.maxMetadataBytes');
    const upload = await t.http.post('/v1/documents').field('metadata', JSON.stringify(metadata)).attach('files', Buffer.from('Metadados grandes demais.'), 'grande.txt');
    expectProblem(upload, 413, 'INGESTION.METADATA_TOO_LARGE');
    expectProblem(await t.http.post('/v1/documents/url').send({ url: 'http://example.com/', metadata }), 413, 'INGESTION.METADATA_TOO_LARGE');
    expect((await t.http.get('/v1/documents').query({ limit: 200 }).expect(200)).body.items.map((d: { title: string }) => d.title)).not.toContain('Grande');
    await t.http.post('/v1/documents').send({ title: 'Pequeno', text: 'Metadados no limite.', metadata: { a: 'x'.repeat(4000) } }).expect(201);
  });

});

describe('API key collections, the default collection and model-info (auth.mode required)', () => {
  let t: TestApp;
  const as = (key: string) => ({ 'x-api-key': key });
  const userKey = async (user_id: string, collections?: string[]) =>
    (await t.http.post('/v1/admin/keys').set(as(ADMIN)).send({ role: 'user', user_id, ...(collections ? { collections } : {}) }).expect(201)).body;

  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: ADMIN }, auth: { mode: 'required' } });
  });
  afterAll(async () => t?.close());

  it('only an admin sets up the default collection: a user\'s PUT or first ingest there is 403 and claims nothing', async () => {
    const bia = (await userKey('bia')).key;
    const ana = (await userKey('ana')).key;
    const put = expectProblem(await t.http.put('/v1/collections/default').set(as(bia)).send({ visibility: 'private' }), 403, 'AUTH.FORBIDDEN');
    expect(put.detail).toContain('default');
    expectProblem(await t.http.post('/v1/documents').set(as(bia)).send({ title: 'Meu', text: 'Tomando a coleção padrão.' }), 403, 'AUTH.FORBIDDEN');
    // the admin's documents and access list stay the admin's: ana reads them once default is public
    await t.http.post('/v1/documents').set(as(ADMIN)).send({ title: 'Férias', text: 'O colaborador pode vender até 10 dias de férias.' }).expect(201);
    const access = (await t.http.put('/v1/collections/default').set(as(ADMIN)).send({ visibility: 'public' }).expect(200)).body;
    expect(access).toMatchObject({ collection: 'default', owner: null, visibility: 'public' });
    expect((await t.http.post('/v1/search').set(as(ana)).send({ query: 'férias' }).expect(200)).body.hits.length).toBeGreaterThan(0);
    expectProblem(await t.http.put('/v1/collections/default').set(as(bia)).send({ visibility: 'private' }), 403, 'AUTH.FORBIDDEN');
    // a new collection is still claimed by its first user writer
    await t.http.post('/v1/documents').set(as(bia)).send({ collection: 'bia-docs', title: 'Segredo', text: 'Orçamento secreto da Bia.' }).expect(201);
  });

  it('a key made with collections [] is bound to no collection (stored as [], reads nothing), like a JWT with []', async () => {
    const none = await userKey('bia', []);
    expect(none.collections).toEqual([]);
    const listed = (await t.http.get('/v1/admin/keys').set(as(ADMIN)).expect(200)).body.data.find((k: { id: string }) => k.id === none.id);
    expect(listed.collections).toEqual([]);
    expectProblem(await t.http.post('/v1/search').set(as(none.key)).send({ query: 'orçamento', collection: 'bia-docs' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.post('/v1/search').set(as(none.key)).send({ query: 'férias' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    // an unbound key of the same user reads both
    const all = (await userKey('bia')).key;
    await t.http.post('/v1/search').set(as(all)).send({ query: 'orçamento', collection: 'bia-docs' }).expect(200);
  });

  it('GET /v1/model-info names only the collections the caller reads (an admin: all)', async () => {
    const names = async (key: string) => (await t.http.get('/v1/model-info').set(as(key)).expect(200)).body.collections.map((c: { name: string }) => c.name).sort();
    expect(await names(ADMIN)).toEqual(['bia-docs', 'default']);
    expect(await names((await userKey('ana')).key)).toEqual(['default']);
    expect(await names((await userKey('bia')).key)).toEqual(['bia-docs', 'default']);
    expect(await names((await userKey('bia', ['bia-docs'])).key)).toEqual(['bia-docs']);
  });
});
