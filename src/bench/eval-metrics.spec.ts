import { containsGold, containsGoldVerbatim, exactMatch, rankingMetrics, tokenF1, withoutMarkers } from './eval-metrics';

describe('eval metrics', () => {
  it('finds the gold answer in a reply, ignoring case, accents, punctuation and [n] markers', () => {
    expect(containsGold('O auxílio é de R$ 80 por mês. [1]', ['r$ 80'])).toBe(true);
    expect(containsGold('Pode vender até 10 dias [2].', ['10 DIAS'])).toBe(true);
    expect(containsGold('São 180 dias.', ['80 dias'])).toBe(false); // whole tokens only
    expect(containsGold('Custa R$ 1.250,00 por ano.', ['1.250,00'])).toBe(true);
  });
  it('drops articles before looking for the gold, as SQuAD normalizes (the article contracts into "do", "ao")', () => {
    expect(containsGold('Ao lado do edifício principal é a Basílica. [1]', ['o edifício principal'])).toBe(true);
    expect(containsGoldVerbatim('Ao lado do edifício principal é a Basílica. [1]', ['o edifício principal'])).toBe(false);
    expect(containsGold('Fica ao lado da capela.', ['o edifício principal'])).toBe(false);
    expect(containsGold('Qualquer coisa.', ['a'])).toBe(false); // an article alone is no answer
  });
  it('scores exact match and token F1 as SQuAD does (articles dropped)', () => {
    expect(exactMatch('o edifício principal', ['Edifício Principal'])).toBe(true);
    expect(tokenF1('ao lado do edifício principal', ['o edifício principal'])).toBeCloseTo(2 * (2 / 5) * 1 / (2 / 5 + 1), 5);
    expect(tokenF1('nada', ['outra coisa'])).toBe(0);
  });
  it('computes R@k, MRR and nDCG from gold ranks (0 = not found)', () => {
    expect(rankingMetrics([1, 2, 0, 6])).toEqual({ questions: 4, r1: 0.25, r5: 0.5, r10: 0.75, mrr: 0.417, ndcg: 0.497 });
    expect(rankingMetrics([])).toBeNull();
  });
  it('strips citation markers', () => {
    expect(withoutMarkers('A [1]. B [2][3].')).toBe('A. B.');
  });
});
