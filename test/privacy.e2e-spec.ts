import { startTestApp, TestApp } from './support/app';
import { FakeOpenAiServer } from './support/fake-openai.server';

/**
 * Issue 11, personal data: with privacy.maskExternal the fake OpenAI server (LLM and embedder) never
 * receives a CPF, an e-mail or a phone number, the user's answers have them back, and no log line carries
 * them (privacy.maskLogs, on by default).
 */
const CPF = '529.982.247-25';
const EMAIL = 'maria.silva@cliente.com.br';
const PHONE = '(11) 98765-4321';
const IDENTIFIERS = [CPF, '52998224725', EMAIL, PHONE, '98765-4321'];

const DOC = {
  title: 'Cadastro de clientes',
  collection: 'clientes',
  text: `Cadastro de clientes da loja. A cliente Maria Silva, CPF ${CPF}, e-mail ${EMAIL}, telefone ${PHONE}, tem contrato ativo desde 2021 e atendimento prioritário.`,
};

describe('personal data towards an external provider (privacy.maskExternal) and in the logs', () => {
  let t: TestApp;
  let fake: FakeOpenAiServer;
  const lines: string[] = [];
  const sentToProvider = () => JSON.stringify(fake.http.requests.map((r) => r.body));

  beforeAll(async () => {
    fake = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'], models: { 'text-embedding-3-small': 64 } });
    const baseUrl = await fake.start();
    t = await startTestApp(
      {
        logging: { level: 'debug' },
        privacy: { maskExternal: true },
        generation: { llm: { provider: 'openai', maxRetries: 0, openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } } },
        retrieval: { embedder: { provider: 'openai', openai: { baseUrl, apiKey: 'sk-test', model: 'text-embedding-3-small', dimension: 64, maxRetries: 0 } } },
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

  it('ingest: the embedder received placeholders, the stored text keeps the originals', async () => {
    const embedded = JSON.stringify(fake.http.requests.filter((r) => r.path === '/v1/embeddings').map((r) => r.body));
    expect(embedded).toContain('[CPF_1]');
    expect(embedded).toContain('[EMAIL_1]');
    for (const id of IDENTIFIERS) expect(embedded).not.toContain(id);
    const rows = await t.dataSource.query(`SELECT text FROM chunks`);
    expect(rows.map((r: { text: string }) => r.text).join(' ')).toContain(CPF);
  });

  it('/v1/ask: no identifier reaches the model; the answer has them back', async () => {
    fake.http.requests.length = 0;
    fake.reply('O e-mail da titular do CPF [CPF_1] é [EMAIL_1] e o telefone é [PHONE_1] [1].');
    const r = await t.http.post('/v1/ask').send({ question: `Qual é o e-mail da cliente de CPF ${CPF}?`, collection: 'clientes' }).expect(200);
    expect(r.body.answer).toBe(`O e-mail da titular do CPF ${CPF} é ${EMAIL} e o telefone é ${PHONE} [1].`);
    const sent = sentToProvider();
    expect(sent).toMatch(/\[CPF_1\][\s\S]*\[EMAIL_1\]/);
    for (const id of IDENTIFIERS) expect(sent).not.toContain(id);
  });

  it('/v1/chat with a tool call: the model sees placeholders, the tool runs on the real values, the reply is restored', async () => {
    fake.http.requests.length = 0;
    fake.reply(
      { content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: { query: 'cliente [CPF_1] contrato' } }] },
      'A cliente de CPF [CPF_1] ([EMAIL_1]) tem contrato ativo desde 2021 [1].',
    );
    const r = await t.http
      .post('/v1/chat')
      .send({ user_id: 'ana', collection: 'clientes', message: `Meu CPF é ${CPF} e meu e-mail ${EMAIL}: meu contrato está ativo?` })
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
      .send({ user_id: 'ana', collection: 'clientes', stream: true, message: `Qual e-mail está no cadastro do CPF ${CPF}? O meu é ${EMAIL}.` })
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
