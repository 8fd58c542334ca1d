import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { generateSales, SALES_REPOSITORY, SalesRepository } from '../src/modules/conversation';
import { parsePeriod } from '../src/modules/conversation/domain/periods';
import { formatBrl } from '../src/modules/conversation/domain/money';
import type { QueryRunner } from 'typeorm';
import { UsageRecorder } from '../src/modules/metrics';
import { NfcUserIds1768691000000 } from '../src/shared/database/migrations/1768691000000-nfc-user-ids';
import { expectOpenAiError, expectProblem, SERVER_MODE, startTestApp, TestApp } from './support/app';
import { FakeAwesomeApiServer } from './support/fake-awesomeapi.server';
import { AwesomeApiMarketQuotes } from '../src/modules/conversation/infrastructure/market/awesomeapi.market-quotes';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { until } from './support/poll';

const KB = [
  { title: 'Copa do escritório', text: 'A máquina de café da copa é uma Saeco Xelsis. A máquina custou R$ 12.400 e tem manutenção mensal pela empresa Cafés do Sul.' },
  { title: 'Equipamentos de TI', text: 'Cada colaborador recebe um notebook Dell Latitude. O notebook custa R$ 6.900 e é trocado a cada três anos.' },
  { title: 'Política de férias', text: 'O colaborador pode vender até 10 dias de férias por ano. O pedido de férias deve ser feito com 30 dias de antecedência.' },
];

function parseSse(body: string): Array<[string, Record<string, unknown>]> {
  return body
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => [/^event: (.+)$/m.exec(block)?.[1] ?? 'message', JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? '{}')]);
}

const sse = (r: NodeJS.ReadableStream, cb: (e: Error | null, body: string) => void) => {
  let data = '';
  r.on('data', (c: Buffer) => (data += c.toString()));
  r.on('end', () => cb(null, data));
};

const ADMIN_KEY = 'conversations-admin-key';

describe('/v1/chat: memory, rewrite, tools (offline agent)', () => {
  let t: TestApp;
  let market: FakeAwesomeApiServer;
  let sales: SalesRepository;

  beforeAll(async () => {
    market = new FakeAwesomeApiServer();
    const marketUrl = await market.start();
    t = await startTestApp({ admin: { apiKey: ADMIN_KEY }, conversation: { tools: { market_data: { baseUrl: marketUrl, timeoutMs: 300, cacheTtlSeconds: 0 } } } });
    for (const d of KB) await t.http.post('/v1/documents').send(d).expect(201);
    sales = t.app.get<SalesRepository>(SALES_REPOSITORY);
    await sales.replaceAll(generateSales(new Date(), 18, 7));
  });
  afterAll(async () => {
    await t.close();
    await market.close();
  });

  it('holds a conversation: the follow-up is rewritten from the first turn and answered from the right document', async () => {
    const first = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual é a máquina de café da copa?' }).expect(200);
    expect(first.body).toMatchObject({ conversation_id: expect.any(String), rewritten_query: null, model: 'extractive:extractive-v1', route: { decided_by: 'rules', rule: 'default_knowledge_base' } });
    expect(first.body.response).toMatch(/Saeco Xelsis/);
    expect(first.body.citations[0].title).toBe('Copa do escritório');

    const second = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'e quanto custa?', conversation_id: first.body.conversation_id }).expect(200);
    expect(second.body.rewritten_query).toMatch(/quanto custa.*m[aá]quina de caf[eé] da copa/i);
    expect(second.body.response).toMatch(/12\.400/);
    expect(second.body.citations.map((c: { title: string }) => c.title)).toEqual(['Copa do escritório']);
    expect(second.body.tool_calls).toEqual([expect.objectContaining({ name: 'knowledge_base_search', ok: true, arguments: { query: second.body.rewritten_query } })]);
    expect(second.body.memory).toHaveLength(4);
    expect(second.body.context_size).toBe(3); // two stored messages + this one
    expect(second.body).toMatchObject({ tokens_used: expect.any(Number), cost_usd: 0, usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) } });
    expect(Object.keys(second.body.timings)).toEqual(['retrieve_ms', 'tool_ms', 'generate_ms', 'total_ms']);
    // each stage sums its calls' times, rounded to hundredths as every timing is (not 34.870000000000005)
    for (const v of Object.values(second.body.timings) as number[]) expect(Math.round(v * 100) / 100).toBe(v);

    const stored = await t.http.get(`/v1/conversations/${first.body.conversation_id}`).query({ user_id: 'ana' }).expect(200);
    expect(stored.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(stored.body.messages[2].rewritten_query).toBe(second.body.rewritten_query);
    expect(stored.body.messages[3].citations[0].title).toBe('Copa do escritório');
    expect(stored.body.messages[3].tool_calls[0].name).toBe('knowledge_base_search');

    await t.app.get(UsageRecorder).flush(); // usage rows are written off the request path
    const usage = await t.dataSource.query(`SELECT operation, provider, model, cost_usd FROM usage_records WHERE conversation_id = $1`, [first.body.conversation_id]);
    expect(usage).toHaveLength(2);
    expect(usage[0]).toMatchObject({ operation: 'chat', provider: 'extractive', model: 'extractive-v1' });
  });

  it('an elliptic follow-up ("e em quantos dias é pago?") is asked about the conversation subject, not answered from another document (probe D4)', async () => {
    const docs = [
      { title: 'Política de reembolso de despesas', text: 'As despesas de viagem são reembolsadas em até 15 dias úteis após a aprovação do gestor. O limite diário de alimentação é de R$ 120,00 por colaborador. O pedido de reembolso é feito no portal financeiro, anexando as notas fiscais digitalizadas.' },
      { title: 'Política de férias', text: 'O salário das férias é pago até dois dias antes do início do descanso. O colaborador pode vender até 10 dias de férias.' },
    ];
    for (const d of docs) await t.http.post('/v1/documents').send({ ...d, collection: 'financeiro-d4' }).expect(201);
    const say = (message: string, conversation_id?: string) => t.http.post('/v1/chat').send({ user_id: 'bia', collection: 'financeiro-d4', message, conversation_id }).expect(200);
    const first = await say('Como peço reembolso de despesas?');
    const id = first.body.conversation_id;
    const paid = await say('e em quantos dias é pago?', id);
    expect(paid.body.rewritten_query).toBe('Em quantos dias é pago o reembolso de despesas?');
    expect(paid.body.response).not.toMatch(/férias/);
    const limit = await say('e qual o limite de alimentação?', id);
    expect(limit.body.rewritten_query).toBe('Qual o limite de alimentação do reembolso de despesas?');
    expect(limit.body.response).toMatch(/R\$ 120/);
    const who = await say('e quem aprova?', id);
    expect(who.body.rewritten_query).toBe('Quem aprova o reembolso de despesas?');
    // a new question of its own stays as typed
    const other = await say('Quantos dias de férias posso vender?', id);
    expect(other.body.rewritten_query).toBeNull();
    expect(other.body.response).toMatch(/10 dias/);
  });

  it('"obrigado!" after a turn is smalltalk; a follow-up is asked about the previous question\'s topic, turn after turn', async () => {
    await t.http.post('/v1/documents').send({ collection: 'rh', title: 'Reembolso de refeições', text: 'O valor máximo por refeição é de R$ 80. O reembolso deve ser pedido em até 30 dias após a despesa.' }).expect(201);
    const first = await t.http.post('/v1/chat').send({ user_id: 'rita', collection: 'rh', message: 'Qual o valor máximo por refeição no reembolso?' }).expect(200);
    expect(first.body.response).toMatch(/R\$ 80/);
    const id = first.body.conversation_id;
    const thanks = await t.http.post('/v1/chat').send({ user_id: 'rita', conversation_id: id, message: 'obrigado!' }).expect(200);
    expect(thanks.body).toMatchObject({ rewritten_query: null, route: { rule: 'smalltalk' }, response: expect.stringMatching(/^De nada!/), tool_calls: [] });
    // after the thanks, the follow-up is about the question before it
    const deadline = await t.http.post('/v1/chat').send({ user_id: 'rita', conversation_id: id, message: 'e o prazo para pedir?' }).expect(200);
    expect(deadline.body.rewritten_query).toBe('Qual o prazo para pedir o reembolso?');
    expect(deadline.body.response).toMatch(/30 dias/);
    const ok = await t.http.post('/v1/chat').send({ user_id: 'rita', conversation_id: id, message: 'ok' }).expect(200);
    expect(ok.body).toMatchObject({ rewritten_query: null, route: { rule: 'smalltalk' } });
  });

  it('answers "Quais foram as vendas do mês passado?" with the SQL total, in BRL, and "e no mês anterior?" from it', async () => {
    const period = parsePeriod('mês passado', new Date())!;
    const [{ total }] = await t.dataSource.query(`SELECT sum(amount)::float8 AS total FROM sales WHERE sold_at >= $1 AND sold_at < $2`, [period.from, period.to]);
    const r = await t.http.post('/v1/chat').send({ user_id: 'bruno', message: 'Quais foram as vendas do mês passado?' }).expect(200);
    expect(r.body.route).toEqual({ decided_by: 'rules', rule: 'sales_words' });
    expect(r.body.tool_calls[0]).toMatchObject({ name: 'sales_data', ok: true, period: { from: period.from, to: period.to } });
    expect(r.body.response).toContain(formatBrl(total));
    expect(r.body.response).toMatch(/R\$ \d{1,3}(\.\d{3})*,\d{2}/);

    const before = await t.dataSource.query(`SELECT sum(amount)::float8 AS total FROM sales WHERE sold_at >= ($1::date - interval '1 month') AND sold_at < $1::date`, [period.from]);
    const f = await t.http.post('/v1/chat').send({ user_id: 'bruno', message: 'e no mês anterior?', conversation_id: r.body.conversation_id }).expect(200);
    expect(f.body.rewritten_query).toMatch(/vendas em \w+ de \d{4}/);
    expect(f.body.response).toContain(formatBrl(before[0].total));
  });

  it('"Top 3 produtos" gives the three a SQL ranking gives, and filters by region per rep', async () => {
    const period = parsePeriod('em março', new Date())!;
    const top = await t.dataSource.query(`SELECT product FROM sales WHERE sold_at >= $1 AND sold_at < $2 GROUP BY product ORDER BY sum(amount) DESC LIMIT 3`, [period.from, period.to]);
    const r = await t.http.post('/v1/chat').send({ user_id: 'bruno', message: 'Top 3 produtos em março' }).expect(200);
    const lines = (r.body.response as string).split('\n').filter((l) => /^\d\. /.test(l));
    expect(lines.map((l) => l.replace(/^\d\. /, '').replace(/: R\$.*$/, ''))).toEqual(top.map((x: { product: string }) => x.product));

    const bySul = await t.http.post('/v1/chat').send({ user_id: 'bruno', message: 'vendas da região Sul por vendedor no mês passado' }).expect(200);
    expect(bySul.body.tool_calls[0].arguments).toMatchObject({ group_by: 'rep', region: 'Sul' });
    expect(bySul.body.response).toMatch(/Carla Mendes|Diego Rocha/);
    expect(bySul.body.response).not.toMatch(/Ana Souza/);
  });

  it('quotes currencies from the market API, and explains its timeouts, 500s and unknown pairs (never a 5xx)', async () => {
    const ok = await t.http.post('/v1/chat').send({ user_id: 'carla', message: 'Qual a cotação do dólar hoje?' }).expect(200);
    expect(ok.body.tool_calls[0]).toMatchObject({ name: 'market_data', ok: true, arguments: { pairs: ['USD-BRL'] } });
    expect(ok.body.response).toMatch(/Dólar Americano\/Real Brasileiro \(USD-BRL\): compra R\$ 5,34/);

    market.http.fail({ type: 'hang' });
    const slow = await t.http.post('/v1/chat').send({ user_id: 'carla', message: 'e o euro?' }).expect(200);
    expect(slow.body.tool_calls[0]).toMatchObject({ name: 'market_data', ok: false, error: expect.stringMatching(/did not answer within 300 ms/) });
    expect(slow.body.response).toMatch(/^Não consegui consultar as cotações agora/);

    market.http.fail({ type: 'status', status: 500, body: { status: 500, message: 'erro interno' } });
    const down = await t.http.post('/v1/chat').send({ user_id: 'carla', message: 'cotação do euro' }).expect(200);
    expect(down.body.tool_calls[0]).toMatchObject({ ok: false, error: expect.stringMatching(/answered 500/) });
  });

  it('the cost report counts every tool run and stage of turns that call no model (offline), and of /v1/ask with no evidence', async () => {
    const report = async () => {
      await t.app.get(UsageRecorder).flush();
      return (await t.http.get('/v1/metrics/report').set('x-api-key', ADMIN_KEY).expect(200)).body as {
        totals: { calls: number };
        tools: Array<{ tool: string; calls: number; failures: number }>;
        stages: Array<{ stage: string; count: number }>;
      };
    };
    const tool = (r: Awaited<ReturnType<typeof report>>, name: string) => r.tools.find((x) => x.tool === name) ?? { calls: 0, failures: 0 };
    const stage = (r: Awaited<ReturnType<typeof report>>, name: string) => r.stages.find((x) => x.stage === name)?.count ?? 0;
    const before = await report();

    const sold = await t.http.post('/v1/chat').send({ user_id: 'dora', message: 'Qual o faturamento do mês passado?' }).expect(200);
    expect(sold.body.tool_calls).toEqual([expect.objectContaining({ name: 'sales_data', ok: true })]);
    market.http.fail({ type: 'status', status: 500, body: { status: 500, message: 'erro interno' } });
    const quote = await t.http.post('/v1/chat').send({ user_id: 'dora', message: 'Qual a cotação do dólar?' }).expect(200);
    expect(quote.body.tool_calls).toEqual([expect.objectContaining({ name: 'market_data', ok: false })]);
    // a knowledge-base search that finds no evidence: the refusal, no model call
    const none = await t.http.post('/v1/chat').send({ user_id: 'dora', message: 'Qual é a capital da Mongólia?' }).expect(200);
    expect(none.body.tool_calls).toEqual([expect.objectContaining({ name: 'knowledge_base_search' })]);
    expect(none.body.tokens_used).toBe(0);
    const ask = await t.http.post('/v1/ask').send({ question: 'Qual é a capital da Mongólia?' }).expect(200);
    expect(ask.body.abstained).toBeTruthy();

    const after = await report();
    expect(tool(after, 'sales_data').calls - tool(before, 'sales_data').calls).toBe(1);
    expect(tool(after, 'market_data').calls - tool(before, 'market_data').calls).toBe(1);
    expect(tool(after, 'market_data').failures - tool(before, 'market_data').failures).toBe(1);
    expect(tool(after, 'knowledge_base_search').calls - tool(before, 'knowledge_base_search').calls).toBe(1);
    expect(stage(after, 'tool') - stage(before, 'tool')).toBe(2);
    // the knowledge-base turn's embed and search stages, as the /v1/ask's (and no generate: no model ran)
    expect(stage(after, 'embed') - stage(before, 'embed')).toBe(2);
    expect(stage(after, 'search') - stage(before, 'search')).toBe(2);
    expect(stage(after, 'generate') - stage(before, 'generate')).toBe(0);
    for (const r of [none, ask]) {
      const [row] = await t.dataSource.query(`SELECT stages FROM usage_records WHERE request_id = $1 AND operation = 'no_model_call'`, [r.headers['x-request-id']]);
      expect(Object.keys(row.stages).sort()).toEqual(['embed', 'search']);
    }
    // one row of its own per request, which is no model call: the call counts are the model calls' alone
    for (const r of [sold, quote, none, ask]) {
      const rows = await t.dataSource.query(`SELECT operation, provider, prompt_tokens, cost_usd::float8 AS cost FROM usage_records WHERE request_id = $1 AND operation NOT LIKE 'embed_%'`, [r.headers['x-request-id']]);
      expect(rows).toEqual([{ operation: 'no_model_call', provider: 'none', prompt_tokens: 0, cost: 0 }]);
    }
    const [{ calls }] = await t.dataSource.query(`SELECT count(*)::int AS calls FROM usage_records WHERE operation <> 'no_model_call'`);
    expect(after.totals.calls).toBe(calls);
  });

  it("never passes on the quotes service's failure text, which may echo the request with its key (to the user, the LLM, memory)", async () => {
    const quotes = new AwesomeApiMarketQuotes({ baseUrl: market.http.url, apiKey: 'mk-SECRET-4242', timeoutMs: 2000, cacheTtlSeconds: 0 });
    market.http.fail({ type: 'status', status: 500, body: { status: 500, message: 'internal error for /json/last/EUR-BRL?token=mk-SECRET-4242' } });
    const down = await quotes.quotes(['EUR-BRL']).catch((e: Error) => e);
    expect(down).toMatchObject({ message: expect.stringMatching(/the quotes service answered 500$/) });
    // an unknown pair's reason is kept, without the key or a query string
    market.http.fail({ type: 'status', status: 404, body: { status: 404, message: 'moeda nao encontrada USD-XYZ (/json/last/USD-XYZ?token=mk-SECRET-4242, chave mk-SECRET-4242)' } });
    const unknown = (await quotes.quotes(['USD-XYZ']).catch((e: Error) => e)) as Error;
    expect(unknown.message).toMatch(/unknown currency pair: moeda nao encontrada USD-XYZ/);
    expect(unknown.message).not.toContain('mk-SECRET');
    expect(unknown.message).not.toContain('token=');
  });

  it('streams SSE: tool_call, tokens, citations, then done', async () => {
    const res = await t.http.post('/v1/chat').send({ user_id: 'dora', message: 'Quantos dias de férias posso vender?', stream: true }).buffer(true).parse(sse as never);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = parseSse(res.body as string);
    const names = events.map(([e]) => e);
    // the knowledge base ran before the answer: its tool_call comes before the first token
    expect(names.indexOf('tool_call')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('tool_call')).toBeLessThan(names.indexOf('token'));
    expect(names.at(-1)).toBe('done');
    const done = events.at(-1)![1] as { response: string; conversation_id: string };
    expect(done.response).toMatch(/10 dias/);
    expect(events.filter(([e]) => e === 'token').map(([, d]) => d.text).join('')).toContain('10 dias');
  });

  it('carries a whole turn over the WebSocket', async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`);
    const events: Array<{ event: string; turn: string; data: Record<string, unknown> }> = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'eva', message: 'Quantos dias de férias posso vender?', turn: 't1' } })));
      const onMessage = (m: WebSocket.RawData) => {
        const e = JSON.parse(m.toString());
        events.push(e);
        if (e.event === 'done' || e.event === 'error') {
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
      ws.on('error', reject);
    });
    ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'eva', message: '' } }));
    const bad = await new Promise<{ event: string; data: Record<string, unknown> }>((resolve) => ws.once('message', (m) => resolve(JSON.parse(m.toString()))));
    ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'eva', message: '\u200b\u200b' } }));
    const zeroWidth = await new Promise<{ event: string; data: Record<string, unknown> }>((resolve) => ws.once('message', (m) => resolve(JSON.parse(m.toString()))));
    // a lone surrogate (valid JSON, not Unicode text): the error names the turn and the field as sent
    ws.send('{"event":"chat","data":{"user_id":"eva","message":"oi \\ud800","turn":"t9"}}');
    const surrogate = await new Promise<{ event: string; turn?: string; data: Record<string, unknown> }>((resolve) => ws.once('message', (m) => resolve(JSON.parse(m.toString()))));
    ws.close();
    expect(events.every((e) => e.turn === 't1')).toBe(true);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['tool_call', 'token', 'citation', 'done']));
    expect((events.at(-1)!.data as { response: string }).response).toMatch(/10 dias/);
    expect(bad).toMatchObject({ event: 'error', data: { status: 400, code: 'REQUEST.VALIDATION' } });
    expect(surrogate).toMatchObject({ event: 'error', turn: 't9', data: { status: 400, code: 'REQUEST.INVALID_TEXT', errors: [{ field: 'data.message' }] } });
    expect(surrogate.data.detail).toMatch(/^data\.message contains a lone UTF-16 surrogate/);
    expect(zeroWidth).toMatchObject({ event: 'error', data: { status: 400, code: 'REQUEST.VALIDATION', detail: expect.stringContaining('must not be blank') } });
  });

  it('cuts a long WebSocket turn id at 100 code points, never inside a surrogate pair (answer, handler error and message error alike)', async () => {
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    // the 100th code point is an emoji: a cut at 100 UTF-16 units left its high surrogate alone
    const turn = 'a'.repeat(99) + '😀' + 'b'.repeat(20);
    const cut = 'a'.repeat(99) + '😀';
    const events: Array<{ event: string; turn?: string; raw: string }> = [];
    ws.on('message', (m) => events.push({ ...JSON.parse(m.toString()), raw: m.toString() }));
    const settled = (n: number) => until(async () => events.filter((e) => e.event === 'done' || e.event === 'error').length, (k) => k >= n, 'the turns to end');
    ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'eva', message: 'Quantos dias de férias posso vender?', turn } }));
    await settled(1);
    // refused by the chat handler (a blank message), and by the socket's message checks (an unknown event)
    ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'eva', message: '', turn } }));
    await settled(2);
    ws.send(JSON.stringify({ event: 'hello', data: { turn } }));
    await settled(3);
    expect(events.filter((e) => e.event === 'done' || e.event === 'error').map((e) => e.event)).toEqual(['done', 'error', 'error']);
    expect(events.map((e) => e.turn)).toEqual(events.map(() => cut));
    expect(events.some((e) => /\\ud83d"/i.test(e.raw))).toBe(false);
    ws.close();
  });

  it('keeps each user in their own memory: another user\'s conversation is a 404 everywhere', async () => {
    const a = await t.http.post('/v1/chat').send({ user_id: 'fabio', message: 'Qual é a máquina de café da copa?' }).expect(200);
    const id = a.body.conversation_id;
    expectProblem(await t.http.get(`/v1/conversations/${id}`).query({ user_id: 'gabi' }), 404, 'CONVERSATION.NOT_FOUND');
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'gabi', message: 'e quanto custa?', conversation_id: id }), 404, 'CONVERSATION.NOT_FOUND');
    expectProblem(await t.http.delete(`/v1/conversations/${id}`).query({ user_id: 'gabi' }), 404, 'CONVERSATION.NOT_FOUND');
    expect((await t.http.get('/v1/conversations').query({ user_id: 'gabi' }).expect(200)).body).toEqual({ items: [], total: 0, limit: 20, offset: 0 });
    const list = await t.http.get('/v1/conversations').query({ user_id: 'fabio' }).expect(200);
    expect(list.body).toMatchObject({ total: 1, items: [{ id, user_id: 'fabio', title: 'Qual é a máquina de café da copa?', message_count: 2 }] });

    await t.http.delete(`/v1/conversations/${id}`).query({ user_id: 'fabio' }).expect(204);
    expectProblem(await t.http.get(`/v1/conversations/${id}`).query({ user_id: 'fabio' }), 404, 'CONVERSATION.NOT_FOUND');
    await t.http.post('/v1/chat').send({ user_id: 'fabio', message: 'oi' }).expect(200);
    expect((await t.http.delete('/v1/users/fabio/memory').expect(200)).body).toEqual({ user_id: 'fabio', conversations_deleted: 1 });
    expect((await t.http.get('/v1/conversations').query({ user_id: 'fabio' })).body.total).toBe(0);
  });

  it('one user whatever the Unicode form of the id: "joão" sent decomposed (macOS) is forgotten by DELETE /v1/users/jo%C3%A3o/memory', async () => {
    const nfd = 'joão'.normalize('NFD');
    expect(nfd).not.toBe('joão');
    const chat = await t.http.post('/v1/chat').send({ user_id: nfd, message: 'Qual é a máquina de café da copa?' }).expect(200);
    await t.http.post('/v1/chat/completions').send({ model: 'acervo', user: nfd, messages: [{ role: 'user', content: 'Quantos dias de férias posso vender?' }] }).expect(200);
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const last = new Promise<{ event: string }>((resolve) =>
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString());
        if (e.event === 'done' || e.event === 'error') resolve(e);
      }),
    );
    ws.send(JSON.stringify({ event: 'chat', data: { user_id: nfd, message: 'Onde fica a copa?' } }));
    expect((await last).event).toBe('done');
    ws.close();
    // the follow-up in the composed form continues the decomposed one's conversation
    await t.http.post('/v1/chat').send({ user_id: 'joão', message: 'e quanto custa?', conversation_id: chat.body.conversation_id }).expect(200);
    expect((await t.http.get('/v1/conversations').query({ user_id: nfd })).body.total).toBe(3);
    expect((await t.http.delete('/v1/users/jo%C3%A3o/memory').expect(200)).body).toEqual({ user_id: 'joão', conversations_deleted: 3 });
    expect(await t.dataSource.query(`SELECT id FROM conversations WHERE user_id IN ($1, $2)`, [nfd, 'joão'])).toEqual([]);
    // ids stored decomposed before the fix are composed by the migration (a forget counter under both forms: the higher)
    const again = await t.http.post('/v1/chat').send({ user_id: 'joão', message: 'oi' }).expect(200);
    await t.dataSource.query(`UPDATE conversations SET user_id = $1 WHERE id = $2`, [nfd, again.body.conversation_id]);
    await t.dataSource.query(`INSERT INTO user_forgets (user_id, epoch) VALUES ($1, 7)`, [nfd]);
    await new NfcUserIds1768691000000().up({ query: (sql: string) => t.dataSource.query(sql) } as unknown as QueryRunner);
    expect(await t.dataSource.query(`SELECT id FROM conversations WHERE user_id = $1`, ['joão'])).toEqual([{ id: again.body.conversation_id }]);
    expect(await t.dataSource.query(`SELECT user_id, epoch::int AS epoch FROM user_forgets WHERE user_id IN ($1, $2)`, [nfd, 'joão'])).toEqual([{ user_id: 'joão', epoch: 7 }]);
  });

  it('drops NUL (U+0000) from a message on /v1/chat, SSE, /v1/chat/completions and the WebSocket; a message of NULs alone is a 400', async () => {
    const message = 'Quantos dias de\u0000 férias posso vender?';
    const json = await t.http.post('/v1/chat').send({ user_id: 'nul', message }).expect(200);
    expect(json.body.response).toMatch(/10 dias/);
    const stream = await t.http.post('/v1/chat').send({ user_id: 'nul', message, conversation_id: json.body.conversation_id, stream: true }).buffer(true).parse(sse as never);
    expect(parseSse(stream.body as string).at(-1)![0]).toBe('done');
    const completion = await t.http.post('/v1/chat/completions').send({ model: 'acervo', user: 'nul', messages: [{ role: 'user', content: message }] }).expect(200);
    expect(completion.body.choices[0].message.content).toMatch(/10 dias/);
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const last = new Promise<{ event: string; data: Record<string, unknown> }>((resolve) =>
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString());
        if (e.event === 'done' || e.event === 'error') resolve(e);
      }),
    );
    ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'nul', message } }));
    const done = await last;
    ws.close();
    expect(done.event).toBe('done');
    const stored: Array<{ content: string }> = await t.dataSource.query(
      `SELECT m.content FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.user_id = 'nul' AND m.role = 'user'`,
    );
    expect(stored.map((r) => r.content)).toEqual(Array(4).fill('Quantos dias de férias posso vender?'));
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'nul', message: '\u0000\u0000' }), 400, 'CONVERSATION.BLANK_MESSAGE');
  });

  it('/v1/chat/completions: another user\'s conversation id is the 404 of an unknown one; identical first turns at once all succeed', async () => {
    const first = await t.http.post('/v1/chat').send({ user_id: 'ines', message: 'Qual é a máquina de café da copa?' }).expect(200);
    const theirs = first.body.conversation_id as string;
    const intrusion = await t.http.post('/v1/chat/completions').send({ model: 'acervo', user: 'joao', conversation_id: theirs, messages: [{ role: 'user', content: 'oi' }] });
    expectOpenAiError(intrusion, 404, 'CONVERSATION.NOT_FOUND');
    const streamed = await t.http.post('/v1/chat/completions').send({ model: 'acervo', user: 'joao', conversation_id: theirs, stream: true, messages: [{ role: 'user', content: 'oi' }] });
    expectOpenAiError(streamed, 404, 'CONVERSATION.NOT_FOUND');
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM conversation_messages WHERE conversation_id = $1', [theirs]);
    expect(n).toBe(2);
    // An unknown id is the same 404 (not an answer stored under it): no one takes an id another user's client derives.
    const unknown = '5f0c3b1e-0000-5000-8000-000000000000';
    expectOpenAiError(await t.http.post('/v1/chat/completions').send({ model: 'acervo', user: 'joao', conversation_id: unknown, messages: [{ role: 'user', content: 'oi' }] }), 404, 'CONVERSATION.NOT_FOUND');
    expect(await t.dataSource.query('SELECT id FROM conversations WHERE id = $1', [unknown])).toEqual([]);
    // A chat UI's retries: the same user and first message, so the same derived conversation id, at once.
    const body = { model: 'acervo', user: 'joao', messages: [{ role: 'user', content: 'Quanto custa o notebook?' }] };
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.http.post('/v1/chat/completions').send(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    const ids = new Set(answers.map((a) => a.body.acervo.conversation_id));
    expect(ids.size).toBe(1);
    const [c] = await t.dataSource.query('SELECT user_id, message_count FROM conversations WHERE id = $1', [[...ids][0]]);
    expect(c).toEqual({ user_id: 'joao', message_count: 12 });
  });

  it('refuses bad input with problem+json and writes nothing', async () => {
    const before = await t.dataSource.query('SELECT count(*)::int AS n FROM conversation_messages');
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: '   ' }), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'x'.repeat(4001) }), 400, 'CONVERSATION.MESSAGE_TOO_LONG');
    // characters are counted as code points: 4001 emoji are 4001 (not 8002), 2001 are under the limit
    const emoji = expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: '😀'.repeat(4001) }), 400, 'CONVERSATION.MESSAGE_TOO_LONG');
    expect(emoji.detail).toBe('message has 4001 characters (Unicode code points); at most 4000 are accepted');
    // zero-width characters are blank, as spaces, nbsp and a BOM are: on /v1/chat, /v1/chat/completions and the WebSocket
    for (const blank of ['\u200b\u200b', '\u200c\u200d\u2060', '\ufeff', '\u00a0 \u200b']) {
      expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: blank }), 400, 'REQUEST.VALIDATION');
      const completion = await t.http.post('/v1/chat/completions').send({ model: 'acervo', user: 'ana', messages: [{ role: 'user', content: blank }] });
      expect(completion.status).toBe(400);
      expect(completion.body.error).toMatchObject({ code: 'CONVERSATION.BLANK_MESSAGE' });
    }
    expectProblem(await t.http.post('/v1/chat').send({ message: 'oi' }), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'oi', conversation_id: '5f0c3b1e-0000-4000-8000-000000000000' }), 404, 'CONVERSATION.NOT_FOUND');
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'oi', conversation_id: 'nope' }), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.get('/v1/conversations/nope').query({ user_id: 'ana' }), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.get('/v1/conversations'), 400, 'REQUEST.VALIDATION');
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM conversation_messages')).toEqual(before);
    const under = await t.http.post('/v1/chat').send({ user_id: 'emoji', message: '😀'.repeat(2001) });
    expect(under.status).toBe(200);
  });
});

describe('/v1/chat: memory survives a restart; summaries', () => {
  it('the conversation is still there after the app restarts on the same database', async () => {
    const a = await startTestApp({ conversation: { memory: { windowTurns: 1 } } });
    const first = await a.http.post('/v1/documents').send(KB[0]).expect(201);
    expect(first.body).toBeTruthy();
    const c1 = await a.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual é a máquina de café da copa?' }).expect(200);
    const id = c1.body.conversation_id;
    await a.http.post('/v1/chat').send({ user_id: 'ana', message: 'e quanto custa?', conversation_id: id }).expect(200);
    await a.close({ keepData: true });

    const b = await startTestApp({ conversation: { memory: { windowTurns: 1 } } }, { dataDir: a.dataDir, reset: false });
    try {
      const stored = await b.http.get(`/v1/conversations/${id}`).query({ user_id: 'ana' }).expect(200);
      expect(stored.body.messages).toHaveLength(4);
      // window of one turn: the first turn was folded into the summary when the second was stored
      expect(stored.body.summarized_count).toBe(2);
      expect(stored.body.summary).toMatch(/Usuário: Qual é a máquina de café da copa\? → .*Saeco Xelsis/);
      const third = await b.http.post('/v1/chat').send({ user_id: 'ana', message: 'e quem faz a manutenção?', conversation_id: id }).expect(200);
      expect(third.body.context_size).toBe(4); // summary + the last turn (2) + this message
      expect(third.body.response).toMatch(/Cafés do Sul/);
    } finally {
      await b.close();
    }
  });
});

describe('/v1/chat with a tool-calling LLM (fake OpenAI server returning real tool_calls)', () => {
  let t: TestApp;
  let fake: FakeOpenAiServer;
  let market: FakeAwesomeApiServer;

  beforeAll(async () => {
    fake = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'] });
    const baseUrl = await fake.start();
    market = new FakeAwesomeApiServer();
    const marketUrl = await market.start();
    t = await startTestApp({
      generation: { llm: { provider: 'openai', maxRetries: 0, openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } } },
      conversation: { tools: { market_data: { baseUrl: marketUrl, cacheTtlSeconds: 0 } } },
    });
    await t.http.post('/v1/documents').send(KB[0]).expect(201);
    fake.http.requests.length = 0;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    await market.close();
  });

  it('the model asks for knowledge_base_search, reads the passages, answers with a verified citation; usage is priced', async () => {
    fake.reply(
      { content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: { query: 'máquina de café da copa' } }] },
      'A máquina de café da copa é uma Saeco Xelsis e custou R$ 12.400. [1]',
    );
    const r = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual é a máquina de café da copa e quanto custou?' }).expect(200);
    expect(r.body.route).toEqual({ decided_by: 'model', rule: null });
    expect(r.body.tool_calls).toEqual([expect.objectContaining({ name: 'knowledge_base_search', ok: true, chosen_by: 'model' })]);
    expect(r.body.response).toBe('A máquina de café da copa é uma Saeco Xelsis e custou R$ 12.400. [1]');
    expect(r.body.citations[0]).toMatchObject({ n: 1, title: 'Copa do escritório' });
    const calls = fake.http.requests.filter((q) => q.path.endsWith('/chat/completions'));
    expect(calls).toHaveLength(2);
    const firstBody = calls[0].body as { tools: Array<{ type: string; function: { name: string } }> };
    expect(firstBody.tools.map((x) => x.function.name).sort()).toEqual(['knowledge_base_search', 'market_data', 'sales_data']);
    const second = calls[1].body as { messages: Array<{ role: string; tool_call_id?: string; content: string }> };
    const toolMsg = second.messages.find((m) => m.role === 'tool')!;
    expect(toolMsg.tool_call_id).toMatch(/^call_/);
    expect(toolMsg.content).toMatch(/\[1\] Copa do escritório/);
    // gpt-4o-mini: $0.15 / $0.60 per 1M tokens
    const u = r.body.usage;
    expect(r.body.cost_usd).toBeCloseTo((u.prompt_tokens * 0.15 + u.completion_tokens * 0.6) / 1e6, 8);
    await t.app.get(UsageRecorder).flush(); // usage rows are written off the request path
    const rows = await t.dataSource.query(`SELECT operation, stages FROM usage_records WHERE conversation_id = $1 AND provider = 'openai' ORDER BY id`, [r.body.conversation_id]);
    expect(rows.map((o: { operation: string }) => o.operation)).toEqual(['tool_decision', 'chat']);
    // the turn's stages on its last row: the knowledge base's embed and search, as /v1/ask's row has them, and the model's
    expect(Object.keys(rows[1].stages).sort()).toEqual(['embed', 'generate', 'search']);
  });

  it('a tool call with malformed JSON arguments is not run: the model is told and calls again', async () => {
    fake.http.requests.length = 0;
    fake.reply(
      { content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: '{not json' }] },
      { content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: { query: 'máquina de café da copa' } }] },
      'A máquina de café da copa é uma Saeco Xelsis. [1]',
    );
    const r = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual é a máquina de café da copa?' }).expect(200);
    expect(r.body.tool_calls).toEqual([
      expect.objectContaining({ name: 'knowledge_base_search', ok: false, error: expect.stringMatching(/^argumentos inválidos/) }),
      expect.objectContaining({ name: 'knowledge_base_search', ok: true }),
    ]);
    expect(r.body.response).toBe('A máquina de café da copa é uma Saeco Xelsis. [1]');
    const second = fake.http.requests.filter((q) => q.path.endsWith('/chat/completions'))[1].body as { messages: Array<{ role: string; content: string }> };
    expect(second.messages.find((m) => m.role === 'tool')!.content).toMatch(/^ERRO: argumentos inválidos/);
  });

  it('a model that answers nothing after a malformed tool call gives the refusal, never an empty reply or stored turn', async () => {
    fake.reply({ content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: '{not json' }] }, '');
    const r = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual o prazo de aprovação do reembolso?' }).expect(200);
    expect(r.body).toMatchObject({ response: 'Não tenho essa informação nos documentos.', abstained: 'model_declined' });
    expect(r.body.tool_calls).toEqual([expect.objectContaining({ ok: false, error: expect.stringMatching(/^argumentos inválidos/) })]);
    const stored = await t.http.get(`/v1/conversations/${r.body.conversation_id}`).query({ user_id: 'ana' }).expect(200);
    expect(stored.body.messages.map((m: { content: string }) => m.content)).toEqual(['Qual o prazo de aprovação do reembolso?', 'Não tenho essa informação nos documentos.']);
  });

  it('a turn that fails after its rewrite records both model calls (the rewrite, and the failed one with its code)', async () => {
    fake.reply('Olá!');
    const first = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Oi, qual é a máquina de café?' }).expect(200);
    fake.reply('Quanto custa a máquina de café da copa?');
    fake.http.fail({ type: 'delay', ms: 0 }).fail({ type: 'status', status: 500, body: { error: { message: 'boom', type: 'server_error' } } });
    const res = await t.http.post('/v1/chat').send({ user_id: 'ana', conversation_id: first.body.conversation_id, message: 'e quanto custa?' });
    expect([502, 503]).toContain(res.status);
    await t.app.get(UsageRecorder).flush();
    const rows = await t.dataSource.query(`SELECT operation, prompt_tokens, error FROM usage_records WHERE conversation_id = $1 ORDER BY id`, [first.body.conversation_id]);
    expect(rows.slice(1)).toEqual([
      expect.objectContaining({ operation: 'rewrite', prompt_tokens: expect.any(Number), error: null }),
      { operation: 'chat', prompt_tokens: 0, error: expect.stringMatching(/^GENERATION\./) },
    ]);
    expect(rows[1].prompt_tokens).toBeGreaterThan(0);
  });

  it('a turn whose client goes away records the calls the provider billed: the rewrite, and the cut one (CLIENT_CLOSED, prompt estimated)', async () => {
    fake.reply('Olá!');
    const first = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Oi, qual é a máquina de café?' }).expect(200);
    fake.reply('Quanto custa a máquina de café da copa?');
    fake.http.fail({ type: 'delay', ms: 0 }).fail({ type: 'delay', ms: 4000 });
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const sent = fake.http.requests.length;
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat', headers: { 'content-type': 'application/json' } });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ user_id: 'ana', conversation_id: first.body.conversation_id, message: 'e quanto custa?' }));
      // the rewrite answered and the answer call is at the provider: the user closes the tab
      const poll = setInterval(() => fake.http.requests.length >= sent + 2 && (clearInterval(poll), req.destroy(), resolve()), 10);
    });
    let rows: Array<{ operation: string; prompt_tokens: number; error: string | null }> = [];
    for (let i = 0; i < 50 && rows.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await t.app.get(UsageRecorder).flush();
      rows = await t.dataSource.query(`SELECT operation, prompt_tokens, error FROM usage_records WHERE conversation_id = $1 ORDER BY id`, [first.body.conversation_id]);
    }
    expect(rows.slice(1)).toEqual([
      expect.objectContaining({ operation: 'rewrite', error: null }),
      expect.objectContaining({ operation: 'chat', error: 'CLIENT_CLOSED' }),
    ]);
    expect(rows[2].prompt_tokens).toBeGreaterThan(0);
  });

  it('a bad tool argument is a tool error the model explains, not a failed request', async () => {
    fake.reply({ content: '', toolCalls: [{ name: 'sales_data', arguments: { period: 'mês passado', metric: 'lucro' } }] }, 'Não consegui consultar: métrica inválida.');
    const r = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual foi o lucro do mês passado?' }).expect(200);
    expect(r.body.tool_calls[0]).toMatchObject({ name: 'sales_data', ok: false, error: expect.stringMatching(/metric must be one of/) });
    const calls = fake.http.requests.filter((q) => q.path.endsWith('/chat/completions'));
    const last = calls.at(-1)!.body as { messages: Array<{ role: string; content: string }> };
    expect(last.messages.find((m) => m.role === 'tool')!.content).toMatch(/^ERRO: .*metric must be one of/);
  });

  it('a forget (DELETE /v1/users/:id/memory) while a first turn runs: the turn stores nothing (409 CONVERSATION.FORGOTTEN)', async () => {
    fake.http.fail({ type: 'delay', ms: 1500 });
    const sent = fake.http.requests.length;
    const turn = t.http.post('/v1/chat').send({ user_id: 'fabio', message: 'Meu CPF é 529.982.247-25, qual é a máquina de café?' }).then((r) => r);
    while (fake.http.requests.length === sent) await new Promise((r) => setTimeout(r, 10));
    expect((await t.http.delete('/v1/users/fabio/memory').expect(200)).body).toEqual({ user_id: 'fabio', conversations_deleted: 0 });
    expectProblem(await turn, 409, 'CONVERSATION.FORGOTTEN');
    expect((await t.http.get('/v1/conversations').query({ user_id: 'fabio' }).expect(200)).body.total).toBe(0);
    // a turn after the forget is stored as usual
    fake.reply('Uma Saeco Xelsis.');
    const next = await t.http.post('/v1/chat').send({ user_id: 'fabio', message: 'Qual é a máquina de café?' }).expect(200);
    expect((await t.http.get('/v1/conversations').query({ user_id: 'fabio' }).expect(200)).body.items.map((c: { id: string }) => c.id)).toEqual([next.body.conversation_id]);
  });

  it('with the LLM down: a clear 5xx problem and nothing written half', async () => {
    const before = await t.dataSource.query('SELECT count(*)::int AS n FROM conversation_messages');
    fake.http.fail({ type: 'status', status: 500, body: { error: { message: 'boom', type: 'server_error' } } }, { times: 5 });
    const res = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Qual é a máquina de café?' });
    expect([502, 503]).toContain(res.status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM conversation_messages')).toEqual(before);
  });
});

describe('/v1/chat with an LLM: the model rewrites follow-ups and writes the rolling summary', () => {
  let t: TestApp;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    fake = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'] });
    const baseUrl = await fake.start();
    t = await startTestApp({
      generation: { llm: { provider: 'openai', maxRetries: 0, openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } } },
      conversation: { memory: { windowTurns: 1 } },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('rewrite, answer and summary are three priced model calls; the summary replaces the folded turn', async () => {
    fake.reply('Olá! Como posso ajudar?');
    const first = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Oi, tudo bem?' }).expect(200);
    expect(first.body.rewritten_query).toBeNull();
    fake.http.requests.length = 0;
    fake.reply('Quanto custa a máquina de café da copa?', 'Não tenho essa informação nos documentos.', 'O usuário cumprimentou o assistente.');
    const second = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'e quanto custa a máquina?', conversation_id: first.body.conversation_id }).expect(200);
    expect(second.body.rewritten_query).toBe('Quanto custa a máquina de café da copa?');
    const bodies = fake.http.requests.map((r) => r.body as { messages: Array<{ role: string; content: string }>; tools?: unknown[] });
    expect(bodies).toHaveLength(3);
    expect(bodies[0].messages[0].content).toMatch(/Reescreva a última mensagem[\s\S]*Usuário: Oi, tudo bem\?[\s\S]*Última mensagem: e quanto custa a máquina\?/);
    expect(bodies[1].tools).toHaveLength(3);
    expect(bodies[2].messages[0].content).toMatch(/^Resuma a conversa/);
    const stored = await t.http.get(`/v1/conversations/${first.body.conversation_id}`).query({ user_id: 'ana' }).expect(200);
    expect(stored.body).toMatchObject({ summary: 'O usuário cumprimentou o assistente.', summarized_count: 2 });
    await t.app.get(UsageRecorder).flush(); // usage rows are written off the request path
    const ops = await t.dataSource.query(`SELECT operation FROM usage_records WHERE conversation_id = $1 ORDER BY id`, [first.body.conversation_id]);
    expect(ops.map((o: { operation: string }) => o.operation)).toEqual(['chat', 'rewrite', 'chat', 'summary']);
    expect(second.body.cost_usd).toBeGreaterThan(0);
  });
});

describe('OpenAI-compatible API with the official openai client', () => {
  let t: TestApp;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startTestApp();
    for (const d of KB) await t.http.post('/v1/documents').send(d).expect(201);
    await t.http.post('/v1/documents').send({ ...KB[2], collection: 'rh' }).expect(201);
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => t.close());

  it('lists acervo models per collection', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['acervo', 'acervo:rh']));
  });

  it('answers JSON with citations in choices[0].message.citations, and stores the turn for `user`', async () => {
    const r = await client.chat.completions.create({ model: 'acervo', user: 'hugo', messages: [{ role: 'user', content: 'Quantos dias de férias posso vender?' }] });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0].message.content).toMatch(/10 dias/);
    const citations = (r.choices[0].message as unknown as { citations: Array<{ title: string }> }).citations;
    expect(citations[0].title).toBe('Política de férias');
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    const list = await t.http.get('/v1/conversations').query({ user_id: 'hugo' }).expect(200);
    expect(list.body.total).toBe(1);
  });

  it('streams chunks whose last carries the citations, then [DONE]; the model name picks the collection', async () => {
    const stream = await client.chat.completions.create({ model: 'acervo:rh', stream: true, messages: [{ role: 'user', content: 'Com quantos dias de antecedência peço férias?' }] });
    let text = '';
    let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      last = chunk;
    }
    expect(text).toMatch(/30 dias/);
    expect(last!.choices[0].finish_reason).toBe('stop');
    expect((last!.choices[0].delta as unknown as { citations: Array<{ title: string }> }).citations[0].title).toBe('Política de férias');
  });

  it('uses the earlier messages as context for a follow-up', async () => {
    const r = await client.chat.completions.create({
      model: 'acervo',
      messages: [
        { role: 'user', content: 'Qual é a máquina de café da copa?' },
        { role: 'assistant', content: 'A máquina de café da copa é uma Saeco Xelsis. [1]' },
        { role: 'user', content: 'e quanto custa?' },
      ],
    });
    expect(r.choices[0].message.content).toMatch(/12\.400/);
    expect((r as unknown as { acervo: { rewritten_query: string } }).acervo.rewritten_query).toMatch(/máquina de café/);
  });

  it('refuses an unknown model name with a 400 the client reports', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'oi' }] })).rejects.toMatchObject({ status: 400 });
  });
});

void SERVER_MODE;
