import { createHash } from 'node:crypto';

export type SourceType = 'upload' | 'json' | 'url';

export interface KnowledgeDocument {
  id: string;
  collection: string;
  /** Identity of the source within its collection (file name, URL, caller's source_id, or the content hash). */
  sourceId: string;
  sourceType: SourceType;
  title: string;
  contentHash: string;
  mimeType: string;
  sizeBytes: number;
  charCount: number;
  chunkCount: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Text as it will be chunked: Unicode NFC, Unix newlines, no trailing spaces per line, no runs of more
 * than one blank line, no NUL characters, trimmed.
 */
export function normalizeText(text: string): string {
  return normalizeWithOffsets(text).text;
}

/** Normalized text plus, for each of its characters, the range it came from in the text as submitted. */
export interface NormalizedText {
  text: string;
  /** Offset in the submitted text where normalized character i starts. */
  sourceStart: Int32Array;
  /** Offset in the submitted text just past normalized character i. */
  sourceEnd: Int32Array;
}

interface Unit {
  ch: string;
  s: number;
  e: number;
}

const LINE_END = new Set(['\n', '\u2028', '\u2029']);
const TRAILING_SPACE = new Set([' ', '\t', '\f', '\v', '\u00a0']);

/**
 * {@link normalizeText} that keeps track of where every character came from, so chunk offsets can point
 * into the text the caller sent (for files: the text extracted from them) rather than into its normalized
 * form. Each step is the same as the plain regex pipeline (NFC, CRLF/CR -> LF, trailing spaces, blank runs,
 * NUL, trim); document.spec.ts checks the two agree on random input, since content hashes depend on it.
 */
export function normalizeWithOffsets(source: string): NormalizedText {
  // NFC per base character and its combining marks, so each composed character maps to its cluster.
  let units: Unit[] = [];
  for (const m of source.matchAll(/\P{M}\p{M}*|\p{M}+/gsu)) {
    const cluster = m[0];
    const s = m.index!;
    for (const ch of cluster.normalize('NFC').split('')) units.push({ ch, s, e: s + cluster.length });
  }
  const nfc = source.normalize('NFC');
  if (units.length !== nfc.length || units.some((u, i) => u.ch !== nfc[i])) {
    // composition across clusters (conjoining Hangul jamo): whole-text NFC, offsets spread proportionally
    const scale = source.length / Math.max(1, nfc.length);
    units = nfc.split('').map((ch, i) => ({ ch, s: Math.floor(i * scale), e: Math.max(Math.floor(i * scale) + 1, Math.floor((i + 1) * scale)) }));
  }
  // CRLF and lone CR -> LF
  const lf: Unit[] = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    if (u.ch !== '\r') lf.push(u);
    else if (units[i + 1]?.ch === '\n') lf.push({ ch: '\n', s: u.s, e: units[++i].e });
    else lf.push({ ch: '\n', s: u.s, e: u.e });
  }
  // spaces at the end of each line
  const keep = new Array<boolean>(lf.length).fill(true);
  let atLineEnd = true;
  for (let i = lf.length - 1; i >= 0; i--) {
    if (LINE_END.has(lf[i].ch)) atLineEnd = true;
    else if (atLineEnd && TRAILING_SPACE.has(lf[i].ch)) keep[i] = false;
    else atLineEnd = false;
  }
  units = lf.filter((_, i) => keep[i]);
  // three or more newlines -> two (the first and the last of the run), then NULs out
  const collapsed: Unit[] = [];
  for (let i = 0; i < units.length; ) {
    let j = i;
    while (j < units.length && units[j].ch === '\n') j++;
    if (j - i >= 3) {
      collapsed.push(units[i], units[j - 1]);
      i = j;
    } else if (j > i) {
      collapsed.push(...units.slice(i, j));
      i = j;
    } else collapsed.push(units[i++]);
  }
  units = collapsed.filter((u) => u.ch !== '\u0000');
  // trim (String.prototype.trim's notion of white space)
  const joined = units.map((u) => u.ch).join('');
  const lead = joined.length - joined.trimStart().length;
  const text = joined.trim();
  const kept = units.slice(lead, lead + text.length);
  return { text, sourceStart: Int32Array.from(kept, (u) => u.s), sourceEnd: Int32Array.from(kept, (u) => u.e) };
}

/** The range in the submitted text of normalized characters [start, end). */
export function sourceRange(n: NormalizedText, start: number, end: number): { start: number; end: number } {
  if (n.text.length === 0) return { start: 0, end: 0 };
  const s = Math.min(Math.max(start, 0), n.text.length - 1);
  const e = Math.min(Math.max(end, s + 1), n.text.length);
  return { start: n.sourceStart[s], end: n.sourceEnd[e - 1] };
}

/** SHA-256 of the normalized text: the same content hashes the same whatever its file name or format. */
export function contentHash(normalized: string): string {
  return createHash('sha256').update(normalized, 'utf8').digest('hex');
}
