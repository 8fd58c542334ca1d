import { HashingEmbedder } from './hashing.embedder';
import { contentWords } from './portuguese-text';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('HashingEmbedder', () => {
  const e = new HashingEmbedder({ dimension: 384 });

  it('exposes the port shape: dimension, modelId, embed(texts) without a purpose', async () => {
    expect(e.dimension).toBe(384);
    expect(e.modelId).toBe('hashing:v1:384');
    expect(e.info).toMatchObject({ dimension: 384, modelId: 'hashing:v1:384', kind: 'lexical' });
    const [plain] = await e.embed(['Política de reembolso']);
    expect(plain).toHaveLength(384);
  });

  it('gives each of many texts its own vector, in order (embed() lets other requests in between; issue 13)', async () => {
    const texts = Array.from({ length: 600 }, (_, i) => `Parágrafo ${i} sobre a política de reembolso número ${i * 7}`);
    const vectors = await e.embed(texts, 'document');
    expect(vectors.map((v) => Array.from(v))).toEqual(texts.map((t) => Array.from(e.embedOne(t))));
  });

  it('is deterministic, L2-normalized and of the configured dimension', async () => {
    const [a, b] = await e.embed(['Política de reembolso', 'Política de reembolso'], 'document');
    expect(a).toHaveLength(384);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(cos(a, a)).toBeCloseTo(1, 5);
  });

  it('folds accents and case, and ignores stopwords', async () => {
    const [a, b] = await e.embed(['AÇÃO de cobrança', 'acao cobranca'], 'query');
    expect(cos(a, b)).toBeCloseTo(1, 5);
    expect(contentWords('O horário do suporte é das 09h às 18h')).toEqual(['horario', 'suporte', '09h', '18h']);
  });

  it('ranks a related sentence above an unrelated one, and catches inflections via n-grams', async () => {
    const [q, rel, unrel, plural] = await e.embed(
      [
        'Qual é o horário de atendimento do suporte?',
        'O horário de atendimento do suporte humano é das 09h às 18h.',
        'Backups automáticos são realizados diariamente com retenção de 30 dias.',
        'escolas',
      ],
      'document',
    );
    expect(cos(q, rel)).toBeGreaterThan(0.3);
    expect(cos(q, rel)).toBeGreaterThan(cos(q, unrel) + 0.2);
    const [singular, other] = await e.embed(['escola', 'hospital'], 'document');
    expect(cos(plural, singular)).toBeGreaterThan(cos(plural, other) + 0.15);
  });

  it('labels itself as lexical with a versioned model id', () => {
    expect(e.info).toMatchObject({ provider: 'hashing', modelId: 'hashing:v1:384', dimension: 384, kind: 'lexical' });
  });

  it('embeds empty or stopword-only text as the zero vector rather than NaN', async () => {
    const [z] = await e.embed(['de a o'], 'document');
    expect(Array.from(z).every((x) => x === 0)).toBe(true);
  });
});
