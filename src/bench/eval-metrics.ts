/* Scoring for `npm run eval`: answer matching (SQuAD-style), ranking metrics and summaries. Pure functions. */
import { percentile } from './stats';

/** Lowercase, accents folded, punctuation dropped (but decimal/thousand marks inside numbers kept), spaces collapsed. */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\[\d{1,3}\]/g, ' ')
    .replace(/(\d)[.,](?=\d)/g, '$1¦')
    .replace(/[^\p{L}\p{N}¦$%]+/gu, ' ')
    .replace(/¦/g, '.')
    .replace(/\s+/g, ' ')
    .trim();
}

const ARTICLES = new Set(['o', 'a', 'os', 'as', 'um', 'uma', 'uns', 'umas', 'the', 'an']);

function answerTokens(text: string): string[] {
  return normalizeAnswer(text)
    .split(' ')
    .filter((t) => t && !ARTICLES.has(t));
}

/**
 * The answer (citation markers removed) contains the gold text, after SQuAD's normalization: articles are
 * dropped on both sides, as for exact match and F1, so "ao lado do edifício principal" holds the gold
 * "o edifício principal" (Portuguese contracts the article into the preposition).
 */
export function containsGold(answer: string, golds: string[]): boolean {
  const a = ` ${answerTokens(answer).join(' ')} `;
  return golds.some((g) => {
    const n = answerTokens(g).join(' ');
    return n.length > 0 && a.includes(` ${n} `);
  });
}

/** `containsGold` with the articles kept: the stricter figure reported before 2026-12-01, kept for comparison. */
export function containsGoldVerbatim(answer: string, golds: string[]): boolean {
  const a = ` ${normalizeAnswer(answer)} `;
  return golds.some((g) => {
    const n = normalizeAnswer(g);
    return n.length > 0 && a.includes(` ${n} `);
  });
}

/** SQuAD exact match: the normalized answer equals one gold answer (articles dropped). */
export function exactMatch(answer: string, golds: string[]): boolean {
  const a = answerTokens(answer).join(' ');
  return golds.some((g) => answerTokens(g).join(' ') === a);
}

/** SQuAD token F1, best over the gold answers. */
export function tokenF1(answer: string, golds: string[]): number {
  const a = answerTokens(answer);
  let best = 0;
  for (const g of golds) {
    const b = answerTokens(g);
    if (a.length === 0 || b.length === 0) continue;
    const counts = new Map<string, number>();
    for (const t of b) counts.set(t, (counts.get(t) ?? 0) + 1);
    let common = 0;
    for (const t of a) {
      const c = counts.get(t) ?? 0;
      if (c > 0) {
        common++;
        counts.set(t, c - 1);
      }
    }
    if (common === 0) continue;
    const p = common / a.length;
    const r = common / b.length;
    best = Math.max(best, (2 * p * r) / (p + r));
  }
  return best;
}

/** The answer as the user reads it, without the [n] markers: its length is what "short" is judged on. */
export function withoutMarkers(answer: string): string {
  return answer.replace(/\s?\[\d{1,3}\]/g, '').trim();
}

export interface RankingMetrics {
  questions: number;
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
  ndcg: number;
}

/** R@k, MRR@10 and nDCG@10 (one relevant document per question) from the 1-based rank of the gold document (0 = not in the top 10). */
export function rankingMetrics(ranks: number[]): RankingMetrics | null {
  if (ranks.length === 0) return null;
  const n = ranks.length;
  const share = (pred: (r: number) => boolean) => round3(ranks.filter(pred).length / n);
  const inTop = (k: number) => (r: number) => r >= 1 && r <= k;
  return {
    questions: n,
    r1: share(inTop(1)),
    r5: share(inTop(5)),
    r10: share(inTop(10)),
    mrr: round3(ranks.reduce((s, r) => s + (r >= 1 && r <= 10 ? 1 / r : 0), 0) / n),
    ndcg: round3(ranks.reduce((s, r) => s + (r >= 1 && r <= 10 ? 1 / Math.log2(r + 1) : 0), 0) / n),
  };
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function p(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  return Math.round(percentile([...values].sort((a, b) => a - b), q) * 10) / 10;
}

export function share(hits: number, of: number): number | null {
  return of === 0 ? null : round3(hits / of);
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
