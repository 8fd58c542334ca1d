import { RankedChunk, SearchHit } from './chunk';

export interface RrfPolicy {
  k: number;
  vectorWeight: number;
  textWeight: number;
}

/**
 * Reciprocal Rank Fusion (Cormack et al., 2009): score(d) = sum_b w_b / (k + rank_b(d)).
 * Scores are divided by the best possible score ((w_v + w_t) / (k + 1)) so that a chunk ranked first
 * by both branches scores 1.0, which makes min_score meaningful across queries.
 */
export function reciprocalRankFusion(vector: RankedChunk[], text: RankedChunk[], policy: RrfPolicy): SearchHit[] {
  const byId = new Map<string, { chunk: RankedChunk; v: number | null; t: number | null; coverage: number | null }>();
  vector.forEach((c, i) => byId.set(c.chunkId, { chunk: c, v: i + 1, t: null, coverage: c.coverage ?? null }));
  text.forEach((c, i) => {
    const seen = byId.get(c.chunkId);
    if (seen) {
      seen.t = i + 1;
      seen.coverage = c.coverage ?? seen.coverage;
    } else byId.set(c.chunkId, { chunk: c, v: null, t: i + 1, coverage: c.coverage ?? null });
  });
  const best = (policy.vectorWeight + policy.textWeight) / (policy.k + 1) || 1;
  const hits = [...byId.values()].map(({ chunk, v, t, coverage }) => {
    const raw =
      (v !== null ? policy.vectorWeight / (policy.k + v) : 0) + (t !== null ? policy.textWeight / (policy.k + t) : 0);
    return toHit(chunk, raw / best, { vector: v, text: t }, coverage);
  });
  // Ties: prefer the better vector rank, then the better text rank, then a stable id order.
  return hits.sort(
    (a, b) =>
      b.score - a.score ||
      (a.ranks.vector ?? Infinity) - (b.ranks.vector ?? Infinity) ||
      (a.ranks.text ?? Infinity) - (b.ranks.text ?? Infinity) ||
      a.chunkId.localeCompare(b.chunkId),
  );
}

/** A single branch's list as hits (vector-only or text-only mode). */
export function singleBranch(list: RankedChunk[], branch: 'vector' | 'text'): SearchHit[] {
  return list.map((c, i) =>
    toHit(c, c.score, { vector: branch === 'vector' ? i + 1 : null, text: branch === 'text' ? i + 1 : null }, c.coverage ?? null),
  );
}

function toHit(c: RankedChunk, score: number, ranks: SearchHit['ranks'], coverage: number | null): SearchHit {
  return {
    documentId: c.documentId,
    chunkId: c.chunkId,
    title: c.title,
    text: c.text,
    score: Math.round(score * 1e6) / 1e6,
    ranks,
    coverage,
    metadata: c.metadata,
    start: c.start,
    end: c.end,
    ...(c.heading ? { heading: c.heading } : {}),
  };
}
