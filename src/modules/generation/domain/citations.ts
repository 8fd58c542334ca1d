import { sentences, stems, support } from '../../../shared/text/lexical';

export interface Passage {
  n: number;
  documentId: string;
  chunkId: string;
  title: string;
  text: string;
  score: number;
  /** Offset of the passage in its document. */
  start?: number;
  /** The heading the passage starts under (a chunk cut inside a section). */
  heading?: string;
}

export interface VerifiedCitation {
  n: number;
  documentId: string;
  chunkId: string;
  title: string;
  /** The passage sentence that best supports the answer sentences citing it. */
  quote: string;
  score: number;
  /** Lexical support of the citing sentences by this passage (0..1). */
  support: number;
}

export interface CitationReport {
  /** The answer with unsupported or unknown markers removed. */
  answer: string;
  citations: VerifiedCitation[];
  /** Markers the model wrote. */
  cited: number;
  /** Markers removed: unknown passage number or not supporting their sentence. */
  dropped: number;
}

const MARKER = /\s?\[(\d{1,3})\]/g;

/**
 * After generation: every sentence's [n] markers are checked against passage n; a marker whose
 * passage does not lexically support the sentence (below `threshold`) or names no passage is removed.
 */
export function verifyCitations(answer: string, passages: Passage[], threshold: number): CitationReport {
  const byN = new Map(passages.map((p) => [p.n, p]));
  // stemmed only when cited: an answer cites one or two of the six to ten passages it was given
  const stemSets = new Map<number, Set<string>>();
  const stemsOf = (p: Passage) => {
    let set = stemSets.get(p.n);
    if (!set) stemSets.set(p.n, (set = new Set(stems(p.text))));
    return set;
  };
  const best = new Map<number, { support: number; claim: string }>();
  let cited = 0;
  let dropped = 0;
  const rebuilt = answer.replace(/[^.!?\n]*[.!?]*(?:\s*\[\d{1,3}\])*[.!?]?/g, (sentence) => {
    if (!MARKER.test(sentence)) return sentence;
    MARKER.lastIndex = 0;
    const claim = sentence.replace(MARKER, '').trim();
    return sentence.replace(MARKER, (marker, num: string) => {
      cited++;
      const n = Number(num);
      const p = byN.get(n);
      const s = p ? support(claim, stemsOf(p)) : 0;
      if (!p || s < threshold) {
        dropped++;
        return '';
      }
      const prev = best.get(n);
      if (!prev || s > prev.support) best.set(n, { support: s, claim });
      return marker;
    });
  });
  const citations = [...best.entries()]
    .sort(([a], [b]) => a - b)
    .map(([n, { support: s, claim }]) => {
      const p = byN.get(n)!;
      return { n, documentId: p.documentId, chunkId: p.chunkId, title: p.title, quote: bestQuote(claim, p.text), score: p.score, support: round(s) };
    });
  return { answer: rebuilt.replace(/[ \t]+([.,;!?])/g, '$1').replace(/[ \t]{2,}/g, ' ').trim(), citations, cited, dropped };
}

function bestQuote(claim: string, passage: string): string {
  let best = { s: -1, text: passage };
  for (const sent of sentences(passage)) {
    const s = support(claim, sent.text);
    if (s > best.s) best = { s, text: sent.text };
  }
  return best.text;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
