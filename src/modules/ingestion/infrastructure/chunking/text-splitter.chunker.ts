import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { headingsAt } from '../../../../shared/text/headings';
import { countTokens } from '../../../../shared/text/tokens';
import type { ChunkDraft } from '../../../retrieval';
import { Chunker } from '../../application/ports/chunker.port';

export interface ChunkerOptions {
  unit: 'tokens' | 'characters';
  size: number;
  overlap: number;
}

// Paragraphs, lines, then sentence ends, clauses and words: chunks end on natural boundaries.
const SEPARATORS = ['\n\n', '\n', '. ', '? ', '! ', '; ', ': ', ', ', ' ', ''];

export { countTokens };

let cl100k: Promise<(text: string) => number> | undefined;

/**
 * cl100k_base token counts for sizing chunks, by gpt-tokenizer: the same counts as js-tiktoken (countTokens; the
 * spec compares them), 3.6-6x faster on Portuguese prose. js-tiktoken's count was about as much CPU per chunk as the
 * chunk's HNSW insert on a server (docs/BENCHMARKS.md, issue 13, session 9). Loaded at the first count (about 0.2 s).
 */
// "<|endoftext|>" in a document (one about LLMs) is text like any other, not a special token to refuse
const PLAIN = { disallowedSpecial: new Set<string>() };

export async function chunkTokens(text: string): Promise<number> {
  const count = await (cl100k ??= import('gpt-tokenizer/cjs/encoding/cl100k_base').then((m) => (t: string) => m.countTokens(t, PLAIN)));
  return count(text);
}

/**
 * @langchain/textsplitters' recursive splitter, sized in tokens or characters, plus what it does not
 * give: each chunk's character offsets in the source text (chunks are substrings of it, found in order).
 */
export class TextSplitterChunker implements Chunker {
  private readonly splitter: RecursiveCharacterTextSplitter;
  readonly description: string;

  constructor(options: ChunkerOptions) {
    this.splitter = new RecursiveCharacterTextSplitter({
      chunkSize: options.size,
      chunkOverlap: options.overlap,
      separators: SEPARATORS,
      keepSeparator: true,
      lengthFunction: options.unit === 'tokens' ? chunkTokens : (t: string) => t.length,
    });
    this.description = `recursive splitter, ${options.size} ${options.unit} with ${options.overlap} overlap`;
  }

  async split(text: string): Promise<ChunkDraft[]> {
    const pieces = await this.splitter.splitText(text);
    const drafts: ChunkDraft[] = [];
    let cursor = 0;
    for (const piece of pieces) {
      const trimmed = piece.trim();
      if (!trimmed) continue;
      let start = text.indexOf(trimmed, cursor);
      if (start < 0) start = text.indexOf(trimmed); // defensive: overlap may step back further than expected
      if (start < 0) start = cursor;
      drafts.push({ position: drafts.length, text: trimmed, start, end: start + trimmed.length });
      cursor = start + 1;
    }
    // the heading each chunk starts under: a chunk cut inside a section still knows what it is about
    const headings = headingsAt(text, drafts.map((d) => d.start));
    drafts.forEach((d, i) => {
      if (headings[i]) d.heading = headings[i];
    });
    return drafts;
  }
}
