import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { UsageRecorder } from '../src/modules/metrics';
import { expectProblem, startTestApp, TestApp } from './support/app';

const KB = [
  { title: 'Atendimento', text: 'O horário de atendimento do suporte humano é das 09h às 18h, de segunda a sexta, exceto feriados.' },
  { title: 'Backups', text: 'Backups automáticos são realizados diariamente às 02h00 com retenção de 30 dias.' },
];
const QUESTION = 'Qual é o horário de atendimento do suporte humano?';
const ADMIN = { 'x-api-key': 'admin-secret' };

/** A loopback port nothing listens on (fetch refuses "bad ports" such as 9 before connecting). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('/v1/ask through a network LLM (OpenAI wire format on 127.0.0.1)', () => {
  const fake = new FakeOpenAiServer({ apiKey: 'sk-test-123456789' });
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      admin: { apiKey: 'admin-secret' },
      generation: {
        llm: {
          provider: 'openai',
          maxRetries: 2,
          timeoutMs: 1500,
          openai: { baseUrl: fake.baseUrl, apiKey: 'sk-test-123456789', model: 'gpt-4o-mini' },
        },
      },
    }, { onLog: (line) => logLines.push(line) });
    for (const d of KB) await t.http.post('/v1/documents').send({ ...d, collection: 'kb' }).expect(201);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it.each([
    ['its answer stream after the first event', true],
    ['its connection while the answer is generated', false],
  ])('a client that closes %s is not logged as a server error (issue 12), and the next ask is answered', async (_what, stream) => {
    fake.fail(stream ? { type: 'stream-stall', afterDeltas: 2 } : { type: 'hang' }, { times: 1 });
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const before = logLines.length;
    await t.app.get(UsageRecorder).flush();
    const [{ lastUsageId }] = await t.dataSource.query(`SELECT coalesce(max(id), 0)::int AS "lastUsageId" FROM usage_records`);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/ask', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => (req.destroy(), resolve())); // the first event arrived: the user closes the tab
      });
      req.on('error', (e) => (e.message === 'socket hang up' ? resolve() : reject(e)));
      req.end(JSON.stringify({ question: QUESTION, collection: 'kb', stream }));
      if (!stream) setTimeout(() => req.destroy(), 300);
    });
    await new Promise((r) => setTimeout(r, 500));
    const errors = logLines.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
    // the provider had the prompt (and streamed part of the answer): the cut call is a usage row, its tokens estimated
    await t.app.get(UsageRecorder).flush();
    const [cut] = await t.dataSource.query(`SELECT operation, prompt_tokens, completion_tokens FROM usage_records WHERE error = 'CLIENT_CLOSED' AND id > $1 ORDER BY id`, [lastUsageId]);
    expect(cut).toMatchObject({ operation: 'ask', completion_tokens: stream ? expect.any(Number) : 0 });
    expect(cut.prompt_tokens).toBeGreaterThan(100);
    if (stream) expect(cut.completion_tokens).toBeGreaterThan(0);
    expect((await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' })).status).toBe(200);
  });

  it('sends a grounded prompt from the config templates and returns verified citations with the provider usage', async () => {
    fake.reply('O suporte humano atende das 09h às 18h, de segunda a sexta [1]. A empresa foi fundada em 1990 [2].');
    const res = await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: 'openai:gpt-4o-mini', grounded: true, citations_verified: false, citations_dropped: 1 });
    expect(res.body.answer).toBe('O suporte humano atende das 09h às 18h, de segunda a sexta [1]. A empresa foi fundada em 1990.');
    expect(res.body.citations).toEqual([expect.objectContaining({ n: 1, title: 'Atendimento' })]);
    expect(res.body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(res.body.usage.completion_tokens).toBeGreaterThan(0);
    const [sent] = fake.chatRequests();
    expect(sent.headers.authorization).toBe('Bearer sk-test-123456789');
    const [system, user] = sent.body.messages as Array<{ role: string; content: string }>;
    expect(system.content).toContain('Não tenho essa informação nos documentos.');
    expect(user.content).toMatch(/\[1\] Atendimento\nO horário de atendimento/);
    expect(user.content).toContain(`Pergunta: ${QUESTION}`);
  });

  it('turns a model that says it does not know into the configured refusal', async () => {
    fake.reply('Não tenho essa informação específica.');
    const res = await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' });
    expect(res.body).toMatchObject({ answer: 'Não tenho essa informação nos documentos.', grounded: false, citations: [], abstained: 'model_declined' });
  });

  it('streams the provider tokens as SSE deltas', async () => {
    fake.reply('O suporte atende das 09h às 18h [1].');
    const res = await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb', stream: true }).buffer(true).parse((r, cb) => {
      let data = '';
      r.on('data', (c: Buffer) => (data += c.toString()));
      r.on('end', () => cb(null, data));
    });
    const events = (res.body as string).split('\n\n').filter(Boolean).map((b) => [/^event: (.+)$/m.exec(b)![1], JSON.parse(/^data: (.+)$/m.exec(b)![1])]);
    const tokens = events.filter(([e]) => e === 'token').map(([, d]) => d.text).join('');
    expect(tokens).toBe('O suporte atende das 09h às 18h [1].');
    expect(events.filter(([e]) => e === 'token').length).toBeGreaterThan(2);
    expect(events.at(-1)![0]).toBe('done');
    expect(events.at(-1)![1]).toMatchObject({ model: 'openai:gpt-4o-mini', grounded: true });
  });

  it('retries a 429 (retry-after) and a 500, then answers', async () => {
    fake.rateLimit(1, { times: 1 }).reply('O suporte atende das 09h às 18h [1].');
    const res = await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' });
    expect(res.status).toBe(200);
    expect(fake.chatRequests()).toHaveLength(2);
  });

  it('maps provider failures to 5xx problem+json without leaking the key', async () => {
    fake.serverError({ times: Infinity });
    const failed = expectProblem(await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' }), 502, 'GENERATION.LLM_FAILED');
    expect(fake.chatRequests()).toHaveLength(3); // 1 + 2 retries observed by the provider
    fake.reset();
    fake.unauthorized({ times: Infinity });
    const denied = expectProblem(await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' }), 503, 'GENERATION.LLM_UNAVAILABLE');
    fake.reset();
    fake.fail({ type: 'hang' }, { times: Infinity });
    expectProblem(await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' }), 504, 'GENERATION.LLM_TIMEOUT');
    for (const p of [failed, denied]) expect(JSON.stringify(p)).not.toContain('sk-test-123456789');
  });

  it('names no password of an endpoint URL (http://user:password@host) in a failed swap, the log or the audit log', async () => {
    const before = logLines.length;
    const url = fake.baseUrl.replace('http://', 'http://gateway-user:pw-do-not-show@');
    const failed = await t.http.put('/v1/admin/models/llm').set('x-api-key', 'admin-secret').send({ provider: 'openai', model: 'gpt-4o', options: { baseUrl: url } });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
    const audit = await t.http.get('/v1/admin/audit').set('x-api-key', 'admin-secret').expect(200);
    for (const text of [JSON.stringify(failed.body), logLines.slice(before).join('\n'), JSON.stringify(audit.body)]) expect(text).not.toContain('pw-do-not-show');
    expect((await t.http.get('/v1/model-info')).body.llm).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
  });

  it('swaps the LLM under concurrent requests with no failed request; a failing candidate leaves the active one', async () => {
    const statuses: number[] = [];
    const models = new Set<string>();
    let running = true;
    const load = (async () => {
      while (running) {
        const batch = await Promise.all(Array.from({ length: 4 }, () => t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' })));
        for (const r of batch) {
          statuses.push(r.status);
          models.add(r.body.model);
        }
      }
    })();
    const swap = (body: object) => t.http.put('/v1/admin/models/llm').set(ADMIN).send(body);
    expect((await swap({ provider: 'extractive' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const back = await swap({ provider: 'openai', model: 'gpt-4o', options: { baseUrl: fake.baseUrl, apiKey: 'sk-test-123456789' } });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ llm: { provider: 'openai', model: 'gpt-4o' }, previous: 'extractive:extractive-v1' });
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(8);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(models).toEqual(new Set(['openai:gpt-4o-mini', 'extractive:extractive-v1', 'openai:gpt-4o']));

    const bad = await swap({ provider: 'ollama', options: { baseUrl: `http://127.0.0.1:${await closedPort()}` } });
    expect(bad.status).toBe(503);
    expect((await t.http.get('/v1/model-info')).body.llm).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
    expect((await t.http.get('/health/ready')).body.info.llm).toMatchObject({ status: 'up', provider: 'openai' });
  });
});

describe('/v1/ask fallback chain', () => {
  const fake = new FakeOpenAiServer();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      generation: { llm: { provider: 'openai', fallback: ['extractive'], maxRetries: 0, openai: { baseUrl: fake.baseUrl, model: 'gpt-4o-mini' } } },
    });
    for (const d of KB) await t.http.post('/v1/documents').send({ ...d, collection: 'kb' }).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('answers from the next provider when the primary fails', async () => {
    fake.serverError({ times: Infinity });
    const res = await t.http.post('/v1/ask').send({ question: QUESTION, collection: 'kb' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: 'extractive:extractive-v1', grounded: true });
    expect(fake.chatRequests().length).toBeGreaterThanOrEqual(1);
  });
});
