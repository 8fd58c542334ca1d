import { sentences, stems } from './text-support';

export interface ExtractiveOptions {
  maxSentences: number;
  /** Minimum share of the question's (locally IDF-weighted) content a sentence must cover. */
  minSupport: number;
}

export interface ExtractedSentence {
  n: number;
  text: string;
  score: number;
  position: number;
}

/**
 * The answer without a model: every sentence of the passages is scored by how much of the question it
 * covers, each question stem weighted by its rarity across those sentences (local IDF); the best
 * sentences above the threshold are returned in reading order (passage, then position).
 */
export function selectSentences(question: string, passages: Array<{ n: number; text: string }>, opts: ExtractiveOptions): ExtractedSentence[] {
  const q = [...new Set(stems(question))];
  if (q.length === 0) return [];
  const all = passages.flatMap((p) => sentences(p.text).map((s, i) => ({ n: p.n, text: s.text, position: i, stems: new Set(stems(s.text)) })));
  if (all.length === 0) return [];
  const df = new Map(q.map((w) => [w, all.filter((s) => s.stems.has(w)).length]));
  const idf = new Map(q.map((w) => [w, Math.log(1 + (all.length + 1) / ((df.get(w) ?? 0) + 0.5))]));
  const total = q.reduce((sum, w) => sum + idf.get(w)!, 0);
  const scored = all
    .map((s) => ({ n: s.n, text: s.text, position: s.position, score: q.reduce((sum, w) => sum + (s.stems.has(w) ? idf.get(w)! : 0), 0) / total }))
    .filter((s) => s.score >= opts.minSupport)
    .sort((a, b) => b.score - a.score || a.n - b.n || a.position - b.position);
  const chosen: ExtractedSentence[] = [];
  for (const s of scored) {
    if (chosen.length >= opts.maxSentences) break;
    if (chosen.some((c) => c.text === s.text)) continue;
    chosen.push({ ...s, score: Math.round(s.score * 1000) / 1000 });
  }
  return chosen.sort((a, b) => a.n - b.n || a.position - b.position);
}
