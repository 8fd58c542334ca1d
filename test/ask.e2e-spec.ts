import { AskHandler } from '../src/modules/generation';
import { loadSquad } from '../src/bench/squad';
import { fold } from '../src/shared/text/lexical';
import { expectProblem, startTestApp, TestApp } from './support/app';

const KB = [
  { title: 'Atendimento', text: 'O horário de atendimento do suporte humano é das 09h às 18h, de segunda a sexta, exceto feriados. Aos sábados o atendimento é apenas por chat automático.' },
  { title: 'Reembolso', text: 'Para pedir reembolso, abra um ticket no Jira com a tag financeiro e anexe os comprovantes. O prazo de análise é de cinco dias úteis.' },
  { title: 'Backups', text: 'Backups automáticos são realizados diariamente às 02h00 com retenção de 30 dias. As restaurações são pedidas ao time de infraestrutura.' },
];

/** Parses an SSE body into [event, data] pairs. */
function parseSse(body: string): Array<[string, Record<string, unknown>]> {
  return body
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? '{}');
      return [event, data];
    });
}

describe('/v1/ask (extractive, offline)', () => {
  // its SQuAD-pt pass ran past 60 s on this 2-CPU machine when shared with an eval: a harness limit, not a speed assertion
  jest.setTimeout(180_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: 'admin-secret' } });
    for (const d of KB) await t.http.post('/v1/documents').send({ ...d, collection: 'kb' }).expect(201);
  });
  afterAll(async () => t.close());

  it('answers with retrieved sentences, inline citations mapped to chunks, usage and timings', async () => {
    const res = await t.http.post('/v1/ask').send({ question: 'Qual é o horário de atendimento do suporte?', collection: 'kb' });
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.grounded).toBe(true);
    expect(b.answer).toMatch(/09h às 18h.*\[1\]/);
    expect(b.citations[0]).toMatchObject({ n: 1, title: 'Atendimento', document_id: expect.any(String), chunk_id: expect.any(String), quote: expect.stringContaining('09h às 18h') });
    expect(b.model).toBe('extractive:extractive-v1');
    expect(b.usage.total_tokens).toBe(b.usage.prompt_tokens + b.usage.completion_tokens);
    expect(b.usage.prompt_tokens).toBeGreaterThan(0);
    expect(Object.keys(b.timings)).toEqual(['embed_ms', 'search_ms', 'generate_ms', 'total_ms']);
    expect(b.citations_verified).toBe(true);
  });

  it('abstains on a topic absent from the documents and never invents sources', async () => {
    for (const question of ['Quem venceu a Copa do Mundo de 1970?', 'Qual é a receita de bolo de cenoura da empresa?']) {
      const b = (await t.http.post('/v1/ask').send({ question, collection: 'kb' })).body;
      expect(b).toMatchObject({ answer: 'Não tenho essa informação nos documentos.', grounded: false, citations: [] });
      expect(b.abstained).toBeDefined();
    }
  });

  it('streams token deltas, then citations, then done with usage and timings', async () => {
    const res = await t.http.post('/v1/ask').send({ question: 'Como pedir reembolso?', collection: 'kb', stream: true }).buffer(true).parse((r, cb) => {
      let data = '';
      r.on('data', (c: Buffer) => (data += c.toString()));
      r.on('end', () => cb(null, data));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = parseSse(res.body as string);
    const kinds = events.map(([e]) => e);
    expect(kinds[0]).toBe('token');
    expect(kinds.at(-1)).toBe('done');
    expect(kinds.indexOf('citation')).toBeGreaterThan(kinds.lastIndexOf('token'));
    const tokens = events.filter(([e]) => e === 'token').map(([, d]) => d.text as string);
    expect(tokens.length).toBeGreaterThan(1);
    const done = events.at(-1)![1] as { answer: string; usage: { total_tokens: number }; timings: object; grounded: boolean };
    expect(tokens.join('')).toBe(done.answer); // deltas, not cumulative text
    expect(done.grounded).toBe(true);
    expect(done.usage.total_tokens).toBeGreaterThan(0);
    expect(done.timings).toHaveProperty('total_ms');
  });

  it('refuses bad requests with problem+json (before any stream starts)', async () => {
    expectProblem(await t.http.post('/v1/ask').send({ question: '' }), 400, 'REQUEST.VALIDATION');
    expectProblem(await t.http.post('/v1/ask').send({ question: 'x', collection: 'nao-existe' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.post('/v1/ask').send({ question: 'x', collection: 'nao-existe', stream: true }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
  });

  it('reports model info and protects the admin endpoints', async () => {
    const info = (await t.http.get('/v1/model-info')).body;
    expect(info.llm).toMatchObject({ provider: 'extractive', kind: 'extractive', streaming: true });
    expect(info.embedder).toMatchObject({ provider: 'hashing', kind: 'lexical', dimension: 384 });
    expect(info.collections).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'kb', embedder: 'hashing:v1:384' })]));
    expectProblem(await t.http.put('/v1/admin/models/llm').send({ provider: 'extractive' }), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await t.http.put('/v1/admin/models/llm').set('x-api-key', 'wrong').send({ provider: 'extractive' }), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await t.http.put('/v1/admin/models/llm').set('authorization', 'Bearer admin-secret').send({ provider: 'gpt-9' }), 400, 'REQUEST.VALIDATION');
    const ok = await t.http.put('/v1/admin/models/llm').set('x-api-key', 'admin-secret').send({ provider: 'extractive' });
    expect(ok.status).toBe(200);
    expect(ok.body.llm.provider).toBe('extractive');
    const ready = (await t.http.get('/health/ready')).body;
    expect(ready.info.llm).toMatchObject({ status: 'up', provider: 'extractive' });
  });

  it('admin endpoints are disabled (403) when no ADMIN_API_KEY is configured', async () => {
    const bare = await startTestApp();
    try {
      const p = expectProblem(await bare.http.put('/v1/admin/models/llm').set('x-api-key', 'anything').send({ provider: 'extractive' }), 403, 'ADMIN.DISABLED');
      expect(p.detail).toMatch(/ADMIN_API_KEY/);
    } finally {
      await bare.close();
    }
  });

  it('SQuAD-pt: short extractive answers that hold the gold answer, refusing few answerable questions', async () => {
    const { paragraphs, questions } = loadSquad();
    const docs = paragraphs.map((p) => ({ title: p.article.replace(/_/g, ' '), text: p.context }));
    await t.http.post('/v1/documents').field('collection', 'squad-ask').attach('files', Buffer.from(JSON.stringify(docs)), 'squad.json').expect(201);
    const ask = t.app.get(AskHandler);
    const norm = (s: string) => ` ${fold(s).replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
    const contextOf = new Map(paragraphs.map((p) => [p.id, norm(p.context)]));
    let answerable = 0;
    let refused = 0;
    let holds = 0;
    const lengths: number[] = [];
    // every third question whose gold text occurs in its paragraph (the translation often renders it otherwise)
    const sample = questions.filter((q, i) => i % 3 === 0 && q.answers.some((a) => contextOf.get(q.paragraphId)!.includes(norm(a))));
    for (const q of sample) {
      const r = await ask.execute({ question: q.question, collection: 'squad-ask' });
      answerable++;
      if (r.abstained) {
        refused++;
        continue;
      }
      const answer = r.answer.replace(/\s?\[\d+\]/g, '');
      lengths.push(answer.length);
      if (q.answers.some((a) => norm(answer).includes(norm(a)))) holds++;
    }
    const median = lengths.sort((a, b) => a - b)[Math.floor(lengths.length / 2)];
    console.log(`SQuAD-pt extractive ask (${answerable} answerable questions): gold in answer ${(holds / (answerable - refused)).toFixed(3)}, refused ${(refused / answerable).toFixed(3)}, median ${median} chars`);
    // measured 0.67 / 0.04 / 176 chars on this sample (npm run eval -- --set squad scores the whole set)
    expect(holds / (answerable - refused)).toBeGreaterThan(0.62);
    expect(refused / answerable).toBeLessThan(0.08);
    expect(median).toBeLessThan(300);
  });
});
