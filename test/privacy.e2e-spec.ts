import { keyFingerprint } from '../src/shared/audit';
import { expectProblem, startTestApp, TestApp } from './support/app';
import { FakeOpenAiServer } from './support/fake-openai.server';

/**
 * Issue 11, personal data: with privacy.maskExternal the fake OpenAI server (LLM and embedder) never
 * receives a CPF, an e-mail or a phone number, the user's answers have them back, and no log line carries
 * them (privacy.maskLogs, on by default). Then the audit log: one row per admin action. One app for both
 * (a boot is most of a suite's time); the audit part runs last, as it swaps the models.
 */
const KEY = 'adm-audit-7f3c9e1b2a';
const ADMIN = { 'x-api-key': KEY };
const CPF = '529.982.247-25';
const EMAIL = 'maria.silva@cliente.com.br';
const PHONE = '(11) 98765-4321';
const IDENTIFIERS = [CPF, '52998224725', EMAIL, PHONE, '98765-4321'];

const DOC = {
  title: 'Cadastro de clientes',
  collection: 'clientes',
  text: `Cadastro de clientes da loja. A cliente Maria Silva, CPF ${CPF}, e-mail ${EMAIL}, telefone ${PHONE}, tem contrato ativo desde 2021 e atendimento prioritário.`,
};

let t: TestApp;
let fake: FakeOpenAiServer;
const lines: string[] = [];

beforeAll(async () => {
  fake = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'], models: { 'text-embedding-3-small': 64 } });
  const baseUrl = await fake.start();
  t = await startTestApp(
    {
      admin: { apiKey: KEY },
      logging: { level: 'debug' },
      privacy: { maskExternal: true },
      generation: {
        llm: {
          provider: 'openai',
          maxRetries: 0,
          openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' },
        },
      },
      retrieval: {
        embedder: {
          provider: 'openai',
          openai: {
            baseUrl,
            apiKey: 'sk-test',
            model: 'text-embedding-3-small',
            dimension: 64,
            maxRetries: 0,
          },
        },
      },
      conversation: { logPromptChars: 500 },
    },
    { onLog: (line) => lines.push(line) },
  );
  await t.http.post('/v1/documents').send(DOC).expect(201);
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe('personal data towards an external provider (privacy.maskExternal) and in the logs', () => {
  const sentToProvider = () => JSON.stringify(fake.http.requests.map((r) => r.body));

  it('ingest: the embedder received placeholders, the stored text keeps the originals', async () => {
    const embedded = JSON.stringify(
      fake.http.requests.filter((r) => r.path === '/v1/embeddings').map((r) => r.body),
    );
    expect(embedded).toContain('[CPF_1]');
    expect(embedded).toContain('[EMAIL_1]');
    for (const id of IDENTIFIERS) expect(embedded).not.toContain(id);
    const rows = await t.dataSource.query(`SELECT text FROM chunks`);
    expect(rows.map((r: { text: string }) => r.text).join(' ')).toContain(CPF);
  });

  it('/v1/ask: no identifier reaches the model; the answer has them back', async () => {
    fake.http.requests.length = 0;
    fake.reply('O e-mail da titular do CPF [CPF_1] é [EMAIL_1] e o telefone é [PHONE_1] [1].');
    const r = await t.http
      .post('/v1/ask')
      .send({ question: `Qual é o e-mail da cliente de CPF ${CPF}?`, collection: 'clientes' })
      .expect(200);
    expect(r.body.answer).toBe(`O e-mail da titular do CPF ${CPF} é ${EMAIL} e o telefone é ${PHONE} [1].`);
    const sent = sentToProvider();
    expect(sent).toMatch(/\[CPF_1\][\s\S]*\[EMAIL_1\]/);
    for (const id of IDENTIFIERS) expect(sent).not.toContain(id);
  });

  it('/v1/chat with a tool call: the model sees placeholders, the tool runs on the real values, the reply is restored', async () => {
    fake.http.requests.length = 0;
    fake.reply(
      {
        content: '',
        toolCalls: [{ name: 'knowledge_base_search', arguments: { query: 'cliente [CPF_1] contrato' } }],
      },
      'A cliente de CPF [CPF_1] ([EMAIL_1]) tem contrato ativo desde 2021 [1].',
    );
    const r = await t.http
      .post('/v1/chat')
      .send({
        user_id: 'ana',
        collection: 'clientes',
        message: `Meu CPF é ${CPF} e meu e-mail ${EMAIL}: meu contrato está ativo?`,
      })
      .expect(200);
    expect(r.body.response).toBe(`A cliente de CPF ${CPF} (${EMAIL}) tem contrato ativo desde 2021 [1].`);
    expect(r.body.tool_calls[0]).toMatchObject({ name: 'knowledge_base_search', ok: true });
    const sent = sentToProvider();
    expect(sent).toContain('[CPF_1]');
    for (const id of IDENTIFIERS) expect(sent).not.toContain(id);
  });

  it('/v1/chat streamed: the deltas are restored before the user sees them', async () => {
    fake.http.requests.length = 0;
    fake.reply('Seu e-mail cadastrado é [EMAIL_1].');
    const r = await t.http
      .post('/v1/chat')
      .send({
        user_id: 'ana',
        collection: 'clientes',
        stream: true,
        message: `Qual e-mail está no cadastro do CPF ${CPF}? O meu é ${EMAIL}.`,
      })
      .buffer(true)
      .parse((res, cb) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => cb(null, body));
      })
      .expect(200);
    const tokens = String(r.body)
      .split('\n\n')
      .filter((e) => e.startsWith('event: token'))
      .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)).text as string)
      .join('');
    expect(tokens).toBe(`Seu e-mail cadastrado é ${EMAIL}.`);
    for (const id of IDENTIFIERS) expect(sentToProvider()).not.toContain(id);
  });

  it('no log line of the whole suite carries an identifier (prompts, queries, access lines)', async () => {
    await t.http.get('/v1/search').query({ q: `contrato ${EMAIL}`, collection: 'clientes' });
    await t.http.delete(`/v1/users/${encodeURIComponent(EMAIL)}/memory`);
    const all = lines.join('');
    expect(all).toContain('chat turn');
    expect(all).toMatch(/\[CPF\]|\[EMAIL\]/);
    for (const id of IDENTIFIERS) expect(all).not.toContain(id);
    expect(all).not.toContain(encodeURIComponent(EMAIL));
  });
});

describe('audit log of admin actions', () => {
  const requestIds: Record<string, string> = {};
  const reindexDone = async () => {
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      const jobs = (await t.http.get('/v1/admin/reindex').set(ADMIN).expect(200)).body.items as Array<{
        status: string;
      }>;
      if (jobs.every((j) => j.status === 'completed' || j.status === 'failed')) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('re-index jobs did not finish in 30 s');
  };

  beforeAll(async () => {
    await t.dataSource.query('DELETE FROM audit_log'); // the rows the privacy tests left (a user's forget)
  });

  it('writes a row per admin action, failed ones with their code; a refused key writes nothing', async () => {
    const swap = await t.http
      .put('/v1/admin/models/llm')
      .set(ADMIN)
      .send({ provider: 'extractive', options: { apiKey: 'sk-never-logged' } })
      .expect(200);
    requestIds.swap = swap.headers['x-request-id'];
    await t.http.put('/v1/admin/models/llm').set(ADMIN).send({ provider: 'nope' }).expect(400);
    await t.http
      .put('/v1/admin/models/llm')
      .set({ 'x-api-key': 'wrong' })
      .send({ provider: 'extractive' })
      .expect(401);
    await t.http
      .put('/v1/admin/models/embedder')
      .set(ADMIN)
      .send({ provider: 'hashing', options: { dimension: 256 } })
      .expect(202);
    await reindexDone(); // a reload that changes the embedder while a re-index runs is a 409
    await t.http.post('/v1/admin/config/reload').set(ADMIN).expect(200);
    await t.http.post('/v1/admin/sales/seed').set(ADMIN).send({ months: 1, seed: 7 }).expect(200);
    const doc = await t.http
      .post('/v1/documents')
      .send({ title: 'Férias', text: 'Política de férias: 30 dias por ano.' })
      .expect(201);
    await t.http
      .delete(`/v1/documents/${doc.body.id}`)
      .set({ 'x-request-id': 'req-audit-doc-1' })
      .expect(204);
    const chat = await t.http
      .post('/v1/chat')
      .send({ user_id: 'ana', message: 'Quantos dias de férias?' })
      .expect(200);
    await t.http
      .delete(`/v1/conversations/${chat.body.conversation_id}`)
      .query({ user_id: 'ana' })
      .expect(204);
    await t.http.delete('/v1/users/bia/memory').expect(200);

    const res = await t.http.get('/v1/admin/audit').set(ADMIN).expect(200);
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${KEY}|sk-never-logged`));
    const rows = res.body.items as Array<Record<string, unknown>>;
    expect(res.body).toMatchObject({ total: 8, limit: 50, offset: 0 });
    expect(rows.map((r) => [r.action, r.target, r.outcome, r.actor])).toEqual([
      ['user.memory.forget', 'bia', 'ok', 'user:bia'],
      ['conversation.delete', chat.body.conversation_id, 'ok', 'user:ana'],
      ['document.delete', doc.body.id, 'ok', 'anonymous'],
      ['sales.seed', 'sales', 'ok', `key:${keyFingerprint(KEY)}`],
      ['config.reload', 'config', 'ok', `key:${keyFingerprint(KEY)}`],
      ['model.embedder.swap', 'embedder', 'ok', `key:${keyFingerprint(KEY)}`],
      ['model.llm.swap', 'llm', 'failed', `key:${keyFingerprint(KEY)}`],
      ['model.llm.swap', 'llm', 'ok', `key:${keyFingerprint(KEY)}`],
    ]);
    expect(rows[2]).toMatchObject({
      request_id: 'req-audit-doc-1',
      ip: expect.stringMatching(/127\.0\.0\.1$/),
    });
    expect(rows[6]).toMatchObject({ error_code: 'REQUEST.VALIDATION', details: { provider: 'nope' } });
    expect(rows[7]).toMatchObject({
      request_id: requestIds.swap,
      details: { provider: 'extractive', options: {} },
    });
    expect(rows[3].details).toEqual({ months: 1, seed: 7 });
    expect(Date.parse(rows[0].at as string)).toBeGreaterThanOrEqual(Date.parse(rows[7].at as string));
  });

  it('filters by action and pages', async () => {
    const swaps = await t.http
      .get('/v1/admin/audit')
      .query({ action: 'model.llm.swap' })
      .set(ADMIN)
      .expect(200);
    expect(swaps.body.items.map((r: { outcome: string }) => r.outcome)).toEqual(['failed', 'ok']);
    const page = await t.http.get('/v1/admin/audit').query({ limit: 2, offset: 6 }).set(ADMIN).expect(200);
    expect(page.body).toMatchObject({ total: 8, limit: 2, offset: 6 });
    expect(page.body.items.map((r: { action: string }) => r.action)).toEqual([
      'model.llm.swap',
      'model.llm.swap',
    ]);
  });

  it('needs the admin key and answers bad paging with a 400 problem', async () => {
    expectProblem(await t.http.get('/v1/admin/audit'), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(
      await t.http.get('/v1/admin/audit').query({ limit: 0, action: 'DROP TABLE' }).set(ADMIN),
      400,
      'REQUEST.VALIDATION',
    );
  });
});
