import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { headingsAt } from '../../../../shared/text/headings';
import { chunkTokens, countTokens } from '../../../../shared/text/tokens';
import type { ChunkDraft } from '../../../retrieval';
import { Chunker } from '../../application/ports/chunker.port';

export interface ChunkerOptions {
  unit: 'tokens' | 'characters';
  size: number;
  overlap: number;
}

// Paragraphs, lines, then sentence ends, clauses and words: chunks end on natural boundaries.
const SEPARATORS = ['\n\n', '\n', '. ', '? ', '! ', '; ', ': ', ', ', ' ', ''];

export { chunkTokens, countTokens };

/**
 * A run of non-space characters longer than this (a base64 blob, a hash pasted 1,000 times) is cut in slices of the
 * chunk size before the splitter sees it: the splitter cuts such a run character by character, counting tokens as it
 * goes, with a cost that grows with the square of its length (one word of 150,000 characters held the event loop
 * 27 s). Words up to this length are split exactly as before.
 */
export const LONG_WORD_CHARS = 500;

/**
 * @langchain/textsplitters' recursive splitter, sized in tokens or characters, plus what it does not
 * give: each chunk's character offsets in the source text (chunks are substrings of it, found in order).
 */
export class TextSplitterChunker implements Chunker {
  readonly description: string;
  private readonly sliceChars: number;
  private readonly options: ChunkerOptions;

  constructor(options: ChunkerOptions) {
    // a token is at least one character (an emoji is two or more tokens: the splitter still cuts such a slice)
    this.sliceChars = Math.max(1, options.size);
    this.options = options;
    this.description = `recursive splitter, ${options.size} ${options.unit} with ${options.overlap} overlap`;
  }

  async split(text: string): Promise<ChunkDraft[]> {
    const { unit, size, overlap } = this.options;
    // The splitter measures each piece three times (sorting the pieces that fit from those to cut again, merging
    // them, and stepping back for the overlap): in tokens, one count per distinct piece of this text instead, which
    // was about two thirds of the chunker's time on prose (docs/BENCHMARKS.md, issue 13, session 13).
    const counted = new Map<string, number>();
    const length =
      unit === 'tokens'
        ? async (t: string) => {
            let n = counted.get(t);
            if (n === undefined) counted.set(t, (n = await chunkTokens(t)));
            return n;
          }
        : async (t: string) => t.length;
    const splitter = new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: overlap, separators: SEPARATORS, keepSeparator: true, lengthFunction: length });
    const drafts: ChunkDraft[] = [];
    for (const { start: base, end, slice } of segments(text, this.sliceChars)) {
      const segment = text.slice(base, end);
      // a slice of a long word that fits is its own chunk: one count instead of the splitter's walk through it
      const pieces = slice && (await length(segment)) <= size ? [segment] : await splitter.splitText(segment);
      let cursor = 0;
      for (const piece of pieces) {
        const trimmed = piece.trim();
        if (!trimmed) continue;
        let start = segment.indexOf(trimmed, cursor);
        if (start < 0) start = segment.indexOf(trimmed); // defensive: overlap may step back further than expected
        if (start < 0) start = cursor;
        drafts.push({ position: drafts.length, text: trimmed, start: base + start, end: base + start + trimmed.length });
        cursor = start + 1;
      }
    }
    endSentencesInPlace(text, drafts);
    // the heading each chunk starts under: a chunk cut inside a section still knows what it is about
    const headings = headingsAt(text, drafts.map((d) => d.start));
    drafts.forEach((d, i) => {
      if (headings[i]) d.heading = headings[i];
    });
    return drafts;
  }
}

/** The punctuation a separator leaves at the start of the chunk after it (the splitter keeps ". " with what follows). */
const LEADING_PUNCTUATION = /^[.?!;:,…]+\s*/u;

/**
 * The splitter keeps a separator with the text after it, so a chunk cut at a sentence end began ". Next sentence"
 * (98 of SQuAD-pt's 315 chunks) and the one before it lost its period. The punctuation goes back to the end of the chunk
 * before when only blanks lie between them (with overlap, that chunk already holds it), and the chunk starts at its
 * first word. Otherwise (other text between them) it stays where it is: no character leaves every chunk. A chunk of
 * punctuation alone is dropped.
 */
function endSentencesInPlace(text: string, drafts: ChunkDraft[]): void {
  for (let i = 1; i < drafts.length; i++) {
    const d = drafts[i];
    const lead = LEADING_PUNCTUATION.exec(d.text)?.[0];
    if (!lead) continue;
    const prev = drafts[i - 1];
    const marksEnd = d.start + lead.trimEnd().length;
    if (prev.end < marksEnd) {
      if (prev.end < d.start && text.slice(prev.end, d.start).trim() !== '') continue;
      prev.end = marksEnd;
      prev.text = text.slice(prev.start, prev.end);
    }
    d.text = d.text.slice(lead.length);
    d.start += lead.length;
  }
  for (let i = drafts.length - 1; i >= 0; i--) if (!drafts[i].text) drafts.splice(i, 1);
  drafts.forEach((d, i) => (d.position = i));
}

/**
 * The parts of `text` the splitter takes one at a time: the text between words longer than {@link LONG_WORD_CHARS},
 * and each such word in slices of `sliceChars` (never inside a surrogate pair). A text without such words is one part.
 */
function segments(text: string, sliceChars: number): Array<{ start: number; end: number; slice?: true }> {
  const out: Array<{ start: number; end: number; slice?: true }> = [];
  let from = 0;
  for (const word of text.matchAll(/\S+/g)) {
    if (word[0].length <= LONG_WORD_CHARS) continue;
    const [wordStart, wordEnd] = [word.index, word.index + word[0].length];
    if (wordStart > from) out.push({ start: from, end: wordStart });
    for (let s = wordStart; s < wordEnd; ) {
      let e = Math.min(wordEnd, s + sliceChars);
      if (e < wordEnd && e - 1 > s && /[\uD800-\uDBFF]/.test(text[e - 1])) e--;
      out.push({ start: s, end: e, slice: true });
      s = e;
    }
    from = wordEnd;
  }
  if (from < text.length || out.length === 0) out.push({ start: from, end: text.length });
  return out;
}
