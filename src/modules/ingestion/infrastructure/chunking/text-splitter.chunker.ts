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
