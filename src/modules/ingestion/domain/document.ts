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

/** Longest title and source id kept (the JSON request's limits); a file's own (a heading, a <title>, a cell, its name) is cut to them. */
export const MAX_TITLE_CHARS = 500;
export const MAX_SOURCE_ID_CHARS = 1000;

/** `s` cut to at most `max` characters, never inside a surrogate pair. */
export function clipped(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = /[\uD800-\uDBFF]/.test(s[max - 1]) ? max - 1 : max;
  return s.slice(0, cut).trimEnd();
}

/**
 * Normalized text (as it will be chunked and hashed: Unicode NFC, Unix newlines, no trailing spaces per
 * line, no runs of more than one blank line, no NUL characters, trimmed) plus, for each of its
 * characters, the range it came from in the text as submitted.
 */
export interface NormalizedText {
  text: string;
  /** Offset in the submitted text where normalized character i starts. */
  sourceStart: Int32Array;
  /** Offset in the submitted text just past normalized character i. */
  sourceEnd: Int32Array;
}

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const isLineEnd = (c: number) => c === LF || c === 0x2028 || c === 0x2029;
/** The characters `[ \t\f\v\u00a0]` the trailing-space step removes. */
const isTrailingSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0c || c === 0x0b || c === 0xa0;
/** A base character with its combining marks; conjoining Hangul vowels and finals join the preceding jamo. */
const CLUSTER = /[^\p{M}\u1160-\u11FF][\p{M}\u1160-\u11FF]*|[\p{M}\u1160-\u11FF]+/gsu;

/** UTF-16 code units with, per unit, the range [s, e) of the submitted text it came from. */
class Units {
  constructor(
    public code: Uint16Array,
    public s: Int32Array,
    public e: Int32Array,
    public length: number,
  ) {}

  static identity(text: string): Units {
    const n = text.length;
    const u = new Units(new Uint16Array(n), new Int32Array(n), new Int32Array(n), n);
    for (let i = 0; i < n; i++) {
      u.code[i] = text.charCodeAt(i);
      u.s[i] = i;
      u.e[i] = i + 1;
    }
    return u;
  }

  /** Unit i moved to position w (w <= i: steps compact in place). */
  move(i: number, w: number): void {
    this.code[w] = this.code[i];
    this.s[w] = this.s[i];
    this.e[w] = this.e[i];
  }

  /** The units as a string, lone surrogates included (a UTF-16 decoder would replace them). */
  text(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.length; i += 8192) parts.push(String.fromCharCode(...this.code.subarray(i, Math.min(i + 8192, this.length))));
    return parts.join('');
  }
}

/** NFC, keeping for every output unit the source range of the cluster it was composed from. */
function nfcUnits(source: string): Units {
  const nfc = source.normalize('NFC');
  if (nfc === source) return Units.identity(source); // the usual case: already composed
  const u = new Units(new Uint16Array(nfc.length), new Int32Array(nfc.length), new Int32Array(nfc.length), 0);
  let ok = true;
  for (const m of source.matchAll(CLUSTER)) {
    const composed = m[0].normalize('NFC');
    for (let k = 0; k < composed.length; k++) {
      const w = u.length++;
      if (w >= nfc.length || composed.charCodeAt(k) !== nfc.charCodeAt(w)) {
        ok = false;
        break;
      }
      u.code[w] = composed.charCodeAt(k);
      u.s[w] = m.index!;
      u.e[w] = m.index! + m[0].length;
    }
    if (!ok) break;
  }
  if (ok && u.length === nfc.length) return u;
  // composition across clusters that CLUSTER does not model: whole-text NFC, offsets spread proportionally
  const scale = source.length / Math.max(1, nfc.length);
  const p = Units.identity(nfc);
  for (let i = 0; i < nfc.length; i++) {
    p.s[i] = Math.floor(i * scale);
    p.e[i] = Math.max(p.s[i] + 1, Math.floor((i + 1) * scale));
  }
  return p;
}

/**
 * Normalizes text as {@link NormalizedText} describes, keeping track of where every character came from, so chunk offsets can point
 * into the text the caller sent (for files: the text extracted from them) rather than into its normalized
 * form. Each step is the same as the plain regex pipeline (NFC, CRLF/CR -> LF, trailing spaces, blank runs,
 * NUL, trim); document.spec.ts checks the two agree on random input, since content hashes depend on it.
 * Linear, on typed arrays: about 10 bytes per character.
 */
export function normalizeWithOffsets(source: string): NormalizedText {
  const u = nfcUnits(source);
  // CRLF and lone CR -> LF (a CRLF pair becomes one LF spanning both)
  let w = 0;
  for (let i = 0; i < u.length; i++, w++) {
    u.move(i, w);
    if (u.code[w] !== CR) continue;
    u.code[w] = LF;
    if (i + 1 < u.length && u.code[i + 1] === LF) u.e[w] = u.e[++i];
  }
  u.length = w;
  // spaces at the end of each line (and of the text)
  const drop = new Uint8Array(u.length);
  let atLineEnd = true;
  for (let i = u.length - 1; i >= 0; i--) {
    const c = u.code[i];
    if (isLineEnd(c)) atLineEnd = true;
    else if (atLineEnd && isTrailingSpace(c)) drop[i] = 1;
    else atLineEnd = false;
  }
  w = 0;
  for (let i = 0; i < u.length; i++) if (!drop[i]) u.move(i, w++);
  u.length = w;
  // three or more newlines -> two (the first and the last of the run)
  w = 0;
  for (let i = 0; i < u.length; ) {
    if (u.code[i] !== LF) {
      u.move(i++, w++);
      continue;
    }
    let j = i;
    while (j < u.length && u.code[j] === LF) j++;
    if (j - i >= 3) {
      u.move(i, w++);
      u.move(j - 1, w++);
    } else for (let k = i; k < j; k++) u.move(k, w++);
    i = j;
  }
  u.length = w;
  // NULs out
  w = 0;
  for (let i = 0; i < u.length; i++) if (u.code[i] !== NUL) u.move(i, w++);
  u.length = w;
  // trim (String.prototype.trim's notion of white space)
  const joined = u.text();
  const lead = joined.length - joined.trimStart().length;
  const text = joined.trim();
  return { text, sourceStart: u.s.slice(lead, lead + text.length), sourceEnd: u.e.slice(lead, lead + text.length) };
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
