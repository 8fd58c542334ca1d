import { sameFamily, sentences, Word, words } from '../../../shared/text/lexical';
import { SearchHit } from './chunk';

export interface RerankPolicy {
  /** Weight of the best one- or two-sentence window's coverage of the query (0 turns it off). */
  proximityWeight: number;
  /** Weight of the title's coverage of the query. */
  titleWeight: number;
  /** How many of the fused candidates are reordered (default 40). */
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
  const head = hits.slice(0, policy.depth ?? 40);
  const docs = head.map((h) => ({ hit: h, ...analysed(h) }));
  // which words of the candidates each term matches: tested once per distinct word, not per occurrence
  const vocabulary = new Map<string, Word>();
  for (const d of docs) for (const w of [...d.all, ...d.title]) vocabulary.set(w.word, w);
  const matching = terms.map((t) => new Set([...vocabulary.values()].filter((w) => w.stem === t.stem || sameFamily(t.word, w.word)).map((w) => w.word)));
  const holds = (ws: Set<string>, i: number) => {
    for (const w of matching[i]) if (ws.has(w)) return true;
    return false;
  };
  const n = docs.length;
  const weight = terms.map((_, i) => Math.log(1 + (n + 1) / (docs.filter((d) => holds(d.allSet, i) || holds(d.titleSet, i)).length + 0.5)));
  const total = weight.reduce((a, b) => a + b, 0);
  const coverage = (...sets: Set<string>[]) => terms.reduce((s, _, i) => s + (sets.some((ws) => holds(ws, i)) ? weight[i] : 0), 0) / total;
  const scored = docs.map((d) => {
    let best = 0;
    for (let i = 0; i < d.sents.length; i++) {
      best = Math.max(best, coverage(d.sents[i]), i + 1 < d.sents.length ? coverage(d.sents[i], d.sents[i + 1]) * 0.95 : 0);
    }
    const score = d.hit.score + policy.proximityWeight * best + policy.titleWeight * coverage(d.titleSet);
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

type Analysis = { sents: Set<string>[]; all: Word[]; title: Word[]; allSet: Set<string>; titleSet: Set<string> };

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
  a = { sents: bySentence.map((ws) => new Set(ws.map((w) => w.word))), all, title, allSet: new Set(all.map((w) => w.word)), titleSet: new Set(title.map((w) => w.word)) };
  cache.set(key, a);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return a;
}
