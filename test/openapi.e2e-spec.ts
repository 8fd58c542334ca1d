import Ajv, { type ValidateFunction } from 'ajv';
import JSZip from 'jszip';
import type supertest from 'supertest';
import { startTestApp, TestApp } from './support/app';
import {
  MediaType,
  OpenApiDoc,
  Operation,
  operations,
  requestExample,
  resolve,
  Schema,
} from './support/openapi';

/**
 * The OpenAPI document as a new user meets it: the app's own /docs-json drives these tests. Its examples
 * are validated against their schemas, its request examples are sent in the order a user tries them
 * (documents, search, ask) to a fresh app, and its error examples are replayed against the running app.
 */

const ADMIN_KEY = 'chave-admin-do-teste';
const TAG_ORDER = ['documents', 'jobs', 'search', 'ask', 'conversations', 'models', 'admin', 'metrics', 'health'];

/** OpenAPI 3.0 schemas as JSON Schema for Ajv: `nullable` becomes a null type, `#/components` refs point into the document. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out.$ref = `openapi${v}`;
    else if (k !== 'nullable') out[k] = toJsonSchema(v);
  }
  if ((node as Schema).nullable !== true) return out;
  if (typeof out.type === 'string') {
    const typed = { ...out, type: [out.type, 'null'] };
    return Array.isArray(out.enum) ? { ...typed, enum: [...out.enum, null] } : typed;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function makeAjv(doc: OpenApiDoc): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  ajv.addFormat('uuid', uuid);
  ajv.addFormat(
    'date-time',
    (s: string) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
  );
  for (const f of ['binary', 'byte', 'password', 'int32', 'int64', 'float', 'double', 'uri', 'email'])
    ajv.addFormat(f, true);
  ajv.addSchema({ $id: 'openapi', components: toJsonSchema(doc.components) });
  return ajv;
}

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  let ajv: Ajv;
  const validators = new Map<string, ValidateFunction>();
  const check = (schema: Schema | undefined, value: unknown): string | undefined => {
    const key = JSON.stringify(schema ?? {});
    let validate = validators.get(key);
    if (!validate) validators.set(key, (validate = ajv.compile(toJsonSchema(schema ?? {}) as object)));
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
  const op = (method: string, path: string): Operation => {
    const found = doc.paths[path]?.[method];
    if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
    return found;
  };
  /** A real response must match the schema documented for its status and media type. */
  const expectDocumented = (res: supertest.Response, method: string, path: string, status: number) => {
    expect({ [`${method.toUpperCase()} ${path}`]: res.status }).toEqual({
      [`${method.toUpperCase()} ${path}`]: status,
    });
    const media = op(method, path).responses[String(status)]?.content?.['application/json'];
    expect(media).toBeDefined();
    expect(check(media!.schema, res.body)).toBeUndefined();
  };

  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: ADMIN_KEY } });
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
    ajv = makeAjv(doc);
  });
  afterAll(async () => t?.close());

  it('serves Swagger UI at /docs with the document inlined', async () => {
    const page = await t.http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<div id="swagger-ui"></div>');
    expect(page.text).toContain('<title>acervo API</title>');
    const init = await t.http.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('"/v1/documents"');
    for (const asset of [
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-ui-standalone-preset.js',
      '/docs/swagger-ui.css',
    ]) {
      const res = await t.http.get(asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(res.text.length).toBeGreaterThan(10_000);
    }
  });

  it('POST /v1/documents: JSON under application/json, a form with a binary file field under multipart/form-data', async () => {
    const content = op('post', '/v1/documents').requestBody!.content;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateDocumentDto' });
    const form = resolve(doc, content['multipart/form-data'].schema)!;
    expect(JSON.stringify(form)).not.toMatch(/oneOf|anyOf|CreateDocumentDto/);
    expect(form).toMatchObject({ type: 'object', required: ['files'] });
    expect(form.properties!.files).toMatchObject({
      type: 'array',
      items: { type: 'string', format: 'binary' },
    });
    // The other form fields are exactly those the app accepts (it names them when it refuses one).
    const res = await t.http
      .post('/v1/documents')
      .field('campo_desconhecido', 'x')
      .attach('files', Buffer.from('texto'), 'a.txt');
    expect(res.status).toBe(400);
    const allowed = /allowed: ([^)]+)\)/.exec(res.body.detail)?.[1].split(', ');
    expect(Object.keys(form.properties!).sort()).toEqual([...(allowed ?? [])].sort());
  });

  it('lists only tags that have routes, in the order documents, jobs, search, ask, conversations, models, admin, metrics, health, with one admin tag', () => {
    const ops = operations(doc);
    const used = new Set(ops.flatMap((o) => o.op.tags ?? []));
    expect([...used].filter((tag) => !TAG_ORDER.includes(tag))).toEqual([]);
    expect((doc.tags ?? []).map((tag) => tag.name)).toEqual(TAG_ORDER.filter((tag) => used.has(tag)));
    expect(used).toEqual(
      new Set([
        'documents',
        'jobs',
        'search',
        'ask',
        'models',
        'admin',
        'metrics',
        'health',
        ...(used.has('conversations') ? ['conversations'] : []),
      ]),
    );
    for (const { path, method, op: o } of ops) {
      const expected = path.startsWith('/v1/admin/') ? ['admin'] : o.tags?.filter((tag) => tag !== 'admin');
      expect({ route: `${method.toUpperCase()} ${path}`, tags: o.tags }).toEqual({
        route: `${method.toUpperCase()} ${path}`,
        tags: expected,
      });
      expect(o.tags).toHaveLength(1);
    }
  });

  it('every example in the document is valid against its schema', () => {
    const failures: string[] = [];
    let checked = 0;
    const validate = (where: string, schema: Schema | undefined, value: unknown) => {
      checked++;
      const err = check(schema, value);
      if (err) failures.push(`${where}: ${err}`);
    };
    // Examples inside schemas (properties of the components and of inline schemas).
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
      const s = node as Schema & Record<string, unknown>;
      if (
        s.example !== undefined &&
        (s.type !== undefined || s.$ref || s.properties || s.oneOf || s.allOf || s.anyOf)
      ) {
        const { example, ...schema } = s;
        validate(where, schema, example);
      }
      for (const [k, v] of Object.entries(s))
        if (k !== 'example' && k !== 'examples') walk(v, `${where}.${k}`);
    };
    for (const [name, schema] of Object.entries(doc.components.schemas))
      walk(schema, `#/components/schemas/${name}`);
    const media = (where: string, m: MediaType) => {
      if (m.schema) walk(m.schema, `${where}.schema`);
      if (m.example !== undefined) validate(`${where}.example`, m.schema, m.example);
      for (const [name, e] of Object.entries(m.examples ?? {}))
        validate(`${where}.examples.${name}`, m.schema, e.value);
    };
    for (const { path, method, op: o } of operations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const p of o.parameters ?? []) {
        if (p.schema) walk(p.schema, `${where} parameter ${p.name}`);
        if (p.example !== undefined) validate(`${where} parameter ${p.name}`, p.schema, p.example);
        for (const [name, e] of Object.entries(p.examples ?? {}))
          validate(`${where} parameter ${p.name} ${name}`, p.schema, e.value);
      }
      for (const [type, m] of Object.entries(o.requestBody?.content ?? {}))
        media(`${where} request ${type}`, m);
      for (const [status, r] of Object.entries(o.responses)) {
        for (const [type, m] of Object.entries(r.content ?? {})) media(`${where} ${status} ${type}`, m);
      }
      // What "Try it out" sends for a JSON body: valid, and never a placeholder.
      if (o.requestBody?.content['application/json']) {
        const missing: string[] = [];
        const body = requestExample(doc, o, where, missing);
        if (missing.length) failures.push(`${where} request example: no example for ${missing.join(', ')}`);
        else validate(`${where} request example`, o.requestBody.content['application/json'].schema, body);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });

  it('every error response has its own problem+json examples: its status, a stable code and a request id', () => {
    const failures: string[] = [];
    const type = (code: string) => `https://acervo.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`;
    for (const { path, method, op: o } of operations(doc)) {
      const seen = new Map<string, string>();
      for (const [status, r] of Object.entries(o.responses).filter(([s]) => Number(s) >= 400)) {
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const problem = r.content?.['application/problem+json'];
        if (!problem) continue; // health answers its own JSON
        const examples = Object.values(problem.examples ?? {});
        if (examples.length === 0) failures.push(`${where}: no example`);
        for (const { summary, value } of examples) {
          const v = value as Record<string, unknown>;
          if (!summary) failures.push(`${where}: an example without a summary`);
          if (v.status !== Number(status))
            failures.push(`${where}: example "${summary}" has status ${String(v.status)}`);
          if (typeof v.code !== 'string' || !/^[A-Z]+\.[A-Z_]+$/.test(v.code) || v.type !== type(v.code))
            failures.push(`${where}: bad code/type in "${summary}"`);
          if (
            typeof v.requestId !== 'string' ||
            typeof v.instance !== 'string' ||
            !v.instance.startsWith('/v1/')
          )
            failures.push(`${where}: "${summary}" lacks requestId/instance`);
          const body = JSON.stringify(v);
          if (seen.has(body))
            failures.push(`${where}: "${summary}" repeats the example of ${seen.get(body)}`);
          seen.set(body, status);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('the request examples work in order on a fresh app: search and ask on the empty base, then documents → search → ask', async () => {
    const searchExample = requestExample(doc, op('post', '/v1/search'), 'search');
    const askExample = requestExample(doc, op('post', '/v1/ask'), 'ask');
    const documentExample = requestExample(doc, op('post', '/v1/documents'), 'documents');
    expect(String(documentExample.source_id)).toMatch(/^swagger-/);

    // An empty knowledge base: no error, nothing found, the refusal.
    const emptySearch = await t.http.post('/v1/search').send(searchExample);
    expectDocumented(emptySearch, 'post', '/v1/search', 200);
    expect(emptySearch.body.hits).toEqual([]);
    const emptyAsk = await t.http.post('/v1/ask').send(askExample);
    expectDocumented(emptyAsk, 'post', '/v1/ask', 200);
    expect(emptyAsk.body).toMatchObject({ grounded: false, citations: [] });

    const created = await t.http.post('/v1/documents').send(documentExample);
    expectDocumented(created, 'post', '/v1/documents', 201);
    expect(created.body).toMatchObject({ deduplicated: false, chunks: 1 });

    const found = await t.http.post('/v1/search').send(searchExample);
    expectDocumented(found, 'post', '/v1/search', 200);
    expect(found.body.hits[0]).toMatchObject({ document_id: created.body.id, text: documentExample.text });

    const answered = await t.http.post('/v1/ask').send(askExample);
    expectDocumented(answered, 'post', '/v1/ask', 200);
    expect(answered.body).toMatchObject({ grounded: true, citations_verified: true });
    expect(answered.body.abstained).toBeUndefined();
    expect(answered.body.answer).not.toBe(t.config.generation.ask.refusal);
    expect(answered.body.answer).toContain('9h às 18h');
    expect(answered.body.citations[0]).toMatchObject({ n: 1, document_id: created.body.id });

    // The same example again is the documented 200 (deduplicated).
    const again = await t.http.post('/v1/documents').send(documentExample);
    expectDocumented(again, 'post', '/v1/documents', 200);
    expect(again.body).toMatchObject({ id: created.body.id, deduplicated: true });
  });

  it('the other examples work after the documents example: the upload form, the list, the admin swaps', async () => {
    const form = resolve(
      doc,
      op('post', '/v1/documents').requestBody!.content['multipart/form-data'].schema,
    )!;
    let upload = t.http
      .post('/v1/documents')
      .attach('files', Buffer.from('Os chamados urgentes são atendidos em até 4 horas.'), 'sla-suporte.txt');
    for (const [name, p] of Object.entries(form.properties!))
      if (p.example !== undefined) upload = upload.field(name, String(p.example));
    const uploaded = await upload;
    expectDocumented(uploaded, 'post', '/v1/documents', 201);
    expect(uploaded.body.documents).toEqual([expect.objectContaining({ deduplicated: false, chunks: 1 })]);

    const query = Object.fromEntries(
      (op('get', '/v1/documents').parameters ?? [])
        .map((p) => [p.name, p.example ?? p.schema?.example ?? p.schema?.default] as const)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    const listed = await t.http.get('/v1/documents').query(query);
    expectDocumented(listed, 'get', '/v1/documents', 200);
    expect(listed.body.items.map((d: { source_id: string }) => d.source_id)).toEqual(
      expect.arrayContaining(['swagger-exemplo-atendimento-suporte']),
    );

    const llm = await t.http
      .put('/v1/admin/models/llm')
      .set('x-api-key', ADMIN_KEY)
      .send(requestExample(doc, op('put', '/v1/admin/models/llm'), 'llm'));
    expect(llm.status).toBe(200);
    const embedder = await t.http
      .put('/v1/admin/models/embedder')
      .set('x-api-key', ADMIN_KEY)
      .send(requestExample(doc, op('put', '/v1/admin/models/embedder'), 'embedder'));
    expectDocumented(embedder, 'put', '/v1/admin/models/embedder', 202);
    for (const job of embedder.body.jobs as Array<{ id: string }>) {
      let status = 'queued';
      for (let i = 0; i < 100 && !['completed', 'failed'].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await t.http.get(`/v1/admin/reindex/${job.id}`).set('x-api-key', ADMIN_KEY)).body.status;
      }
      expect(status).toBe('completed');
    }
  });

  it('the error examples are what the app answers (replayed: bad input, unknown ids, no admin key)', async () => {
    type Send = (req: supertest.Test) => supertest.Test;
    const json =
      (body: unknown): Send =>
      (req) =>
        req.send(body as object);
    const raw =
      (type: string, text: string): Send =>
      (req) =>
        req.set('content-type', type).send(text);
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });
    const text = { title: 'Política de férias', text: 'Trinta dias de férias por ano.' };
    // ingestion.limits: a CSV one column too wide, and a .docx whose document.xml inflates to 51 MiB (156 KB zipped)
    const wide = Array.from({ length: 501 }, (_, i) => `c${i}`).join(',');
    const zip = new JSZip();
    zip.file(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    );
    zip.file('word/document.xml', Buffer.alloc(51 * 2 ** 20, '<w:p><w:r><w:t>a</w:t></w:r></w:p>'));
    const docxBomb = await zip.generateAsync({
      type: 'nodebuffer',
      compression: 'DEFLATE',
      compressionOptions: { level: 9 },
    });
    // Requests that provoke a documented example, keyed by route and code, and by summary where a route documents
    // one code twice (bodies as in the examples' summaries).
    const replays: Array<[string, string, string, Send, string?]> = [
      ['post', '/v1/documents', 'REQUEST.JSON_TOO_DEEP', json({ ...text, metadata: nested(40) })],
      ['post', '/v1/documents', 'REQUEST.INVALID_TEXT', json({ ...text, metadata: { equipe: 'rh\ud800' } })],
      ['post', '/v1/documents', 'REQUEST.JSON_TOO_MANY_KEYS', json({ ...text, metadata: keys(1500) })],
      [
        'post',
        '/v1/documents/url',
        'REQUEST.JSON_TOO_DEEP',
        json({ url: 'https://exemplo.com.br/ferias', metadata: nested(40) }),
      ],
      [
        'post',
        '/v1/documents/url',
        'REQUEST.INVALID_TEXT',
        json({ url: 'https://exemplo.com.br/ferias', title: 'F\udfffrias' }),
      ],
      [
        'post',
        '/v1/documents/url',
        'REQUEST.JSON_TOO_MANY_KEYS',
        json({ url: 'https://exemplo.com.br/ferias', metadata: keys(1500) }),
      ],
      ['post', '/v1/search', 'REQUEST.JSON_TOO_DEEP', json({ query: 'férias', filters: nested(40) })],
      ['post', '/v1/search', 'REQUEST.INVALID_TEXT', json({ query: 'férias \ud800' })],
      ['post', '/v1/search', 'REQUEST.JSON_TOO_MANY_KEYS', json({ query: 'férias', filters: keys(1500) })],
      [
        'post',
        '/v1/search',
        'REQUEST.VALIDATION',
        json({ query: 'férias', filters: keys(33) }),
        'filters naming more keys than retrieval.filters.maxKeys (32)',
      ],
      [
        'put',
        '/v1/admin/models/embedder',
        'REQUEST.JSON_TOO_DEEP',
        json({ provider: 'hashing', options: nested(40) }),
      ],
      [
        'put',
        '/v1/admin/models/embedder',
        'REQUEST.INVALID_TEXT',
        json({ provider: 'hashing', collections: ['ferias\ud800'] }),
      ],
      [
        'put',
        '/v1/admin/models/embedder',
        'REQUEST.JSON_TOO_MANY_KEYS',
        json({ provider: 'hashing', options: keys(1500) }),
      ],
      ['post', '/v1/documents', 'REQUEST.VALIDATION', json({ title: 'Sem texto' })],
      ['post', '/v1/documents', 'REQUEST.MALFORMED_JSON', raw('application/json', '{"title": "x",')],
      ['post', '/v1/documents', 'INGESTION.INVALID_REQUEST', (req) => req.field('collection', 'default')],
      ['post', '/v1/documents', 'REQUEST.UNSUPPORTED_MEDIA_TYPE', raw('text/plain', 'texto solto')],
      [
        'post',
        '/v1/documents',
        'INGESTION.UNSUPPORTED_TYPE',
        (req) => req.attach('files', Buffer.from('MZ\x90\x00'), 'instalador.exe'),
      ],
      [
        'post',
        '/v1/documents',
        'INGESTION.EMPTY_DOCUMENT',
        (req) => req.attach('files', Buffer.from('   \n'), 'vazio.txt'),
      ],
      [
        'post',
        '/v1/documents',
        'INGESTION.UNREADABLE_DOCUMENT',
        (req) => req.attach('files', Buffer.from('%PDF-1.4 quebrado'), 'manual.pdf'),
      ],
      ['post', '/v1/documents/url', 'REQUEST.VALIDATION', json({ url: 'ftp://exemplo.com/a' })],
      [
        'post',
        '/v1/documents/url',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        raw('application/x-www-form-urlencoded', 'url=https://exemplo.com'),
      ],
      ['post', '/v1/search', 'RETRIEVAL.INVALID_QUERY', json({ query: 'horário', top_k: 500 })],
      ['post', '/v1/search', 'REQUEST.VALIDATION', json({ query: '', mode: 'semantic' })],
      [
        'post',
        '/v1/search',
        'RETRIEVAL.COLLECTION_NOT_FOUND',
        json({ query: 'horário', collection: 'manuais' }),
      ],
      [
        'post',
        '/v1/search',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        raw('application/x-www-form-urlencoded', 'query=horário'),
      ],
      ['post', '/v1/ask', 'REQUEST.VALIDATION', json({ question: 'horário', top_k: 80 })],
      [
        'post',
        '/v1/ask',
        'REQUEST.JSON_TOO_DEEP',
        json({ question: 'Qual é o horário do suporte?', filters: nested(40) }),
      ],
      ['post', '/v1/ask', 'REQUEST.INVALID_TEXT', json({ question: 'Qual é o horário do suporte? \ud800' })],
      [
        'post',
        '/v1/ask',
        'REQUEST.JSON_TOO_MANY_KEYS',
        json({ question: 'Qual é o horário do suporte?', filters: keys(1500) }),
      ],
      [
        'post',
        '/v1/ask',
        'REQUEST.VALIDATION',
        json({ question: 'Qual é o horário do suporte?', filters: keys(33) }),
        'filters naming more keys than retrieval.filters.maxKeys (32)',
      ],
      [
        'post',
        '/v1/documents',
        'INGESTION.TOO_MANY_COLUMNS',
        (req) => req.attach('files', Buffer.from(`${wide}\n${wide}\n`), 'planilha-larga.csv'),
      ],
      [
        'post',
        '/v1/documents',
        'INGESTION.TOO_MANY_RECORDS',
        (req) =>
          req.attach(
            'files',
            Buffer.from(
              `nome,texto\n${Array.from({ length: 10_001 }, (_, i) => `n${i},linha ${i}`).join('\n')}\n`,
            ),
            'cadastro.csv',
          ),
      ],
      [
        'post',
        '/v1/documents',
        'INGESTION.DECOMPRESSED_TOO_LARGE',
        (req) => req.attach('files', docxBomb, 'relatorio.docx'),
      ],
      [
        'post',
        '/v1/ask',
        'RETRIEVAL.COLLECTION_NOT_FOUND',
        json({ question: 'horário', collection: 'manuais' }),
      ],
      [
        'post',
        '/v1/ask',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        raw('application/x-www-form-urlencoded', 'question=Qual é o horário do suporte?'),
      ],
      ['put', '/v1/admin/models/embedder', 'REQUEST.VALIDATION', json({ provider: 'word2vec' })],
      [
        'put',
        '/v1/admin/models/embedder',
        'RETRIEVAL.INVALID_EMBEDDER',
        json({ provider: 'hashing', options: { dimension: -1 } }),
      ],
      [
        'post',
        '/v1/admin/keys',
        'AUTH.INVALID_KEY_REQUEST',
        json({ role: 'admin', user_id: 'x', collections: ['a'] }),
        'an admin key with collections: admins are never bound',
      ],
      [
        'put',
        '/v1/admin/models/embedder',
        'RETRIEVAL.COLLECTION_NOT_FOUND',
        json({ provider: 'hashing', options: { dimension: 256 }, collections: ['manuais'] }),
      ],
      [
        'put',
        '/v1/admin/models/embedder',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        raw('application/x-www-form-urlencoded', 'provider=hashing'),
      ],
      ['put', '/v1/admin/models/llm', 'REQUEST.VALIDATION', json({ provider: 'gpt' })],
      [
        'put',
        '/v1/admin/models/llm',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        raw('application/x-www-form-urlencoded', 'provider=groq'),
      ],
    ];
    const compared: string[] = [];
    const mismatches: unknown[] = [];
    const compare = (where: string, res: supertest.Response, value: Record<string, unknown>) => {
      compared.push(where);
      const { requestId: _a, ...expected } = value;
      const { requestId: _b, ...actual } = (res.body ?? {}) as Record<string, unknown>;
      if (JSON.stringify(sortKeys(actual)) !== JSON.stringify(sortKeys(expected)))
        mismatches.push({ where, expected, actual });
    };
    for (const { path, method, op: o } of operations(doc)) {
      for (const [status, r] of Object.entries(o.responses).filter(([s]) => Number(s) >= 400)) {
        for (const { summary, value } of Object.values(
          r.content?.['application/problem+json']?.examples ?? {},
        )) {
          const v = value as Record<string, unknown> & { instance: string; code: string };
          const where = `${method.toUpperCase()} ${path} ${status} "${summary}"`;
          const request = () =>
            (t.http as unknown as Record<string, (url: string) => supertest.Test>)[method](v.instance);
          if (status === '401') {
            compare(where, await request(), v);
          } else if ((method === 'get' || method === 'delete') && ['400', '404'].includes(status)) {
            compare(where, await request().set('x-api-key', ADMIN_KEY), v); // the request is all in the path
          } else {
            const mine = replays.filter(([m, p, code]) => m === method && p === path && code === v.code);
            const replay = mine.find((r) => r[4] === summary) ?? mine.find((r) => r[4] === undefined);
            if (replay) compare(where, await replay[3](request().set('x-api-key', ADMIN_KEY)), v);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared.length).toBeGreaterThanOrEqual(replays.length + 12);
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => [k, sortKeys(x)]),
  );
}
