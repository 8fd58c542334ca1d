export interface Candidate {
  documentId: string;
  chunkId: string;
  title: string;
  text: string;
  score: number;
  start: number;
  end: number;
}

/**
 * Packs retrieved chunks, best first, until the token budget is spent. A chunk mostly covered by one
 * already packed from the same document (re-ingest leftovers, a sub-chunk of a packed one) is skipped,
 * as is an exact duplicate text; neighbours that share only the chunker's overlap are both kept (the
 * second one's new part is often the answer). Passages are numbered 1..n in packing order.
 */
export function packContext<T extends Candidate>(
  hits: T[],
  budgetTokens: number,
  countTokens: (text: string) => number,
  render: (hit: T, n: number) => string,
): Array<T & { n: number; tokens: number }> {
  const packed: Array<T & { n: number; tokens: number }> = [];
  const seen = new Set<string>();
  let used = 0;
  for (const hit of hits) {
    const key = hit.text.trim();
    if (seen.has(key)) continue;
    const length = Math.max(1, hit.end - hit.start);
    const covered = packed.some((p) => p.documentId === hit.documentId && Math.min(hit.end, p.end) - Math.max(hit.start, p.start) > length / 2);
    if (covered) continue;
    const tokens = countTokens(render(hit, packed.length + 1));
    if (used + tokens > budgetTokens) {
      if (packed.length === 0) continue; // a single chunk larger than the budget: try the next one
      break;
    }
    packed.push({ ...hit, n: packed.length + 1, tokens });
    seen.add(key);
    used += tokens;
  }
  return packed;
}
