import { SearchHit } from './chunk';
import { rerank } from './rerank';

const hit = (id: string, score: number, text: string, title = 'Doc'): SearchHit => ({
  documentId: `d-${id}`,
  chunkId: id,
  title,
  text,
  score,
  ranks: { vector: null, text: null },
  coverage: null,
  metadata: {},
  start: 0,
  end: text.length,
});

describe('rerank (sentence-window proximity and title)', () => {
  const policy = { proximityWeight: 1.5, titleWeight: 0.1 };

  it('puts first the passage that holds the query terms together in one sentence', () => {
    const scattered = hit('a', 1, 'O reembolso é pedido no portal. Outras regras valem para viagens internacionais. O prazo muda por região.');
    const together = hit('b', 0.8, 'O prazo do reembolso de viagens é de 5 dias úteis.');
    expect(rerank('prazo do reembolso de viagens', [scattered, together], policy).map((h) => h.chunkId)).toEqual(['b', 'a']);
  });

  it('counts a title that names the subject', () => {
    const a = hit('a', 0.9, 'As regras valem para todos.', 'Outro assunto');
    const b = hit('b', 0.9, 'As regras valem para todos.', 'Política de férias');
    expect(rerank('regras de férias', [a, b], policy)[0].chunkId).toBe('b');
  });

  it('keeps scores in 0..1 and in the new order, and leaves the tail beyond its depth after the head', () => {
    const hits = [hit('a', 1, 'nada a ver'), hit('b', 0.5, 'férias de 30 dias'), hit('c', 0.4, 'férias')];
    const out = rerank('férias 30 dias', hits, { ...policy, depth: 2 });
    expect(out.map((h) => h.chunkId)).toEqual(['b', 'a', 'c']);
    const scores = out.map((h) => h.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    expect(Math.max(...scores)).toBeLessThanOrEqual(1);
  });

  it('changes nothing when both weights are 0', () => {
    const hits = [hit('a', 1, 'x'), hit('b', 0.5, 'férias')];
    expect(rerank('férias', hits, { proximityWeight: 0, titleWeight: 0 })).toBe(hits);
  });
});
