import { sameFamily, sentences, words } from '../../../shared/text/lexical';
import { SearchHit } from './chunk';

/** How many of the fused candidates are reordered when the policy does not say. */
export const RERANK_DEPTH = 40;

export interface RerankPolicy {
  /** Weight of the best one- or two-sentence window's coverage of the query (0 turns it off). */
  proximityWeight: number;
  /** Weight of the title's coverage of the query. */
  titleWeight: number;
  /** How many of the fused candidates are reordered (default RERANK_DEPTH). */
  depth?: number;
}

/**
 * Second-stage ranking of the fused candidates: a passage that holds the query's terms together, in one
 * sentence or two adjacent ones, is likelier to answer it than one that scatters them; and a title that
 * names the query's subject is evidence too. Each query term weighs its rarity among the candidates
 * (local IDF); a term matches by stem or by word family ("vender" / "venda").
 * score' = (fused score + proximityWeight * window coverage + titleWeight * title coverage) / (1 + both weights).
 */
export function rerank<T extends SearchHit>(query: string, hits: T[], policy: RerankPolicy): T[] {
  if (hits.length < 2 || (policy.proximityWeight <= 0 && policy.titleWeight <= 0)) return hits;
  const terms = [...new Map(words(query).filter((w) => !w.stop).map((w) => [w.stem, w])).values()];
  if (terms.length === 0) return hits;
  // the head of the fused list is where a better order matters; the tail keeps its order after it
  const head = hits.slice(0, policy.depth ?? RERANK_DEPTH);
  const docs = head.map((h) => ({ hit: h, ...analysed(h) }));
  // which words of the candidates each term matches: its stem's words, and the words sharing its first 4 letters
  // that are of its family (sameFamily needs 4 common leading letters unless the words are equal, and equal words
  // share a stem), looked up in each candidate's index instead of testing every distinct word of the 40 candidates
  const matching = terms.map((t) => {
    const out = new Set<string>();
    const prefix = t.word.length >= 4 ? t.word.slice(0, 4) : undefined;
    const tried = new Set<string>();
    for (const d of docs) {
      for (const w of d.byStem.get(t.stem) ?? []) out.add(w);
      if (prefix === undefined) continue;
      for (const w of d.byPrefix.get(prefix) ?? []) {
        if (out.has(w) || tried.has(w)) continue;
        tried.add(w);
        if (sameFamily(t.word, w)) out.add(w);
      }
    }
    return out;
  });
  // which terms a set of words holds, once per set (a sentence is read alone and beside the next one)
  const held = (ws: Set<string>) =>
    matching.map((m) => {
      for (const w of m) if (ws.has(w)) return true;
      return false;
    });
  const analysedDocs = docs.map((d) => ({ hit: d.hit, all: held(d.allSet), title: held(d.titleSet), sents: d.sents.map(held) }));
  const n = docs.length;
  const weight = terms.map((_, i) => Math.log(1 + (n + 1) / (analysedDocs.filter((d) => d.all[i] || d.title[i]).length + 0.5)));
  const total = weight.reduce((a, b) => a + b, 0);
  // summed in term order, as a reduce over the terms would: the same floating-point result
  const coverage = (a: boolean[], b?: boolean[]) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] || (b !== undefined && b[i])) ? weight[i] : 0;
    return s / total;
  };
  const scored = analysedDocs.map((d) => {
    let best = 0;
    for (let i = 0; i < d.sents.length; i++) {
      best = Math.max(best, coverage(d.sents[i]), i + 1 < d.sents.length ? coverage(d.sents[i], d.sents[i + 1]) * 0.95 : 0);
    }
    const score = d.hit.score + policy.proximityWeight * best + policy.titleWeight * coverage(d.title);
    return { hit: d.hit, score };
  });
  // scores stay in 0..1 and follow the new order
  const scale = 1 + Math.max(0, policy.proximityWeight) + Math.max(0, policy.titleWeight);
  const reordered = scored
    .sort((a, b) => b.score - a.score || a.hit.chunkId.localeCompare(b.hit.chunkId))
    .map(({ hit, score }) => ({ ...hit, score: Math.round((score / scale) * 1e6) / 1e6 }));
  const floor = reordered.length ? reordered[reordered.length - 1].score : 0;
  return [...reordered, ...hits.slice(head.length).map((h) => ({ ...h, score: Math.min(floor, Math.round((h.score / scale) * 1e6) / 1e6) }))];
}

/** A chunk's distinct words (text and title) by stem and by their first 4 letters, its sentences' and title's word sets. */
type Analysis = { sents: Set<string>[]; byStem: Map<string, string[]>; byPrefix: Map<string, string[]>; allSet: Set<string>; titleSet: Set<string> };

/**
 * A chunk's words by sentence, kept for the chunks searched most recently, so the analysis is computed
 * once per chunk (the key holds the title and the text's length too, should a chunk id ever name other text).
 */
const cache = new Map<string, Analysis>();
const CACHE_SIZE = 20000;

function analysed(h: SearchHit): Analysis {
  const key = `${h.chunkId}\u0001${h.title}\u0001${h.text.length}`;
  let a = cache.get(key);
  if (a) {
    cache.delete(key); // refresh its place (least recently used goes first)
    cache.set(key, a);
    return a;
  }
  const bySentence = sentences(h.text).map((s) => words(s.text).filter((w) => !w.stop));
  const all = bySentence.flat();
  const title = words(h.title).filter((w) => !w.stop);
  const byStem = new Map<string, string[]>();
  const byPrefix = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const w of [...all, ...title]) {
    if (seen.has(w.word)) continue;
    seen.add(w.word);
    push(byStem, w.stem, w.word);
    if (w.word.length >= 4) push(byPrefix, w.word.slice(0, 4), w.word);
  }
  a = { sents: bySentence.map((ws) => new Set(ws.map((w) => w.word))), byStem, byPrefix, allSet: new Set(all.map((w) => w.word)), titleSet: new Set(title.map((w) => w.word)) };
  cache.set(key, a);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return a;
}

function push(index: Map<string, string[]>, key: string, word: string): void {
  const list = index.get(key);
  if (list) list.push(word);
  else index.set(key, [word]);
}
