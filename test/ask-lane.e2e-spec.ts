import { SearchHandler } from '../src/modules/retrieval';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { startTestApp, TestApp } from './support/app';

/**
 * Answers take turns (generation.ask.concurrency): at most that many are prepared at once per process (retrieval,
 * evidence, the extractive answer), the others wait in arrival order; a network LLM is waited for outside the lane.
 */
const TEXT =
  'Os backups são guardados por 30 dias. O notebook reserva é emprestado em até 4 horas úteis. A senha expira a cada 90 dias. ' +
  'O reembolso de táxi exige nota fiscal. O auxílio de internet é de R$ 80 por mês. O home office é permitido duas vezes por semana.';
const QUESTIONS = [
  'Por quantos dias os backups são guardados?',
  'Em quanto tempo o notebook reserva é emprestado?',
  'A cada quantos dias a senha expira?',
  'O que o reembolso de táxi exige?',
  'Qual é o valor do auxílio de internet?',
  'Quantas vezes por semana o home office é permitido?',
];

/** Counts the searches running at once; each waits until `hold` of them are in (or 2 s), so a lane that lets more in shows it. */
function countSearches(t: TestApp, hold: () => number): { max: () => number; restore: () => void } {
  const search = t.app.get(SearchHandler);
  const original = search.execute.bind(search);
  let running = 0;
  let max = 0;
  let arrived: () => void = () => undefined;
  let full = new Promise<void>((r) => (arrived = r));
  search.execute = async (q) => {
    running++;
    max = Math.max(max, running);
    if (running >= hold()) arrived();
    await Promise.race([full, new Promise((r) => setTimeout(r, 2000))]);
    try {
      return await original(q);
    } finally {
      if (--running === 0) full = new Promise<void>((r) => (arrived = r));
    }
  };
  return { max: () => max, restore: () => (search.execute = original) };
}

describe('/v1/ask takes turns (generation.ask.concurrency)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ generation: { ask: { concurrency: 1 } }, cache: { response: { enabled: false } } });
    await t.http.post('/v1/documents').send({ title: 'Regras', text: TEXT, collection: 'lane' }).expect(201);
  });
  afterAll(() => t?.close());

  it('prepares at most `concurrency` answers at once, the others waiting their turn, every one answered', async () => {
    for (const limit of [1, 3]) {
      t.config.generation.ask.concurrency = limit; // read at each turn, as a config reload applies it
      const searches = countSearches(t, () => limit);
      try {
        const answers = await Promise.all(QUESTIONS.map((question) => t.http.post('/v1/ask').send({ question, collection: 'lane' })));
        expect(answers.map((a) => a.status)).toEqual(QUESTIONS.map(() => 200));
        expect(answers[0].body.answer).toMatch(/30 dias/);
        expect(answers[4].body.answer).toMatch(/R\$ 80/);
        expect(searches.max()).toBe(limit);
      } finally {
        searches.restore();
      }
    }
  });
});

describe('/v1/ask with a network embedder and LLM: both are waited for outside the lane', () => {
  const fake = new FakeOpenAiServer({ apiKey: 'sk-test-123456789' });
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      cache: { response: { enabled: false } },
      retrieval: { embedder: { provider: 'openai', openai: { baseUrl: fake.baseUrl, apiKey: 'sk-test-123456789', dimension: 256, maxRetries: 0 } } },
      generation: {
        ask: { concurrency: 1 },
        llm: { provider: 'openai', maxRetries: 0, timeoutMs: 10000, openai: { baseUrl: fake.baseUrl, apiKey: 'sk-test-123456789', model: 'gpt-4o-mini' } },
      },
    });
    await t.http.post('/v1/documents').send({ title: 'Regras', text: TEXT, collection: 'lane' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await fake.close();
  });

  it('sends two questions to a slow embedder, and their answers to a slow model, at once with a lane of one', async () => {
    const SLOW_MS = 3000;
    const asked = fake.embeddingRequests().length;
    // (two: the embeddings client itself sends at most two requests at a time)
    fake.fail({ type: 'delay', ms: SLOW_MS }, { times: 2, path: '/v1/embeddings' });
    fake.fail({ type: 'delay', ms: SLOW_MS }, { times: 2, path: '/v1/chat/completions' });
    fake.reply('Os backups são guardados por 30 dias [1].', 'O notebook reserva sai em até 4 horas úteis [1].');
    const answers = await Promise.all(QUESTIONS.slice(0, 2).map((question) => t.http.post('/v1/ask').send({ question, collection: 'lane' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    // had a wait been in the lane, each request would have reached the server SLOW_MS after the one before
    const embedded = fake.embeddingRequests().slice(asked).map((r) => r.at);
    expect(embedded).toHaveLength(2);
    expect(Math.max(...embedded) - Math.min(...embedded)).toBeLessThan(SLOW_MS);
    const sent = fake.chatRequests().map((r) => r.at);
    expect(sent).toHaveLength(2);
    expect(Math.max(...sent) - Math.min(...sent)).toBeLessThan(SLOW_MS);
  });
});
