import { loadSquad } from '../../../bench/squad';
import { sameFamily, sentences, words } from '../../../shared/text/lexical';
import { SearchHit } from './chunk';
import { rerank, RerankPolicy } from './rerank';

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

/** The scan rerank used before issue 13's app-thread cuts: every term against every distinct word of the candidates. */
function rerankByScan<T extends SearchHit>(query: string, hits: T[], policy: RerankPolicy): T[] {
  if (hits.length < 2 || (policy.proximityWeight <= 0 && policy.titleWeight <= 0)) return hits;
  const terms = [...new Map(words(query).filter((w) => !w.stop).map((w) => [w.stem, w])).values()];
  if (terms.length === 0) return hits;
  const head = hits.slice(0, policy.depth ?? 40);
  const docs = head.map((h) => {
    const bySentence = sentences(h.text).map((s) => words(s.text).filter((w) => !w.stop));
    const all = bySentence.flat();
    const title = words(h.title).filter((w) => !w.stop);
    return { hit: h, sents: bySentence.map((ws) => new Set(ws.map((w) => w.word))), all, title, allSet: new Set(all.map((w) => w.word)), titleSet: new Set(title.map((w) => w.word)) };
  });
  const vocabulary = new Map<string, { word: string; stem: string }>();
  for (const d of docs) for (const w of [...d.all, ...d.title]) vocabulary.set(w.word, w);
  const matching = terms.map((t) => new Set([...vocabulary.values()].filter((w) => w.stem === t.stem || sameFamily(t.word, w.word)).map((w) => w.word)));
  const holds = (ws: Set<string>, i: number) => [...matching[i]].some((w) => ws.has(w));
  const n = docs.length;
  const weight = terms.map((_, i) => Math.log(1 + (n + 1) / (docs.filter((d) => holds(d.allSet, i) || holds(d.titleSet, i)).length + 0.5)));
  const total = weight.reduce((a, b) => a + b, 0);
  const coverage = (...sets: Set<string>[]) => terms.reduce((s, _, i) => s + (sets.some((ws) => holds(ws, i)) ? weight[i] : 0), 0) / total;
  const scored = docs.map((d) => {
    let best = 0;
    for (let i = 0; i < d.sents.length; i++) best = Math.max(best, coverage(d.sents[i]), i + 1 < d.sents.length ? coverage(d.sents[i], d.sents[i + 1]) * 0.95 : 0);
    return { hit: d.hit, score: d.hit.score + policy.proximityWeight * best + policy.titleWeight * coverage(d.titleSet) };
  });
  const scale = 1 + Math.max(0, policy.proximityWeight) + Math.max(0, policy.titleWeight);
  const reordered = scored
    .sort((a, b) => b.score - a.score || a.hit.chunkId.localeCompare(b.hit.chunkId))
    .map(({ hit, score }) => ({ ...hit, score: Math.round((score / scale) * 1e6) / 1e6 }));
  const floor = reordered.length ? reordered[reordered.length - 1].score : 0;
  return [...reordered, ...hits.slice(head.length).map((h) => ({ ...h, score: Math.min(floor, Math.round((h.score / scale) * 1e6) / 1e6) }))];
}

describe('rerank against the per-word scan it replaced (issue 13)', () => {
  it('gives the same order and the same scores on SQuAD-pt questions over 60 candidates each', () => {
    const { paragraphs, questions } = loadSquad();
    const policy = { proximityWeight: 1.5, titleWeight: 0.1 };
    let compared = 0;
    let reordered = 0;
    // every 5th question; its candidates: 60 paragraphs from its own article onwards, scored by a fixed scramble
    for (let q = 0; q < questions.length; q += 5) {
      const { question, paragraphId } = questions[q];
      const from = paragraphs.findIndex((p) => p.id === paragraphId);
      const hits = Array.from({ length: 60 }, (_, k) => {
        const p = paragraphs[(from + k * 7) % paragraphs.length];
        return hit(`${p.id}#${k}`, 1 - (((k * 37) % 60) / 60), p.context, p.article.replace(/_/g, ' '));
      }).sort((a, b) => b.score - a.score);
      const expected = rerankByScan(question, hits, policy);
      expect(rerank(question, hits, policy)).toEqual(expected);
      compared++;
      if (expected.slice(0, 10).some((h, i) => h.chunkId !== hits[i].chunkId)) reordered++;
    }
    expect(compared).toBeGreaterThan(250);
    // the comparison means something only if reranking moves candidates
    expect(reordered).toBeGreaterThan(compared / 2);
  });
});
