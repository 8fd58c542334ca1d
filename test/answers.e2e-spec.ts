import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answeredWithFact, loadSet, runEval } from '../src/bench/eval';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ANIME_CSV } from './support/fixtures';
import { startTestApp, TestApp } from './support/app';

const OFFICE = join(__dirname, '..', 'eval', 'office', 'docs');
const REFUSAL = 'Não tenho essa informação nos documentos.';

/** The answers a new user met in the issue, asked as they asked them, over the office documents. */
describe('/v1/ask answers a Portuguese-speaking user trusts (offline extractive answerer)', () => {
  // the anime CSV example ran past 60 s (82 s) in a CI run that shared this 2-CPU machine with an eval: a harness
  // limit for a loaded machine, not a speed assertion
  jest.setTimeout(180_000);
  let t: TestApp;
  const ask = async (question: string, collection = 'office') => {
    const res = await t.http.post('/v1/ask').send({ question, collection });
    expect(res.status).toBe(200);
    return res.body as { answer: string; abstained?: string; citations: Array<{ n: number; title: string; document_id: string }>; evidence: number };
  };

  beforeAll(async () => {
    t = await startTestApp();
    for (const f of ['faq-ti.md', 'manual-cafeteira.txt', 'politica-ferias-licencas.md', 'politica-viagens.html', 'beneficios.md']) {
      await t.http.post('/v1/documents').field('collection', 'office').attach('files', readFileSync(join(OFFICE, f)), f).expect(201);
    }
  });
  afterAll(() => t.close());
  /** The README quick start's two example files, into a collection of their own. */
  const uploadExamples = async (collection: string) => {
    const examples = join(__dirname, '..', 'examples');
    await t.http
      .post('/v1/documents')
      .field('collection', collection)
      .attach('files', readFileSync(join(examples, 'politica-de-ferias.md')), 'politica-de-ferias.md')
      .attach('files', readFileSync(join(examples, 'faq-ti.csv')), 'faq-ti.csv')
      .expect(201);
  };

  it('answers "Posso vender parte das minhas férias?" with the 10 days, in one cited sentence', async () => {
    const r = await ask('Posso vender parte das minhas férias?');
    expect(r.abstained).toBeUndefined();
    expect(r.answer).toMatch(/10 dias/);
    expect(r.answer.match(/\[\d+\]/g)).toHaveLength(1);
    expect(r.citations[0].title).toMatch(/Férias/);
  });

  it('answers the deadline to "prestar contas" of a trip although the policy says "prestação de contas"', async () => {
    const r = await ask('Qual é o prazo para prestar contas de uma viagem?');
    expect(r.abstained).toBeUndefined();
    expect(r.answer).toMatch(/5 dias úteis/);
    expect(r.citations[0].title).toMatch(/Viagens/);
  });

  it('answers "Meu notebook quebrou, o que eu faço?" with the instruction, not the heading or the question line', async () => {
    const r = await ask('Meu notebook quebrou, o que eu faço?');
    expect(r.answer).toMatch(/^Abra um chamado na categoria Hardware no Portal de Chamados/); // plain text: no Markdown markers
    expect(r.answer).not.toMatch(/#|O que eu faço\?/);
  });

  it('answers "Quantos dias de licença-maternidade?" with the fact and nothing from another passage', async () => {
    const r = await ask('Quantos dias de licença-maternidade?');
    expect(r.answer).toMatch(/180 dias/);
    expect(r.answer).not.toMatch(/senha/i);
    expect(new Set(r.citations.map((c) => c.document_id)).size).toBe(1);
    expect(r.answer.length).toBeLessThan(300);
  });

  it('answers from the second half of a section the chunker cut, under the heading its chunk starts below', async () => {
    // the coffee machine manual's "4. DESCALCIFICAÇÃO" section: the heading ends one chunk, "Procedimento (leva cerca de
    // 25 minutos)" opens the next, which alone never says "descalcificação"
    const search = await t.http.post('/v1/search').send({ query: 'Procedimento leva cerca de 25 minutos', collection: 'office', top_k: 1, mode: 'text' }).expect(200);
    expect(search.body.hits[0]).toMatchObject({ heading: '4. DESCALCIFICAÇÃO' });
    expect(search.body.hits[0].text).not.toMatch(/DESCALCIFICAÇÃO/);
    const r = await ask('Quanto tempo demora a descalcificação?');
    expect(r.abstained).toBeUndefined();
    expect(r.answer).toMatch(/25 minutos/);
  });

  it('refuses questions the documents do not answer', async () => {
    for (const q of ['Quem ganhou a Copa de 2002?', 'Como faço bolo de cenoura?', 'Qual a capital da Austrália?']) {
      const r = await ask(q);
      expect({ q, answer: r.answer, abstained: r.abstained }).toEqual({ q, answer: REFUSAL, abstained: 'no_evidence' });
    }
  });

  it('answers from a one-document collection: "Qual é o valor do auxílio de internet?"', async () => {
    await t.http.post('/v1/documents').send({ title: 'Auxílio', text: 'O auxílio de internet é de R$ 80 por mês.', collection: 'one-doc' }).expect(201);
    const r = await ask('Qual é o valor do auxílio de internet?', 'one-doc');
    expect(r.answer).toBe('O auxílio de internet é de R$ 80 por mês. [1]');
    expect(r.evidence).toBeGreaterThanOrEqual(0.9);
  });

  it("answers the README quick start's FAQ (examples/faq-ti.csv) asked word for word, with the row's answer, never its record line", async () => {
    await uploadExamples('quick-start');
    const expected: Array<[string, RegExp]> = [
      ['Como redefino a senha da VPN?', /^A senha da VPN é redefinida no portal de acesso/],
      ['Qual é a senha do Wi-Fi para visitantes?', /senha que muda toda segunda-feira|recepção informa a senha/],
      ['Meu notebook quebrou. O que faço?', /^Abra um chamado na fila "Equipamentos"/],
      ['Recebi um e-mail suspeito. Como reporto?', /Encaminhe a mensagem como anexo para seguranca@empresa\.com\.br/],
      ['Posso instalar programas no notebook da empresa?', /^Somente programas do catálogo de software/],
      ['Quantos dias de férias posso vender?', /10 dias/],
      // the first example, on the quick start's own policy (refused there with evidence 0.45 until session 18)
      ['Posso vender parte das minhas férias?', /10 dias/],
    ];
    for (const [question, fact] of expected) {
      const r = await ask(question, 'quick-start');
      expect({ question, answer: r.answer, abstained: r.abstained }).toEqual({ question, answer: expect.stringMatching(fact), abstained: undefined });
      // the row's "campo: valor" line is quotable for a field asked about, never as a FAQ answer
      expect(r.answer).not.toMatch(/pergunta:|\bid: \d/);
    }
  });

  it('answers a reimbursement policy as asked and refuses a subject whose only document was deleted (probe D5)', async () => {
    await uploadExamples('probe');
    const reimbursement = [
      '# Política de reembolso de despesas',
      'As despesas de viagem são reembolsadas em até 15 dias úteis após a aprovação do gestor.\nO limite diário de alimentação é de R$ 120,00 por colaborador.',
      '## Como pedir',
      'O pedido de reembolso é feito no portal financeiro, anexando as notas fiscais digitalizadas.\nDespesas sem nota fiscal não são reembolsadas.',
    ].join('\n\n');
    await t.http.post('/v1/documents').send({ title: 'Política de reembolso de despesas', text: reimbursement, collection: 'probe' }).expect(201);
    const duty = 'Escala de plantão do suporte\n\nO plantão de fim de semana começa no sábado às 8h e termina na segunda às 8h.\nQuem está de plantão recebe um adicional de 30% sobre as horas trabalhadas.\nA troca de plantão deve ser combinada com o coordenador com 48 horas de antecedência.';
    const dutyDoc = await t.http.post('/v1/documents').send({ title: 'Escala de plantão do suporte', text: duty, collection: 'probe' }).expect(201);

    const weekend = 'Quando começa o plantão de fim de semana?';
    const before = await ask(weekend, 'probe');
    await t.http.delete(`/v1/documents/${dutyDoc.body.id}`).expect(204);
    const answers = {
      // "como peço": the instruction, not the rule about receipts beside it
      howTo: (await ask('Como peço reembolso de despesas?', 'probe')).answer,
      // "reembolso … pago" / "são reembolsadas em até 15 dias úteis": the policy says the act otherwise
      days: (await ask('Em quantos dias o reembolso é pago?', 'probe')).answer,
      weekend: before.answer,
      // once the only document on the subject is gone, "começar" and "semanal" in the holiday policy do not answer it
      deleted: await ask(weekend, 'probe').then((r) => ({ answer: r.answer, abstained: r.abstained })),
    };
    expect(answers).toEqual({
      howTo: expect.stringMatching(/^O pedido de reembolso é feito no portal financeiro/),
      days: expect.stringMatching(/15 dias úteis/),
      weekend: expect.stringMatching(/sábado às 8h/),
      deleted: { answer: REFUSAL, abstained: 'no_evidence' },
    });
  });

  it('answers "What is Cowboy Bebop about?" from its own row, never from a fragment cut mid-word', async () => {
    await t.http.post('/v1/documents').field('collection', 'anime').attach('files', readFileSync(ANIME_CSV), 'anime.csv').expect(201);
    const r = await ask('What is Cowboy Bebop about?', 'anime');
    expect(r.abstained).toBeUndefined();
    expect(new Set(r.citations.map((c) => c.title))).toEqual(new Set(['Cowboy Bebop']));
    for (const sentence of r.answer.split(/(?<=\])\s+/)) expect(sentence).toMatch(/^[\p{Lu}\d"'(]/u);
  });

  it('npm run eval scores a JSONL set against the running app (report fields as documented)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acervo-eval-set-'));
    try {
      writeFileSync(join(dir, 'docs.txt'), 'Os backups são guardados por 30 dias.\n\nO auxílio de internet é de R$ 80 por mês.');
      const lines = [
        { question: 'Por quantos dias os backups são guardados?', answer: '30 dias', document: 'docs.txt' },
        { question: 'Qual é o valor do auxílio de internet?', answer: 'R$ 80', document: 'docs.txt' },
        { question: 'Quem ganhou a Copa de 2002?', type: 'off_topic' },
      ];
      writeFileSync(join(dir, 'set.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
      const docs = join(dir, 'docs');
      mkdirSync(docs);
      renameSync(join(dir, 'docs.txt'), join(docs, 'docs.txt'));
      await t.app.listen(0, '127.0.0.1');
      const base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
      const report = await runEval(loadSet(join(dir, 'set.jsonl'), { docs }), base);
      expect(report.retrieval).toMatchObject({ r1: 1, r5: 1, r10: 1, mrr: 1 });
      expect(report.answers.contains).toBe(1);
      expect(report.abstention).toEqual({ off_topic_refused: 1, answerable_refused: 0 });
      expect(report.citations.precision).toBe(1);
      expect(answeredWithFact(report)).toBe(1);
      expect(report.latency_ms.p50).toBeGreaterThan(0);
      expect(report.misses).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('/v1/ask with a network LLM: the gate refuses only clearly empty retrieval, the model decides the rest', () => {
  const fake = new FakeOpenAiServer({ apiKey: 'sk-test-123456789' });
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      generation: { llm: { provider: 'openai', maxRetries: 0, timeoutMs: 3000, openai: { baseUrl: fake.baseUrl, apiKey: 'sk-test-123456789', model: 'gpt-4o-mini' } } },
    });
    await t.http.post('/v1/documents').send({ title: 'Backups', text: 'Os backups são guardados por 30 dias.', collection: 'one-doc' }).expect(201);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('asks the model "Por quantos dias os backups são guardados?" on a one-document collection', async () => {
    fake.reply('Os backups são guardados por 30 dias [1].');
    const res = await t.http.post('/v1/ask').send({ question: 'Por quantos dias os backups são guardados?', collection: 'one-doc' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ answer: 'Os backups são guardados por 30 dias [1].', grounded: true, model: 'openai:gpt-4o-mini' });
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('lets the model decline a borderline question, and does not call it for an unrelated one', async () => {
    fake.reply(REFUSAL);
    const borderline = await t.http.post('/v1/ask').send({ question: 'Os backups da diretoria são guardados onde?', collection: 'one-doc' });
    expect(borderline.body).toMatchObject({ answer: REFUSAL, abstained: 'model_declined' });
    expect(fake.chatRequests()).toHaveLength(1);
    fake.reset();
    const unrelated = await t.http.post('/v1/ask').send({ question: 'Quem ganhou a Copa de 1970?', collection: 'one-doc' });
    expect(unrelated.body).toMatchObject({ answer: REFUSAL, abstained: 'no_evidence' });
    expect(fake.chatRequests()).toHaveLength(0);
  });
});
