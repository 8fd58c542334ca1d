import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { generateSales, SALES_REPOSITORY, SalesRepository } from '../src/modules/conversation';
import { parsePeriod } from '../src/modules/conversation/domain/periods';
import { formatBrl } from '../src/modules/conversation/domain/money';
import { startTestApp, TestApp } from './support/app';
import { FakeOpenAiServer } from './support/fake-openai.server';

/**
 * The chat's sales_data tool in auth.mode required (probe, session 15: any user who made a collection read the company's
 * sales through it): only admins and conversation.tools.sales_data.users are offered it and may run it, over
 * /v1/chat, the OpenAI-compatible route and the WebSocket, on the offline router and with a tool-calling model.
 */
const ADMIN = 'tool-access-admin-key';
const QUESTION = 'Qual foi o faturamento total de vendas no mês passado?';

async function start(overrides: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp({ admin: { apiKey: ADMIN }, auth: { mode: 'required' }, conversation: { tools: { sales_data: { users: ['ana'] } } }, ...overrides });
  await t.app.get<SalesRepository>(SALES_REPOSITORY).replaceAll(generateSales(new Date(), 18, 7));
  const key: Record<'ana' | 'bia', string> = { ana: '', bia: '' };
  for (const who of ['ana', 'bia'] as const) {
    key[who] = (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: who }).expect(201)).body.key;
    // any user may create a collection by a first ingest: that grants nothing of the sales data
    await t.http.post('/v1/documents').set('x-api-key', key[who]).send({ collection: `${who}-col`, title: 'Nota', text: 'Uma nota qualquer sobre o escritório.' }).expect(201);
  }
  return { t, key };
}

describe('sales_data in auth.mode required: offline router', () => {
  let t: TestApp;
  let key: Record<'ana' | 'bia', string>;
  let total = '';

  beforeAll(async () => {
    ({ t, key } = await start());
    const period = parsePeriod('mês passado', new Date())!;
    const [row] = await t.dataSource.query(`SELECT sum(amount)::float8 AS total FROM sales WHERE sold_at >= $1 AND sold_at < $2`, [period.from, period.to]);
    total = formatBrl(row.total);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a user without the grant gets the knowledge base, never the figures (HTTP, OpenAI route, WebSocket)', async () => {
    const r = await t.http.post('/v1/chat').set('x-api-key', key.bia).send({ collection: 'bia-col', message: QUESTION }).expect(200);
    expect(r.body.route).toEqual({ decided_by: 'rules', rule: 'sales_words_tool_forbidden' });
    expect(r.body.tool_calls.map((c: { name: string }) => c.name)).toEqual(['knowledge_base_search']);
    expect(r.body.response).not.toContain(total);
    expect(r.body.response).not.toMatch(/Faturamento em/);

    const completion = await t.http.post('/v1/chat/completions').set('x-api-key', key.bia).send({ model: 'acervo:bia-col', messages: [{ role: 'user', content: QUESTION }] }).expect(200);
    expect(completion.body.choices[0].message.content).not.toMatch(/Faturamento em/);

    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`, { headers: { 'x-api-key': key.bia } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const done = new Promise<Record<string, unknown>>((resolve) =>
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString()) as { event: string; data: Record<string, unknown> };
        if (e.event === 'done' || e.event === 'error') resolve(e.data);
      }),
    );
    ws.send(JSON.stringify({ event: 'chat', data: { collection: 'bia-col', message: QUESTION } }));
    const result = await done;
    ws.close();
    expect(result).toMatchObject({ route: { rule: 'sales_words_tool_forbidden' } });
    expect(result.response).not.toMatch(/Faturamento em/);
  });

  it('an admin and a user listed in conversation.tools.sales_data.users get them', async () => {
    for (const headers of [{ 'x-api-key': ADMIN }, { 'x-api-key': key.ana }]) {
      const r = await t.http.post('/v1/chat').set(headers).send({ user_id: 'ana', collection: 'ana-col', message: QUESTION }).expect(200);
      expect(r.body.route).toEqual({ decided_by: 'rules', rule: 'sales_words' });
      expect(r.body.tool_calls[0]).toMatchObject({ name: 'sales_data', ok: true });
      expect(r.body.response).toContain(total);
    }
  });
});

describe('sales_data in auth.mode required: a tool-calling model', () => {
  let t: TestApp;
  let key: Record<'ana' | 'bia', string>;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    fake = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'] });
    const baseUrl = await fake.start();
    ({ t, key } = await start({ generation: { llm: { provider: 'openai', maxRetries: 0, openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } } } }));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const offered = (from: number) => {
    const call = fake.http.requests.slice(from).find((q) => q.path.endsWith('/chat/completions'))!;
    return ((call.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((x) => x.function.name).sort();
  };

  it('is not offered to a user without the grant, and a call to it anyway is a tool error the model reads, not the data', async () => {
    const sent = fake.http.requests.length;
    fake.reply({ content: '', toolCalls: [{ name: 'sales_data', arguments: { period: 'mês passado' } }] }, 'Não tenho acesso aos dados de vendas.');
    const r = await t.http.post('/v1/chat').set('x-api-key', key.bia).send({ collection: 'bia-col', message: QUESTION }).expect(200);
    expect(offered(sent)).toEqual(['knowledge_base_search', 'market_data']);
    expect(r.body.tool_calls).toEqual([expect.objectContaining({ name: 'sales_data', ok: false, error: expect.stringMatching(/not available to this user/) })]);
    const last = fake.http.requests.at(-1)!.body as { messages: Array<{ role: string; content: string }> };
    const tool = last.messages.find((m) => m.role === 'tool')!.content;
    expect(tool).toMatch(/^ERRO: the tool "sales_data" is not available to this user/);
    expect(tool).not.toMatch(/revenue|Faturamento/);
  });

  it('is offered to an admin and to a listed user, and runs', async () => {
    for (const headers of [{ 'x-api-key': ADMIN }, { 'x-api-key': key.ana }]) {
      const sent = fake.http.requests.length;
      fake.reply({ content: '', toolCalls: [{ name: 'sales_data', arguments: { period: 'mês passado' } }] }, 'Faturamento do mês passado: veja acima.');
      const r = await t.http.post('/v1/chat').set(headers).send({ user_id: 'ana', collection: 'ana-col', message: QUESTION }).expect(200);
      expect(offered(sent)).toEqual(['knowledge_base_search', 'market_data', 'sales_data']);
      expect(r.body.tool_calls).toEqual([expect.objectContaining({ name: 'sales_data', ok: true })]);
      const last = fake.http.requests.at(-1)!.body as { messages: Array<{ role: string; content: string }> };
      expect(last.messages.find((m) => m.role === 'tool')!.content).toMatch(/"summary":"Faturamento em/);
    }
  });
});
