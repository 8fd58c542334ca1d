import type { Response } from 'superagent';
import { CACHE_BACKEND, type CacheBackend } from '../src/shared/cache/cache.backend';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { SERVER_MODE, startTestApp, TestApp } from './support/app';
import { freePort, startRedis, TestRedis } from './support/redis';

const KB = [
  { title: 'Atendimento', text: 'O horário de atendimento do suporte humano é das 09h às 18h, de segunda a sexta, exceto feriados.' },
  { title: 'Reembolso', text: 'Para pedir reembolso, abra um ticket no Jira com a tag financeiro e anexe os comprovantes. O prazo de análise é de cinco dias úteis.' },
];
const Q = 'Qual é o horário de atendimento do suporte?';

async function ask(t: TestApp, question = Q, extra: Record<string, unknown> = {}) {
  const res = await t.http.post('/v1/ask').send({ question, collection: 'kb', ...extra });
  expect(res.status).toBe(200);
  return res.body as { answer: string; cache: string; usage: { total_tokens: number }; citations: unknown[] };
}

async function ingest(t: TestApp, doc: { title: string; text: string }): Promise<string> {
  const res = await t.http.post('/v1/documents').send({ ...doc, collection: 'kb' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function readiness(t: TestApp) {
  const res = await t.http.get('/health/ready');
  return { status: res.status, redis: res.body.details?.redis as Record<string, unknown> | undefined };
}

/** The behaviour both stores share: a repeat is a hit, any ingest or delete in the collection invalidates. */
async function expectInvalidation(t: TestApp) {
  const first = await ask(t);
  expect(first.cache).toBe('miss');
  const again = await ask(t, '  qual É o horário   de atendimento do SUPORTE?\n');
  expect(again).toMatchObject({ cache: 'hit', answer: first.answer, citations: first.citations });
  expect(again.usage.total_tokens).toBe(0);
  expect((await ask(t, Q, { top_k: 1 })).cache).toBe('miss'); // top_k is in the key

  const id = await ingest(t, { title: 'Plantão', text: 'O plantão de atendimento do suporte aos sábados funciona das 10h às 14h.' });
  expect((await ask(t)).cache).toBe('miss');
  expect((await ask(t)).cache).toBe('hit');
  expect((await t.http.delete(`/v1/documents/${id}`)).status).toBe(204);
  const afterDelete = await ask(t);
  expect(afterDelete.cache).toBe('miss');
  expect(afterDelete.answer).toBe(first.answer);
}

/** supertest's parser for an SSE body: the whole text. */
function asText(r: Response, cb: (err: Error | null, body: string) => void): void {
  let data = '';
  r.on('data', (c: Buffer) => (data += c.toString()));
  r.on('end', () => cb(null, data));
}

/** Every key and value the store holds (Redis: this server's keys under Keyv's namespace), as one text. */
async function stored(t: TestApp): Promise<string> {
  const { keyv } = t.app.get<CacheBackend>(CACHE_BACKEND);
  for (let attempt = 0; ; attempt++) {
    try {
      let text = '';
      for await (const [key, value] of keyv.iterator!(undefined)) text += `${String(key)} ${JSON.stringify(value)}\n`;
      return text;
    } catch (e) {
      // Keyv's Redis iterator reads a key a purge running beside it has just unlinked: read again
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The purge runs beside the answer, right after the commit (it never holds the database): the text is gone soon after. */
async function expectGone(t: TestApp, text: string): Promise<void> {
  let held = await stored(t);
  for (let i = 0; i < 100 && held.includes(text); i++) {
    await new Promise((r) => setTimeout(r, 20));
    held = await stored(t);
  }
  expect(held).not.toContain(text);
}

/**
 * Probe s15 #3: a deleted or replaced document's text does not stay in the cache (an erasure request) until the
 * TTL; the collection's other entries go with it, other collections' stay.
 */
async function expectErasure(t: TestApp) {
  const secret = { collection: 'priv', title: 'Demissão', text: 'O funcionário Carlos Pereira, CPF 529.982.247-25, será demitido em março por justa causa.' };
  const created = await t.http.post('/v1/documents').send(secret);
  expect(created.status).toBe(201);
  const question = { question: 'Quem será demitido em março?', collection: 'priv' };
  expect((await t.http.post('/v1/ask').send(question)).body).toMatchObject({ cache: 'miss', answer: expect.stringContaining('Carlos Pereira') });
  await ask(t); // an entry of another collection
  expect(await stored(t)).toContain('Carlos Pereira');
  expect((await t.http.delete(`/v1/documents/${created.body.id}`)).status).toBe(204);
  await expectGone(t, 'Carlos Pereira');
  expect((await ask(t)).cache).toBe('hit'); // kb's entries stay

  // a replacement (same source_id, new text) drops the answers that quoted the old text
  const v1 = { collection: 'priv', source_id: 'ramal', title: 'Ramal', text: 'O ramal da Beatriz Souza no financeiro é 4321.' };
  expect((await t.http.post('/v1/documents').send(v1)).status).toBe(201);
  expect((await t.http.post('/v1/ask').send({ question: 'Qual é o ramal do financeiro?', collection: 'priv' })).body.answer).toContain('4321');
  expect(await stored(t)).toContain('Beatriz Souza');
  expect((await t.http.post('/v1/documents').send({ ...v1, text: 'O ramal do financeiro é 5000.' })).status).toBe(201);
  await expectGone(t, 'Beatriz Souza');
}

describe('response cache on Redis (REDIS_URL)', () => {
  let redis: TestRedis;
  let t: TestApp;
  const logs: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    t = await startTestApp(
      { cache: { redis: { url: redis.url, connectTimeoutMs: 300, errorLogIntervalMs: 60_000 }, response: { enabled: true } } },
      { onLog: (line) => logs.push(line) },
    );
    for (const d of KB) await ingest(t, d);
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('a repeat question is a hit; an ingest and a delete invalidate it', async () => {
    expect(await readiness(t)).toEqual({ status: 200, redis: { store: 'redis', state: 'up', status: 'up' } });
    await expectInvalidation(t);
  });

  it("a document's delete or replacement drops its collection's entries from Redis, not the TTL", async () => {
    await expectErasure(t);
  });

  it('replays a hit as SSE events with cache: hit in done', async () => {
    await ask(t, 'Como pedir reembolso?');
    const res = await t.http
      .post('/v1/ask')
      .send({ question: 'Como pedir reembolso?', collection: 'kb', stream: true })
      .buffer(true)
      .parse(asText);
    expect(res.status).toBe(200);
    const events = [...(res.body as string).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('token');
    expect(events.at(-1)).toBe('done');
    const done = JSON.parse(/event: done\ndata: (.+)/.exec(res.body as string)![1]);
    expect(done).toMatchObject({ cache: 'hit', answer: expect.stringContaining('Jira') });
  });

  it('Redis killed: answers still 200 uncached, readiness 200 with redis degraded, one log line; back after a restart', async () => {
    await ask(t, 'Qual é o prazo de análise do reembolso?');
    await redis.kill();
    for (let i = 0; i < 5; i++) expect((await ask(t, 'Qual é o prazo de análise do reembolso?')).cache).toBe('miss');
    const down = await readiness(t);
    expect(down.status).toBe(200);
    expect(down.redis).toMatchObject({ store: 'redis', state: 'degraded', degraded: true, status: 'up' });
    expect(logs.filter((l) => l.includes('cache unavailable'))).toHaveLength(1);

    await redis.restart();
    for (let i = 0; i < 50 && (await readiness(t)).redis?.state !== 'up'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await readiness(t)).redis).toMatchObject({ state: 'up' });
    expect((await ask(t)).cache).toBe('miss'); // Redis restarted empty
    expect((await ask(t)).cache).toBe('hit');
  });
});

describe('Redis not there at start', () => {
  it('the app starts, answers uncached with readiness 200 (redis degraded), and uses Redis once it comes up', async () => {
    const port = await freePort();
    const t = await startTestApp({ cache: { redis: { url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 }, response: { enabled: true } } });
    let redis: TestRedis | undefined;
    try {
      for (const d of KB) await ingest(t, d);
      expect((await ask(t)).cache).toBe('miss');
      expect((await ask(t)).cache).toBe('miss');
      expect(await readiness(t)).toMatchObject({ status: 200, redis: { state: 'degraded', degraded: true } });
      redis = await startRedis(port);
      for (let i = 0; i < 50 && (await readiness(t)).redis?.state !== 'up'; i++) await new Promise((r) => setTimeout(r, 100));
      await ask(t);
      expect((await ask(t)).cache).toBe('hit');
    } finally {
      await t.close();
      await redis?.stop();
    }
  });
});

describe('response cache in memory (no REDIS_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ cache: { response: { enabled: true }, semantic: { enabled: true, threshold: 0.9 } } });
    for (const d of KB) await ingest(t, d);
  });
  afterAll(async () => t?.close());

  it('a repeat question is a hit; an ingest and a delete invalidate it; readiness has no redis entry', async () => {
    await expectInvalidation(t);
    expect(await readiness(t)).toEqual({ status: 200, redis: undefined });
  });

  it("a document's delete or replacement drops its collection's entries from memory", async () => {
    await expectErasure(t);
  });

  it('semantic: a close rewording reuses the answer, another question does not', async () => {
    // cosine 0.9+ with the hashing embedder (the closest pair of test/fixtures/cache/paraphrases-pt.json)
    const first = await ask(t);
    expect(first.cache).toBe('hit');
    const close = await ask(t, 'Qual o horário de atendimento do suporte?');
    expect(close).toMatchObject({ cache: 'semantic', answer: first.answer });
    expect((await ask(t, 'Qual é o prazo de análise?')).cache).toBe('miss');
  });

  it('GET /metrics counts the lookups by cache and outcome: a new question misses both, its repeat is a hit, a rewording a semantic hit', async () => {
    const lookups = async () => {
      const text = (await t.http.get('/metrics').expect(200)).text;
      const n = (cache: string, outcome: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`acervo_cache_lookups_total{cache="${cache}",outcome="${outcome}"} `));
        return line ? Number(line.split(' ')[1]) : 0;
      };
      return { responseHit: n('response', 'hit'), responseMiss: n('response', 'miss'), semanticHit: n('semantic', 'hit'), semanticMiss: n('semantic', 'miss') };
    };
    const before = await lookups();
    const question = 'Como pedir reembolso de despesas?';
    expect((await ask(t, question)).cache).toBe('miss');
    expect((await ask(t, question)).cache).toBe('hit');
    // the rewording of the test above (cosine 0.9+ with Q, cached there)
    expect((await ask(t, 'Qual o horário de atendimento do suporte?')).cache).toBe('semantic');
    const after = await lookups();
    expect({
      responseHit: after.responseHit - before.responseHit,
      responseMiss: after.responseMiss - before.responseMiss,
      semanticHit: after.semanticHit - before.semanticHit,
      semanticMiss: after.semanticMiss - before.semanticMiss,
    }).toEqual({ responseHit: 1, responseMiss: 2, semanticHit: 1, semanticMiss: 1 });
  });

  it('semantic: a long question that differs in one word, a number or a negation is not a hit (probe, session 14)', async () => {
    const docs = [
      { title: 'Hospedagem de gerentes', text: 'O valor máximo de reembolso de hospedagem por noite para gerentes em viagens a trabalho na região Sudeste é de R$ 400.' },
      { title: 'Hospedagem de diretores', text: 'O valor máximo de reembolso de hospedagem por noite para diretores em viagens a trabalho na região Sudeste é de R$ 700.' },
    ];
    for (const d of docs) expect((await t.http.post('/v1/documents').send({ ...d, collection: 'y' })).status).toBe(201);
    const y = (question: string) => ask(t, question, { collection: 'y' });
    const managers = 'Qual é o valor máximo de reembolso de hospedagem por noite para viagens a trabalho de gerentes na região Sudeste do Brasil?';
    expect(await y(managers)).toMatchObject({ cache: 'miss', answer: expect.stringContaining('R$ 400') });
    // cosine 0.901 with the hashing embedder: above the threshold, another fact
    const directors = await y(managers.replace('gerentes', 'diretores'));
    expect(directors).toMatchObject({ cache: 'miss', answer: expect.stringContaining('R$ 700') });
    // a rewording with the same terms is still a semantic hit: order, articles, inflection
    expect(await y('Qual o valor máximo de reembolso de hospedagem por noite para viagens a trabalho do gerente na região Sudeste do Brasil?')).toMatchObject({ cache: 'semantic', answer: expect.stringContaining('R$ 400') });
    for (const other of [
      'Qual é o valor máximo de reembolso de hospedagem por 2 noites para viagens a trabalho de gerentes na região Sudeste do Brasil?',
      'Não é o valor máximo de reembolso de hospedagem por noite para viagens a trabalho de gerentes na região Sudeste do Brasil?',
    ]) {
      expect((await y(other)).cache).toBe('miss');
    }
  });
});

describe('response cache in memory, two replicas on one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ cache: { response: { enabled: true } } });
    // the second process reaches the first one's database (embedded: its socket)
    const url = SERVER_MODE ? undefined : (a.dataSource.options as { url: string }).url;
    b = await startTestApp({ database: { url, poolSize: 2 }, cache: { response: { enabled: true } } }, { reset: false });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("a delete through one replica: the other drops the collection's entries from its memory at its next question there", async () => {
    const created = await a.http.post('/v1/documents').send({ collection: 'rep', title: 'Demissão', text: 'O funcionário Carlos Pereira será demitido em março.' });
    expect(created.status).toBe(201);
    const question = { question: 'Quem será demitido em março?', collection: 'rep' };
    expect((await b.http.post('/v1/ask').send(question)).body).toMatchObject({ cache: 'miss', answer: expect.stringContaining('Carlos Pereira') });
    expect(await stored(b)).toContain('Carlos Pereira');
    expect((await a.http.delete(`/v1/documents/${created.body.id}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, a.config.cache.response.corpusVersionMaxAgeMs + 100));
    expect((await b.http.post('/v1/ask').send({ question: 'Qual é o prazo?', collection: 'rep' })).status).toBe(200);
    await expectGone(b, 'Carlos Pereira');
  });
});

describe('response cache with a fallback chain', () => {
  const fake = new FakeOpenAiServer();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      cache: { response: { enabled: true } },
      generation: { llm: { provider: 'openai', fallback: ['extractive'], maxRetries: 0, openai: { baseUrl: fake.baseUrl, model: 'gpt-4o-mini' } } },
    });
    for (const d of KB) await ingest(t, d);
  });
  afterAll(async () => {
    await t?.close();
    await fake.close();
  });

  it("does not store a fallback's answer under the primary's key: the primary answers once it is back", async () => {
    fake.serverError({ times: Infinity });
    for (let i = 0; i < 2; i++) {
      const res = await t.http.post('/v1/ask').send({ question: Q, collection: 'kb' }).expect(200);
      expect(res.body).toMatchObject({ model: 'extractive:extractive-v1', cache: 'miss' });
    }
    fake.reset();
    fake.reply('O suporte humano atende das 09h às 18h, de segunda a sexta [1].');
    const back = await t.http.post('/v1/ask').send({ question: Q, collection: 'kb' }).expect(200);
    expect(back.body).toMatchObject({ model: 'openai:gpt-4o-mini', cache: 'miss' });
    const again = await t.http.post('/v1/ask').send({ question: Q, collection: 'kb' }).expect(200);
    expect(again.body).toMatchObject({ model: 'openai:gpt-4o-mini', cache: 'hit', answer: back.body.answer });
  });

  it('an answer computed while its document was deleted is not kept: the purge ran before it was stored (probe s15 #3)', async () => {
    fake.reset();
    const created = await t.http.post('/v1/documents').send({ collection: 'race', title: 'Demissão', text: 'O funcionário Carlos Pereira será demitido em março.' });
    expect(created.status).toBe(201);
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    fake.reply({ content: 'Carlos Pereira será demitido em março [1].', hold: { afterPieces: 1, until } });
    const before = fake.chatRequests().length;
    const asking = t.http
      .post('/v1/ask')
      .send({ question: 'Quem será demitido em março?', collection: 'race', stream: true })
      .buffer(true)
      .parse(asText)
      .then((r) => r);
    for (let i = 0; i < 200 && fake.chatRequests().length === before; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await t.http.delete(`/v1/documents/${created.body.id}`)).status).toBe(204);
    release();
    const res = await asking;
    expect(res.body as string).toContain('"cache":"miss"');
    expect(res.body as string).toContain('Carlos Pereira');
    await expectGone(t, 'Carlos Pereira');
  });
});
