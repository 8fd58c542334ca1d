import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { expectOpenAiError, expectProblem, startTestApp, TestApp } from './support/app';
import { FakeOpenAiServer } from './support/fake-openai.server';

// The OpenAI-compatible routes as OpenAI clients meet them, with a tool-calling model (the fake OpenAI server) behind:
// errors in OpenAI's shape (JSON and mid-stream), a cut answer reported as cut, threads holding a tool round, the
// per-reply cap on tool calls.

const COFFEE = { title: 'Copa do escritório', text: 'A máquina de café da copa é uma Saeco Xelsis. A máquina custou R$ 12.400 e tem manutenção mensal pela empresa Cafés do Sul.' };
const QUESTION = 'Qual é a máquina de café da copa?';
const CUT = { content: 'A máquina de café da copa é uma Saeco', finishReason: 'length' };
const BOOM = { type: 'status' as const, status: 500, body: { error: { message: 'boom', type: 'server_error' } } };

describe('OpenAI-compatible API with a tool-calling model (official openai client, fake OpenAI server)', () => {
  let t: TestApp;
  let fake: FakeOpenAiServer;
  let client: OpenAI;

  beforeAll(async () => {
    fake = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'] });
    const baseUrl = await fake.start();
    t = await startTestApp({
      generation: { llm: { provider: 'openai', maxRetries: 0, openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } } },
      conversation: { agent: { maxToolCalls: 2 } },
      cache: { response: { enabled: true } },
    });
    await t.http.post('/v1/documents').send(COFFEE).expect(201);
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('errors reach the client with their message: OpenAI error bodies with the same status on these routes, problem+json elsewhere', async () => {
    await expect(client.chat.completions.create({ model: 'acervo', messages: [{ role: 'system', content: 'x' }] })).rejects.toMatchObject({
      status: 400,
      message: '400 messages must contain a user message',
      code: 'CONVERSATION.NO_USER_MESSAGE',
      type: 'invalid_request_error',
      param: 'messages',
    });
    const invalid = expectOpenAiError(await t.http.post('/v1/chat/completions').send({ model: 'gpt-4o', messages: [{ role: 'user', content: 'oi' }] }), 400, 'REQUEST.VALIDATION');
    expect(invalid).toEqual({ message: 'Request validation failed: model: model must be "acervo" or "acervo:<collection>"', type: 'invalid_request_error', code: 'REQUEST.VALIDATION', param: 'model' });
    // before routing too (the body parser), and on the model routes
    expectOpenAiError(await t.http.post('/v1/chat/completions').set('content-type', 'application/json').send('{"model":'), 400, 'REQUEST.MALFORMED_JSON');
    await expect(client.models.retrieve('acervo:financeiro')).rejects.toMatchObject({
      status: 404,
      code: 'CONVERSATION.MODEL_NOT_FOUND',
      message: '404 The model `acervo:financeiro` does not exist: the models are acervo and acervo:<collection> (GET /v1/models).',
    });
    // the model down: 502 with the provider's failure, as OpenAI's server_error
    fake.http.fail(BOOM);
    const down = await t.http.post('/v1/chat/completions').send({ model: 'acervo', messages: [{ role: 'user', content: QUESTION }] });
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect(down.body.error).toMatchObject({ type: 'server_error', code: expect.stringMatching(/^GENERATION\./) });
    // every other route keeps application/problem+json
    expectProblem(await t.http.post('/v1/chat').set('content-type', 'application/json').send('{"user_id":'), 400, 'REQUEST.MALFORMED_JSON');
    expectProblem(await t.http.post('/v1/chat').send({ user_id: 'ana', message: ' ' }), 400, 'REQUEST.VALIDATION');
  });

  it('a failure after the stream began is an OpenAI error frame the client raises, not a stream that ends normally', async () => {
    // the model asks for a search (the stream begins with the tool call), then fails on the answer
    fake.reply({ content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: { query: 'máquina de café' } }] });
    fake.http.fail({ type: 'delay', ms: 0 }).fail(BOOM);
    const stream = await client.chat.completions.create({ model: 'acervo', stream: true, messages: [{ role: 'user', content: QUESTION }] });
    const chunks: unknown[] = [];
    const read = (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })();
    await expect(read).rejects.toMatchObject({ code: expect.stringMatching(/^GENERATION\./), type: 'server_error', message: expect.stringMatching(/\S/) });
    expect(chunks).toHaveLength(1); // the role chunk: the failure came after streaming started
    // on the wire: a bare data frame with OpenAI's error body (no `event: error`, no problem+json)
    fake.reply({ content: '', toolCalls: [{ name: 'knowledge_base_search', arguments: { query: 'máquina de café' } }] });
    fake.http.fail({ type: 'delay', ms: 0 }).fail(BOOM);
    const raw = await t.http.post('/v1/chat/completions').send({ model: 'acervo', stream: true, messages: [{ role: 'user', content: QUESTION }] }).expect(200);
    const frames = raw.text.split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toMatch(/^data: \{"error":/);
    expect(JSON.parse(frames.at(-1)!.slice('data: '.length))).toEqual({ error: { message: expect.stringMatching(/failed/), type: 'server_error', code: 'GENERATION.LLM_FAILED', param: null } });
    expect(raw.text).not.toMatch(/^event: /m);
  });

  it('a cut answer (finish_reason "length") is reported as cut on every route, and /v1/ask does not cache it', async () => {
    fake.reply(CUT);
    const json = await client.chat.completions.create({ model: 'acervo', messages: [{ role: 'user', content: QUESTION }] });
    expect(json.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: CUT.content } });

    fake.reply(CUT);
    const stream = await client.chat.completions.create({ model: 'acervo', stream: true, messages: [{ role: 'user', content: QUESTION }] });
    const finishes: Array<string | null> = [];
    for await (const chunk of stream) if (chunk.choices[0]) finishes.push(chunk.choices[0].finish_reason);
    expect(finishes.at(-1)).toBe('length');

    fake.reply(CUT, { content: 'A máquina de café da copa é uma Saeco Xelsis.', finishReason: 'content_filter' });
    expect((await t.http.post('/v1/chat').send({ user_id: 'ana', message: QUESTION }).expect(200)).body).toMatchObject({ response: CUT.content, truncated: 'length' });
    expect((await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Quem faz a manutenção da máquina de café?' }).expect(200)).body.truncated).toBe('content_filter');

    // /v1/ask: flagged, and computed again next time (a finished answer is cached: the control)
    const question = 'Quanto custou a máquina de café da copa?';
    fake.reply({ ...CUT, content: 'A máquina de café custou R$ 12.400 [1] e' }, 'A máquina de café custou R$ 12.400. [1]');
    const first = await t.http.post('/v1/ask').send({ question }).expect(200);
    expect(first.body).toMatchObject({ truncated: 'length', cache: 'miss' });
    const second = await t.http.post('/v1/ask').send({ question }).expect(200);
    expect(second.body).toMatchObject({ answer: 'A máquina de café custou R$ 12.400. [1]', cache: 'miss' });
    expect(second.body).not.toHaveProperty('truncated');
    expect((await t.http.post('/v1/ask').send({ question }).expect(200)).body.cache).toBe('hit');
  });

  it('accepts a thread holding a tool round (assistant content null with tool_calls, then a tool message); models.retrieve', async () => {
    fake.reply('Quanto custou a máquina de café da copa?', 'A máquina de café da copa custou R$ 12.400.');
    const r = await client.chat.completions.create({
      model: 'acervo',
      messages: [
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'x' },
        { role: 'assistant', content: 'Uma Saeco Xelsis.' },
        { role: 'user', content: 'e quanto custou?' },
      ],
    });
    expect(r.choices[0].message.content).toBe('A máquina de café da copa custou R$ 12.400.');
    // the empty assistant turn and the client's tool result are no context: the rewrite saw the text turns only
    const rewrite = fake.chatRequests()[0].body.messages![0].content as string;
    expect(rewrite).toMatch(/Usuário: Qual é a máquina de café da copa\?\nAssistente: Uma Saeco Xelsis\./);
    // a thread whose last user message is the question, followed by the tool round, is answered too
    fake.reply('Uma Saeco Xelsis.');
    await t.http
      .post('/v1/chat/completions')
      .send({ model: 'acervo', messages: [{ role: 'user', content: QUESTION }, { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: null }] })
      .expect(200);
    // a user message still needs its content
    expectOpenAiError(await t.http.post('/v1/chat/completions').send({ model: 'acervo', messages: [{ role: 'user', content: null }] }), 400, 'REQUEST.VALIDATION');

    expect(await client.models.retrieve('acervo')).toMatchObject({ id: 'acervo', object: 'model', owned_by: 'acervo' });
    await t.http.post('/v1/documents').send({ ...COFFEE, collection: 'rh' }).expect(201);
    expect((await client.models.retrieve('acervo:rh')).id).toBe('acervo:rh');
  });

  it('runs at most conversation.agent.maxToolCalls tool calls of one model reply; the others are errors the model reads', async () => {
    const search = (query: string) => ({ name: 'knowledge_base_search', arguments: { query } });
    fake.reply({ content: '', toolCalls: [search('café'), search('máquina'), search('copa'), search('Saeco')] }, 'Uma Saeco Xelsis. [1]');
    const r = await t.http.post('/v1/chat').send({ user_id: 'bia', message: QUESTION }).expect(200);
    expect(r.body.tool_calls).toEqual([
      expect.objectContaining({ name: 'knowledge_base_search', ok: true, arguments: { query: 'café' } }),
      expect.objectContaining({ name: 'knowledge_base_search', ok: true, arguments: { query: 'máquina' } }),
      expect.objectContaining({ name: 'knowledge_base_search', ok: false, ms: 0, error: 'limite de 2 chamadas de ferramenta por resposta atingido; esta chamada não foi executada' }),
      expect.objectContaining({ name: 'knowledge_base_search', ok: false, ms: 0, error: expect.stringMatching(/^limite de 2 chamadas/) }),
    ]);
    const calls = fake.chatRequests();
    expect(calls).toHaveLength(2);
    // every call of the reply has its tool message (the API requires one per call id); the refused ones say why
    const tools = (calls[1].body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool').map((m) => m.content);
    expect(tools).toHaveLength(4);
    expect(tools.slice(0, 2).every((c) => /Saeco Xelsis/.test(c))).toBe(true);
    expect(tools.slice(2)).toEqual(Array(2).fill('ERRO: limite de 2 chamadas de ferramenta por resposta atingido; esta chamada não foi executada. Responda com os resultados que já tem.'));
  });
});
